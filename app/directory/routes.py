"""Pages: the directory, and an organisation's federations (the ones it belongs to; for a federation, its members)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, ValidationError

from app.directory import bp, services
from app.directory.schemas import DirectoryQuerySchema, FederationDecisionSchema, FederationDeclarationSchema
from app.errors import DomainError
from app.extensions import db
from app.forms import as_int, country_options
from app.i18n import localize
from app.labels import label
from app.navigation import query_arguments
from app.orgs.forms import SECTOR_LABELS
from app.orgs.models import Organization
from app.orgs.services import get_organization
from app.schemas import ICA_REGIONS

PER_PAGE = 100
KIND_LABELS = {"federation": _l("Federations"), "cooperative_bank": _l("Co-operative banks"),
               "sectoral": _l("Sectoral organisations")}


@bp.app_template_global()
def confirmed_federations(organization_id):
    """The federations that confirmed the organisation as a member, for its profile."""
    return services.confirmed_federations(organization_id)


@bp.route("/directory")
def directory_page():
    """Verified federations and co-operative banks by ICA region and country, sectoral organisations by sector."""
    schema = DirectoryQuerySchema(unknown=EXCLUDE)
    context = {"countries": country_options(blank=True), "regions": [(region, region) for region in ICA_REGIONS], "kinds": KIND_LABELS,
               "sectors": SECTOR_LABELS}
    try:
        params = schema.load(query_arguments(schema))
    except ValidationError as error:
        return render_template("directory/directory.html", params=None, page=None, errors=localize(error.messages),
                               **context), 400
    page = db.paginate(services.directory_query(params["kind"], params["country"], params["region"], params["sector"]),
                       page=params["page"], per_page=PER_PAGE, error_out=False)
    filters = {name: params[name] for name in ("kind", "country", "region", "sector") if params[name]}
    return render_template("directory/directory.html", params=params, page=page, sections=_sections(page.items),
                           filters=filters,
                           counts=services.confirmed_member_counts([entry.id for entry in page.items]), errors={},
                           **context)


def _sections(organizations):
    """[(kind, [(group, [organisation])])] in the directory's order: a territorial federation or a bank grouped by its
    ICA region and country, a sectoral organisation by its sector."""
    locale, sections = str(get_locale() or "en"), []
    for organization in organizations:
        kind = services.kind_of(organization)
        if kind == "sectoral":
            group = str(SECTOR_LABELS.get(organization.sector, organization.sector))
        else:
            group = f"{organization.ica_region or '—'} · {organization.country.name(locale)}"
        if not sections or sections[-1][0] != kind:
            sections.append((kind, []))
        groups = sections[-1][1]
        if not groups or groups[-1][0] != group:
            groups.append((group, []))
        groups[-1][1].append(organization)
    return sections


def _federation_choices(organization):
    """The verified federations it may declare, by name."""
    federations = db.session.scalars(services.directory_query().where(
        Organization.legal_form == "cooperative_federation", Organization.id != organization.id)
        .order_by(None).order_by(Organization.name))
    return [(federation.id, f"{federation.name} ({federation.country_code})") for federation in federations]


def _page(organization, status=200, problems=(), errors=None):
    membership = current_user.membership_of(organization.id)
    is_federation = organization.legal_form == "cooperative_federation"
    return render_template(
        "directory/federations.html", organization=organization, is_admin=membership.role == "admin",
        belongs_to=services.federations_of(current_user, organization) if organization.is_cooperative else [],
        members=services.members_of(current_user, organization) if is_federation else [],
        is_federation=is_federation, choices=_federation_choices(organization) if organization.is_cooperative else [],
        problems=problems, errors=errors or {}), status


@bp.route("/organizations/<int:organization_id>/federations", methods=["GET", "POST"])
@login_required
def federations_page(organization_id):
    """The federations the organisation belongs to and, for a federation, its members (the organisation's members); its
    admins declare, confirm, decline and end memberships here."""
    organization = get_organization(organization_id)
    services.require_reader(current_user, organization)
    if request.method == "GET":
        return _page(organization)
    try:
        payload = FederationDeclarationSchema().load({"federation_id": as_int(request.form.get("federation_id"))})
        membership = services.declare(current_user, organization, payload["federation_id"], ip=request.remote_addr)
    except ValidationError as error:
        return _page(organization, 422, [_("Some fields are not valid.")], localize(error.messages))
    except DomainError as error:
        db.session.rollback()
        return _page(organization, error.status, [error.message], error.fields)
    db.session.commit()
    flash(_("Declared: %(federation)s will confirm or decline.", federation=membership.federation.name), "success")
    return redirect(url_for("directory.federations_page", organization_id=organization.id))


def _back_to(membership):
    """The page of the side the user acts for (the form says which), else the member's."""
    wanted = request.form.get("organization_id", type=int)
    side = wanted if wanted in (membership.member_id, membership.federation_id) else membership.member_id
    return redirect(url_for("directory.federations_page", organization_id=side))


def _refused(membership, error):
    db.session.rollback()
    flash(error.message, "danger")
    return _back_to(membership)


@bp.route("/federation-memberships/<int:membership_id>/decision", methods=["POST"])
@login_required
def decide(membership_id):
    membership = services.membership_for(current_user, membership_id)
    try:
        payload = FederationDecisionSchema().load({"decision": request.form.get("decision", "")})
        services.decide(current_user, membership, payload["decision"], ip=request.remote_addr)
    except ValidationError:
        flash(_("Choose confirmed or declined."), "danger")
        return _back_to(membership)
    except DomainError as error:
        return _refused(membership, error)
    db.session.commit()
    flash(_("%(member)s: %(status)s.", member=membership.member.name,
            status=label("federation_membership", membership.status)), "success")
    return _back_to(membership)


@bp.route("/federation-memberships/<int:membership_id>/end", methods=["POST"])
@login_required
def end(membership_id):
    membership = services.membership_for(current_user, membership_id)
    try:
        services.end(current_user, membership, ip=request.remote_addr)
    except DomainError as error:
        return _refused(membership, error)
    db.session.commit()
    flash(_("The membership of %(member)s in %(federation)s has ended.", member=membership.member.name,
            federation=membership.federation.name), "info")
    return _back_to(membership)

