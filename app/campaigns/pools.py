"""Match pledges and their pools: a verified organisation offers to match a campaign's donations; the campaign's owners
accept or decline; the pledger pays its cap in all into a match pool through Stripe Checkout, and the pledge is active
once Stripe's webhook says so (app.campaigns.funds.record_pool_payment). At settlement what is left goes back to the
pledger (app.campaigns.settlement).

States: offered → accepted → active → settled | refunded; offered | accepted → declined; offered | accepted → cancelled
when the campaign ends unpaid (a payment that arrives afterwards still makes it active, and the next settling run
refunds it whole).
"""
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.services import is_member, require_membership
from app.audit.services import record
from app.campaigns.models import MatchPledge
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.labels import label
from app.models_base import utcnow
from app.payments.gateway import gateway

#: Who acts for an organisation on match funding: its admins (always) and finance members, as for campaigns.
OWNER_ROLES = ("finance",)
#: Pledges the public sees on a campaign: those whose money was paid into the pool.
SHOWN = ("active", "settled", "refunded")
#: Pledges waiting for someone: the owners' decision, or the pledger's payment.
WAITING = ("offered", "accepted")


def _require_raising(campaign):
    if campaign.status not in ("draft", "live") or campaign.is_past_deadline():
        raise Conflict(_("Matches are pledged to campaigns that are still raising money."))


def pledge_match(campaign, organization, factor, cap_per_donation, cap_total, *, actor, ip=None):
    """The organisation offers to match the campaign's donations; the campaign's owners accept or decline it. Only a
    verified organisation may, through its admins and finance members."""
    require_membership(actor, organization, *OWNER_ROLES)
    if not organization.verified:
        raise Forbidden(_("Only a verified organisation can offer match funding."),
                        {"organization_id": [_("This organisation is not verified.")]})
    _require_raising(campaign)
    if organization.id == campaign.organization_id:
        raise Forbidden(_("An organisation does not match its own campaign."),
                        {"organization_id": [_("This organisation runs the campaign.")]})
    for name, cap in (("cap_per_donation", cap_per_donation), ("cap_total", cap_total)):
        if cap.currency != campaign.currency:
            raise ValidationFailed(_("Caps are in the campaign's currency."),
                                   {name: [_("Give the amount in %(currency)s.", currency=campaign.currency)]})
    if cap_per_donation.minor > cap_total.minor:
        raise ValidationFailed(_("The cap per donation cannot exceed the cap in total."),
                               {"cap_per_donation": [_("At most the cap in total.")]})
    pledge = MatchPledge(campaign=campaign, organization=organization, factor_percent=int(Decimal(factor) * 100),
                         cap_per_donation_minor=cap_per_donation.minor, cap_total_minor=cap_total.minor, status="offered")
    db.session.add(pledge)
    db.session.flush()
    record("match_pledge.created", actor=actor, organization=organization, subject=f"match_pledge:{pledge.id}",
           details={"campaign_id": campaign.id, "campaign_organization_id": campaign.organization_id,
                    "factor_percent": pledge.factor_percent, "cap_per_donation_minor": pledge.cap_per_donation_minor,
                    "cap_total_minor": pledge.cap_total_minor, "currency": campaign.currency}, ip=ip)
    return pledge


def get_pledge(pledge_id, actor):
    """The pledge, for members of the campaign's organisation or of the pledging one (to others it does not exist)."""
    pledge = db.session.get(MatchPledge, pledge_id)
    if pledge is None or not (is_member(actor, pledge.organization_id) or is_member(actor, pledge.campaign.organization_id)):
        raise NotFound(_("No such match pledge."))
    return pledge


def _decide(pledge, actor, status, ip):
    require_membership(actor, pledge.campaign.organization, *OWNER_ROLES)
    allowed = ("offered",) if status == "accepted" else WAITING
    if pledge.status not in allowed:
        raise Conflict(_("This match pledge is %(status)s: it cannot be %(decision)s.",
                         status=label("match_pledge", pledge.status), decision=label("match_pledge", status)))
    if status == "accepted":
        _require_raising(pledge.campaign)
    pledge.status, pledge.decided_at = status, utcnow()
    db.session.flush()
    record(f"match_pledge.{status}", actor=actor, organization=pledge.campaign.organization_id,
           subject=f"match_pledge:{pledge.id}",
           details={"campaign_id": pledge.campaign_id, "pledger_organization_id": pledge.organization_id,
                    "cap_total_minor": pledge.cap_total_minor, "currency": pledge.campaign.currency}, ip=ip)
    return pledge


def accept(pledge, actor, ip=None):
    """The campaign's owners accept an offered pledge: its pledger may now pay the pool."""
    return _decide(pledge, actor, "accepted", ip)


def decline(pledge, actor, ip=None):
    """The campaign's owners decline a pledge not paid yet: it never matches."""
    return _decide(pledge, actor, "declined", ip)


def start_payment(pledge, actor):
    """The pledger's Checkout page to pay its cap in all into the pool (it comes back to the campaign's page); the
    pledge is active when Stripe's webhook says it was paid."""
    require_membership(actor, pledge.organization, *OWNER_ROLES)
    if pledge.status != "accepted":
        raise Conflict(_("Only an accepted match pledge is paid (this one is %(status)s).",
                         status=label("match_pledge", pledge.status)))
    _require_raising(pledge.campaign)
    page = url_for("campaigns.campaign_page", campaign_id=pledge.campaign_id, _external=True)
    session = gateway().pool_checkout(pledge, pledge.campaign.title, success_url=page, cancel_url=page)
    pledge.checkout_session_id = session.id
    db.session.flush()
    return session.url


def shown_pledges(campaign):
    """The campaign's pledges whose pools were paid: what the public sees."""
    return db.session.scalars(select(MatchPledge).where(MatchPledge.campaign_id == campaign.id,
                                                        MatchPledge.status.in_(SHOWN)).order_by(MatchPledge.id)).all()


def waiting_pledges(campaign_ids):
    """{campaign id: [pledges offered or accepted, not paid yet]}: what the owners have to decide or wait for."""
    waiting = {campaign_id: [] for campaign_id in campaign_ids}
    if waiting:
        for pledge in db.session.scalars(select(MatchPledge).where(MatchPledge.campaign_id.in_(list(waiting)),
                                                                   MatchPledge.status.in_(WAITING))
                                         .order_by(MatchPledge.id)):
            waiting[pledge.campaign_id].append(pledge)
    return waiting


def pledges_of(organization_id, campaign):
    """The organisation's own pledges to the campaign (any state): what its members see, with Pay while accepted."""
    return db.session.scalars(select(MatchPledge).where(MatchPledge.campaign_id == campaign.id,
                                                        MatchPledge.organization_id == organization_id)
                              .order_by(MatchPledge.id)).all()


def active_pools(campaign):
    """(factor %, cap per donation, room) of the campaign's active pledges, in the order they match."""
    return [(p.factor_percent, p.cap_per_donation_minor, p.paid_minor - p.matched_minor)
            for p in db.session.scalars(select(MatchPledge).where(MatchPledge.campaign_id == campaign.id,
                                                                   MatchPledge.status == "active")
                                        .order_by(MatchPledge.id))]
