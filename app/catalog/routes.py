"""Pages: browse, show, create and edit listings."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.accounts import services as accounts
from app.accounts.auth import current_membership
from app.catalog import bp, search_service, services
from app.catalog.forms import ListingForm
from app.catalog.schemas import ListingCreateSchema, ListingUpdateSchema
from app.catalog.search_schemas import ListingSearchQuerySchema
from app.errors import DomainError, Forbidden
from app.extensions import db
from app.forms import as_int, attach_errors, country_options, load_form, options, sdg_options
from app.i18n import localize
from app.labels import label
from app.money import currency_codes
from app.navigation import filter_chips, page_number, query_arguments
from app.reference.services import cpv_divisions
from search import SearchUnavailable


@bp.route("/listings")
def browse():
    division = request.args.get("division", "")
    division = division if len(division) == 2 and division.isdigit() else ""
    page = db.paginate(
        services.public_listings_query(division=division or None),
        page=page_number(), per_page=20, error_out=False,
    )
    divisions = cpv_divisions()
    return render_template("catalog/browse.html", page=page, divisions=divisions, division=division)


@bp.route("/search")
def search():
    """Marketplace search; falls back to browsing by category when the engine is down."""
    try:
        schema = ListingSearchQuerySchema()
        params = schema.load(query_arguments(schema))
    except ValidationError as error:
        return render_template("catalog/search.html", params=None, errors=localize(error.messages), results=None,
                               chips=[], unavailable=False), 400
    try:
        results = search_service.search_listings(params, current_app.config["SEARCH_COOPERATIVE_BOOST"], str(get_locale()))
    except SearchUnavailable:
        current_app.logger.warning("Search engine unavailable; showing browse by category")
        divisions = cpv_divisions()
        latest = db.session.scalars(services.public_listings_query().limit(12)).all()
        return render_template("catalog/search.html", params=params, results=None, unavailable=True,
                               divisions=divisions, latest=latest, chips=[], errors=None), 503
    return render_template("catalog/search.html", params=params, results=results, unavailable=False,
                           chips=filter_chips("catalog.search", results["facets"]), errors=None)


@bp.route("/listings/<int:listing_id>")
def show(listing_id):
    listing = services.visible_listing(listing_id, current_user)
    membership = current_user.membership_of(listing.organization_id) if current_user.is_authenticated else None
    return render_template("catalog/show.html", listing=listing, membership=membership, transitions=services.TRANSITIONS)


def _listing_form(listing=None):
    form = ListingForm(obj=listing)
    form.price_currency.choices = options(currency_codes())
    form.delivery_countries.choices = country_options()
    form.sdgs.choices = sdg_options()
    if request.method == "GET":
        if listing is None:
            membership = current_membership()
            home_currency = membership.organization.country.currency if membership else None
            form.price_currency.data = home_currency or "EUR"
        else:
            form.cpv_code.data = listing.cpv.code
            form.price_on_request.data = listing.price is None
            form.price_amount.data = listing.price.as_decimal_string() if listing.price else ""
            form.price_currency.data = listing.price_currency or listing.organization.country.currency or "EUR"
            form.delivery_countries.data = [c.iso2 for c in listing.delivery_countries]
            form.sdgs.data = [str(g.number) for g in listing.sdgs]
            form.certifications.data = ", ".join(listing.certifications or [])
            form.lead_time_days.data = "" if listing.lead_time_days is None else str(listing.lead_time_days)
            form.min_order_quantity.data = str(listing.min_order_quantity)
    return form


def _payload(form):
    price = None
    if not form.price_on_request.data:
        price = {"amount": (form.price_amount.data or "").strip(), "currency": form.price_currency.data or ""}
    return {
        "title": (form.title.data or "").strip(),
        "description": form.description.data or "",
        "language": form.language.data,
        "kind": form.kind.data,
        "cpv_code": (form.cpv_code.data or "").strip().split(" ")[0],
        "price": price,
        "unit": (form.unit.data or "").strip(),
        "min_order_quantity": _default(as_int(form.min_order_quantity.data), 1),
        "lead_time_days": as_int(form.lead_time_days.data),
        "delivery_countries": form.delivery_countries.data or [],
        "sdgs": [as_int(n) for n in form.sdgs.data or []],
        "certifications": [c.strip() for c in (form.certifications.data or "").split(",") if c.strip()],
        "status": form.status.data,
    }


def _default(value, default):
    return default if value is None else value


def _save(form, schema, save):
    """Validate the form with the API's schema and run `save`; returns the listing or None with errors set."""
    data = load_form(schema, _payload(form), form)
    if data is None:
        return None
    try:
        listing = save(data)
    except DomainError as error:
        db.session.rollback()
        form.form_errors += attach_errors(form, error.fields) or [error.message]
        return None
    db.session.commit()
    return listing


@bp.route("/listings/new", methods=["GET", "POST"])
@login_required
def new():
    membership = current_membership()
    if request.method == "POST":
        # The organisation the form was shown for, even if the user switched organisation meanwhile.
        membership = current_user.membership_of(request.form.get("organization_id", type=int)) or membership
    if membership is None or not membership.allows(*services.SELLER_ROLES):
        raise Forbidden(_("Only admins and sellers of an organisation can post listings."))
    accounts.refuse_suspended_organization(membership.organization)
    form = _listing_form()
    if request.method == "POST":
        accounts.require_membership(current_user, membership.organization, *services.SELLER_ROLES)

        def create(data):
            return services.create_listing(membership.organization, data)

        payload_schema = ListingCreateSchema(exclude=("organization_id",))
        listing = _save(form, payload_schema, create)
        if listing is not None:
            flash(_("Listing saved."), "success")
            return redirect(url_for("catalog.show", listing_id=listing.id))
        return render_template("catalog/form.html", form=form, listing=None, organization=membership.organization), 422
    return render_template("catalog/form.html", form=form, listing=None, organization=membership.organization)


@bp.route("/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(listing_id):
    listing = services.visible_listing(listing_id, current_user)
    accounts.require_membership(current_user, listing.organization, *services.SELLER_ROLES)
    form = _listing_form(listing)
    form.status.choices = options(sorted(services.TRANSITIONS[listing.status] | {listing.status}))
    if request.method == "POST":
        saved = _save(form, ListingUpdateSchema(), lambda data: services.update_listing(listing, data))
        if saved is not None:
            flash(_("Listing saved."), "success")
            return redirect(url_for("catalog.show", listing_id=listing.id))
        return render_template("catalog/form.html", form=form, listing=listing, organization=listing.organization), 422
    form.status.data = listing.status
    return render_template("catalog/form.html", form=form, listing=listing, organization=listing.organization)


@bp.route("/listings/<int:listing_id>/status", methods=["POST"])
@login_required
def change_status(listing_id):
    listing = services.visible_listing(listing_id, current_user)
    accounts.require_membership(current_user, listing.organization, *services.SELLER_ROLES)
    services.change_status(listing, request.form.get("status", ""))
    db.session.commit()
    flash(_("The listing is now %(status)s.", status=label("listing", listing.status)), "success")
    return redirect(url_for("catalog.show", listing_id=listing.id))
