"""Requests for quotation: a buyer's need that suppliers answer with quotes until the deadline for quotes.

A public request is searchable and seen by anybody; an invited one only by the buyer's members and the invited
organisations' members. Publishing tells the suppliers who could answer: for a public request, those with an active
listing in the same CPV division that delivers to the delivery country (or who are based there); for an invited one,
the invited.
"""
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import literal, or_, select

from app.accounts.services import is_member
from app.catalog.models import Listing, listing_delivery_countries
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.mail import link
from app.models_base import utcnow
from app.notices.phrases import Phrase
from app.orgs.models import COOPERATIVE_FAMILY, Organization
from app.orgs.services import resolve_country
from app.reference.models import CpvCode
from app.reference.services import parse_cpv
from app.trade import notices
from app.trade.models import QUANTITY_SCALE, Quote, Rfq, rfq_invitations
from app.trade.policy import BUYER, SELLER, act_for

#: How far ahead the deadline for quotes may be.
LONGEST_WAIT = dt.timedelta(days=366)


def _get(rfq_id):
    rfq = db.session.get(Rfq, rfq_id)
    if rfq is None:
        raise NotFound(_("No such request for quotation."))
    return rfq


def may_read(user, rfq):
    """The buyer's members always; others a published (or cancelled) one: any if public, the invited if invited, while
    the buyer is not suspended."""
    if is_member(user, rfq.organization_id):
        return True
    if rfq.status == "draft" or not rfq.organization.is_active:
        return False
    if rfq.visibility == "public":
        return True
    return any(is_member(user, organization.id) for organization in rfq.invited)


def visible_rfq(user, rfq_id):
    """The request if the user may read it; else NotFound (whether it exists or not)."""
    rfq = _get(rfq_id)
    if not may_read(user, rfq):
        raise NotFound(_("No such request for quotation."))
    return rfq


def _check_dates(quotes_due, needed_by, now):
    if quotes_due <= now:
        raise ValidationFailed(_("The deadline for quotes has passed."), {"quotes_due": [_("Give a moment in the future.")]})
    if quotes_due > now + LONGEST_WAIT:
        raise ValidationFailed(_("The deadline for quotes is too far ahead."), {"quotes_due": [_("At most a year ahead.")]})
    if needed_by < quotes_due.date():
        raise ValidationFailed(_("The goods are needed before quotes are due."),
                               {"needed_by": [_("Not before the deadline for quotes.")]})


def _invited(buyer, visibility, organization_ids):
    ids = sorted(set(organization_ids or ()))
    if visibility == "public":
        if ids:
            raise ValidationFailed(_("A public request invites nobody in particular."),
                                   {"invited_organization_ids": [_("Leave empty, or make the request invited only.")]})
        return []
    if not ids:
        raise ValidationFailed(_("Invite at least one organisation."),
                               {"invited_organization_ids": [_("Invite at least one organisation.")]})
    found = list(db.session.scalars(select(Organization).where(Organization.id.in_(ids), Organization.is_active.is_(True))))
    unknown = sorted(set(ids) - {organization.id for organization in found})
    if unknown:
        raise ValidationFailed(_("Unknown organisation."), {"invited_organization_ids": [
            _("No such organisation: %(ids)s.", ids=", ".join(map(str, unknown)))]})
    if buyer.id in ids:
        raise ValidationFailed(_("An organisation does not ask itself for quotes."),
                               {"invited_organization_ids": [_("Not your own organisation.")]})
    return found


def create_rfq(actor, buyer, fields):
    """A draft request for quotation of `buyer`, written by one of its admins or buyers."""
    act_for(actor, buyer, BUYER)
    _check_dates(fields["quotes_due"], fields["needed_by"], utcnow())
    rfq = Rfq(
        organization=buyer, title=fields["title"], description=fields.get("description", ""),
        cpv=parse_cpv(fields["cpv_code"]), quantity_milli=int(fields["quantity"] * QUANTITY_SCALE), unit=fields["unit"],
        delivery_country=resolve_country(fields["delivery_country"], "delivery_country"), needed_by=fields["needed_by"],
        quotes_due=fields["quotes_due"], visibility=fields.get("visibility", "public"),
        cooperatives_only=fields.get("cooperatives_only", False), created_by_id=actor.id, status="draft",
    )
    rfq.invited = _invited(buyer, rfq.visibility, fields.get("invited_organization_ids"))
    db.session.add(rfq)
    db.session.flush()
    return rfq


def matching_suppliers(rfq):
    """A SELECT of the ids of the organisations to tell of a published request (see the module's docstring)."""
    if rfq.visibility == "invited":
        statement = (select(rfq_invitations.c.organization_id).join(
            Organization, Organization.id == rfq_invitations.c.organization_id)
            .where(rfq_invitations.c.rfq_id == rfq.id, Organization.is_active.is_(True)))
    else:
        delivers = select(literal(1)).where(
            listing_delivery_countries.c.listing_id == Listing.id,
            listing_delivery_countries.c.country_code == rfq.delivery_country_code).exists()
        statement = (
            select(Listing.organization_id).join(CpvCode, CpvCode.code8 == Listing.cpv_code8)
            .join(Organization, Organization.id == Listing.organization_id)
            .where(Listing.status == "active", CpvCode.division == rfq.cpv.division, Organization.is_active.is_(True),
                   Organization.id != rfq.organization_id,
                   or_(delivers, Organization.country_code == rfq.delivery_country_code))
            .distinct()
        )
    if rfq.cooperatives_only:
        statement = statement.where(Organization.legal_form.in_(COOPERATIVE_FAMILY),
                                    Organization.verification_status == "verified")
    return statement


def publish(actor, rfq):
    """Publish a draft: it can be found (if public) and answered until its deadline; the suppliers who could answer
    are told. Returns the number of organisations told."""
    act_for(actor, rfq.organization, BUYER)
    if rfq.status != "draft":
        raise Conflict(_("Only a draft request can be published."))
    now = utcnow()
    _check_dates(rfq.quotes_due, rfq.needed_by, now)
    rfq.status, rfq.published_at = "published", now
    db.session.flush()
    # The notices written are the count: the matching (thousands of suppliers) is not run once more only to count.
    rfq.suppliers_notified = notices.tell(
        matching_suppliers(rfq), SELLER, "trade", Phrase("Coopex: a request for quotation for you"),
        Phrase("%(buyer)s asks for quotes: %(title)s (quotes due %(due)s).", buyer=rfq.organization.name, title=rfq.title,
          due=rfq.quotes_due.strftime("%Y-%m-%d %H:%M UTC")),
        link("trade.rfq_page", rfq_id=rfq.id)).organizations
    db.session.flush()
    return rfq.suppliers_notified


def cancel(actor, rfq):
    """Withdraw a request: no more quotes; the quotes still open lapse."""
    act_for(actor, rfq.organization, BUYER)
    if rfq.status == "cancelled":
        raise Conflict(_("This request is already cancelled."))
    rfq.status = "cancelled"
    quoted = select(Quote.seller_organization_id).where(Quote.rfq_id == rfq.id, Quote.status == "sent").distinct()
    notices.tell(quoted, SELLER, "trade", Phrase("Coopex: a request for quotation was cancelled"),
                 Phrase("%(buyer)s cancelled its request: %(title)s.", buyer=rfq.organization.name, title=rfq.title),
                 link("trade.rfq_page", rfq_id=rfq.id))
    db.session.flush()
    return rfq


def require_open_to(rfq, seller, now):
    """Refuse a quote from `seller` that the request does not take: past its deadline, not invited, not a verified
    co-operative when it asks for co-operatives only, or the buyer itself."""
    if rfq.organization_id == seller.id:
        raise ValidationFailed(_("An organisation does not quote its own request."),
                               {"organization_id": [_("Not the buyer's own organisation.")]})
    if rfq.visibility == "invited" and seller.id not in {organization.id for organization in rfq.invited}:
        raise NotFound(_("No such request for quotation."))
    if not rfq.accepts_quotes_at(now):
        raise Conflict(_("This request no longer takes quotes."), code="rfq_closed")
    if rfq.cooperatives_only and not (seller.is_cooperative and seller.verified):
        raise Forbidden(_("This request takes quotes from verified co-operatives only."), code="cooperatives_only")


def open_for_supplier(organization, now, limit=20):
    """Published requests still taking quotes that the supplier could answer: invited, or public in a CPV division of
    its active listings; the soonest due first."""
    divisions = select(CpvCode.division).join(Listing, Listing.cpv_code8 == CpvCode.code8).where(
        Listing.organization_id == organization.id, Listing.status == "active")
    invited = select(rfq_invitations.c.rfq_id).where(rfq_invitations.c.organization_id == organization.id)
    statement = (
        select(Rfq).join(Rfq.cpv).where(
            Rfq.status == "published", Rfq.quotes_due > now, Rfq.organization_id != organization.id,
            or_(Rfq.id.in_(invited), (Rfq.visibility == "public") & CpvCode.division.in_(divisions)))
        .order_by(Rfq.quotes_due, Rfq.id).limit(limit)
    )
    return list(db.session.scalars(statement))


def rfqs_of(user, organization, limit=50):
    """The organisation's own requests, newest first, for its members."""
    if not is_member(user, organization.id):
        raise Forbidden(_("Only members see their organisation's requests."))
    return list(db.session.scalars(select(Rfq).where(Rfq.organization_id == organization.id)
                                   .order_by(Rfq.created_at.desc(), Rfq.id.desc()).limit(limit)))
