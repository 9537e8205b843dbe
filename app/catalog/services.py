"""Rules for listings: who may write them, what they may hold, how their status moves."""
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.catalog.models import Listing
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from app.labels import label
from app.orgs.models import Organization
from app.orgs.services import resolve_countries, resolve_sdgs
from app.reference.models import CpvCode
from app.reference.services import parse_cpv

#: Allowed status moves; archived is final.
TRANSITIONS = {
    "draft": {"active", "archived"},
    "active": {"paused", "archived"},
    "paused": {"active", "archived"},
    "archived": set(),
}

SELLER_ROLES = ("seller",)


def get_listing(listing_id):
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(_("No such listing."))
    return listing


def visible_listing(listing_id, user):
    """The listing if the public may see it, or the user belongs to its organisation; else NotFound."""
    listing = get_listing(listing_id)
    if listing.is_public or (user and user.is_authenticated and user.membership_of(listing.organization_id)):
        return listing
    raise NotFound(_("No such listing."))


def _apply(listing, fields):
    if "cpv_code" in fields:
        listing.cpv = parse_cpv(fields.pop("cpv_code"))
    if "price" in fields:
        price = fields.pop("price")
        listing.price_minor = price.minor if price else None
        listing.price_currency = price.currency if price else None
    if "delivery_countries" in fields:
        listing.delivery_countries = resolve_countries(fields.pop("delivery_countries"), "delivery_countries")
    if "sdgs" in fields:
        listing.sdgs = resolve_sdgs(fields.pop("sdgs"))
    for name, value in fields.items():
        setattr(listing, name, value)


def create_listing(organization, fields):
    """A new listing for the organisation, draft unless asked to be active."""
    if not organization.is_active:
        raise Conflict(_("This organisation is suspended and cannot publish listings."))
    fields = dict(fields)
    status = fields.pop("status", "draft")
    listing = Listing(organization=organization, status="draft")
    _apply(listing, fields)
    db.session.add(listing)
    if status != "draft":
        change_status(listing, status)
    db.session.flush()
    return listing


def update_listing(listing, changes):
    """Edit a listing; archived listings are read-only."""
    if listing.status == "archived":
        raise Conflict(_("An archived listing cannot be changed."))
    changes = dict(changes)
    status = changes.pop("status", None)
    _apply(listing, changes)
    if status and status != listing.status:
        change_status(listing, status)
    db.session.flush()
    return listing


def change_status(listing, status):
    """Move a listing along draft → active ⇄ paused → archived."""
    if status == listing.status:
        return listing
    if status not in TRANSITIONS[listing.status]:
        current = label("listing", listing.status)
        raise Conflict(_("A %(current)s listing cannot become %(wanted)s.", current=current, wanted=label("listing", status)),
                       {"status": [_("Not allowed from %(current)s.", current=current)]})
    listing.status = status
    db.session.flush()
    return listing


def public_listings_query(organization_id=None, division=None, country=None):
    """Active listings of active organisations, newest first, optionally narrowed."""
    statement = (
        select(Listing)
        .join(Listing.organization)
        .where(Listing.status == "active", Organization.is_active.is_(True))
        .order_by(Listing.created_at.desc(), Listing.id.desc())
    )
    if organization_id is not None:
        statement = statement.where(Listing.organization_id == organization_id)
    if division:
        statement = statement.where(Listing.cpv_code8.startswith(division))
    if country:
        statement = statement.where(Organization.country_code == country)
    return statement


def organization_listings_query(organization_id, statuses):
    return (
        select(Listing)
        .where(Listing.organization_id == organization_id, Listing.status.in_(statuses))
        .order_by(Listing.updated_at.desc(), Listing.id.desc())
    )


def listing_divisions(organization_id):
    """The CPV divisions (two-digit codes) of what the organisation offers: its listings not archived."""
    statement = (
        select(CpvCode.division).join(Listing.cpv)
        .where(Listing.organization_id == organization_id, Listing.status != "archived")
        .distinct().order_by(CpvCode.division)
    )
    return list(db.session.scalars(statement))


def listings_of(organization, user, statuses):
    """The organisation's listings in `statuses`: the public ones for anyone, any status for its members."""
    statuses = sorted(set(statuses or ["active"]))
    if statuses == ["active"]:
        statement = public_listings_query(organization_id=organization.id)
    elif user and user.is_authenticated and user.membership_of(organization.id):
        statement = organization_listings_query(organization.id, statuses)
    else:
        raise Forbidden(_("Only members see listings that are not active."))
    # The API shows each listing's SDGs and delivery countries: load them for the whole page at once.
    return statement.options(selectinload(Listing.sdgs), selectinload(Listing.delivery_countries))


def marketplace_counts():
    """Headline figures of the home page."""
    active_organization = Organization.is_active.is_(True)
    return {
        "listings": db.session.scalar(
            select(func.count(Listing.id)).join(Listing.organization)
            .where(Listing.status == "active", active_organization)
        ),
        "organizations": db.session.scalar(select(func.count(Organization.id)).where(active_organization)),
        "verified": db.session.scalar(
            select(func.count(Organization.id)).where(active_organization, Organization.verification_status == "verified")
        ),
    }
