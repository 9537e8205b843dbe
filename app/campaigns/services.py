"""Rules of campaigns: drafting, going live, who may do what, donations and refunds (match pledges: app.campaigns.pools).

Owners are the members of the campaign's organisation with role admin or finance. What is fixed once live: the goal,
its currency, the deadline, the funding model and the SDGs (donors gave on those terms).
"""
import secrets

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from app.accounts.services import is_member
from app.audit.services import record
from app.campaigns import followers, funds, ledger, pools
from app.campaigns.models import BudgetLine, Campaign, CampaignUpdate, Donation
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import current_language
from app.labels import label
from app.models_base import utcnow
from app.money import Money
from app.orgs.services import resolve_sdgs
from app.payments.gateway import check_minimum, gateway

OWNER_ROLES = ("finance",)
FIXED_ONCE_LIVE = ("goal", "deadline", "funding_model", "sdgs")


def get_campaign(campaign_id):
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(_("No such campaign."))
    return campaign


def visible_campaign(campaign_id, user):
    """Live and settled campaigns for everybody (unless the organisation is suspended); drafts for its members only."""
    campaign = get_campaign(campaign_id)
    if is_member(user, campaign.organization_id):
        return campaign
    if campaign.status == "draft" or not campaign.organization.is_active:
        raise NotFound(_("No such campaign."))
    return campaign


def progress(campaign):
    """What the progress bar shows against the goal: money kept (raised − refunded + matched), and for an all-or-nothing
    campaign the pledges not yet charged."""
    minor = campaign.raised_minor - campaign.refunded_minor + campaign.matched_minor
    if campaign.funding_model == "all_or_nothing":
        minor += campaign.pledged_minor
    return Money(minor, campaign.currency)


def days_left(campaign, now=None):
    seconds = (campaign.deadline - (now or utcnow())).total_seconds()
    return max(0, -int(-seconds // 86_400))


# Drafting ---------------------------------------------------------------------------------------------------------------


def _apply(campaign, fields):
    fields = dict(fields)
    if "sdgs" in fields:
        campaign.sdgs = resolve_sdgs(fields.pop("sdgs"))
    goal = fields.pop("goal", None)
    if goal is not None:
        campaign.goal_minor, campaign.currency = goal.minor, goal.currency
    lines = fields.pop("budget_lines", None)
    if "deadline" in fields:
        _require_future(fields["deadline"])
    for name, value in fields.items():
        setattr(campaign, name, value)
    if lines is not None:
        _apply_budget(campaign, lines)


def _apply_budget(campaign, lines):
    """The budget as listed: lines given with their id kept (and renamed), lines without one added, the rest removed,
    unless an expense is booked on them (which line each expense was booked against stays known). Once live, a kept
    line's amount and stretch flag are fixed: donors gave on that budget; a live campaign adds a line instead."""
    current = {line.id: line for line in campaign.budget_lines}
    live = campaign.status == "live"
    problems = {}
    for index, fields in enumerate(lines):
        line = current.get(fields.get("id")) if fields.get("id") is not None else None
        if fields.get("id") is not None and line is None:
            problems[index] = {"id": [_("Not a line of this campaign.")]}
            continue
        amount = fields.get("amount")
        if amount is not None and amount.currency != campaign.currency:
            problems[index] = {"amount": [_("Give the amount in %(currency)s, the goal's currency.",
                                            currency=campaign.currency)]}
        elif live and line is not None:
            if amount is not None and amount.minor != line.amount_minor:
                problems[index] = {"amount": [_("Fixed once the campaign is live: add a line instead.")]}
            elif "required" in fields and fields["required"] != line.required:
                problems[index] = {"required": [_("Fixed once the campaign is live: add a line instead.")]}
    if problems:
        raise ValidationFailed(_("Some budget lines cannot be saved."), {"budget_lines": problems})
    kept = {fields["id"] for fields in lines if fields.get("id") is not None}
    removed = [line for line_id, line in current.items() if line_id not in kept]
    booked = ledger.lines_with_spending([line.id for line in removed])
    if booked:
        raise ValidationFailed(
            _("A budget line with expenses booked on it cannot be removed."),
            {"budget_lines": [_("“%(title)s” has expenses booked on it: keep it (it may be renamed).", title=line.title)
                              for line in removed if line.id in booked]})
    for line in removed:
        campaign.budget_lines.remove(line)
    db.session.flush()
    # Positions are unique per campaign and rows are updated one by one: park the kept lines out of the way first.
    for parked, line_id in enumerate(kept, start=1):
        current[line_id].position = -parked
    db.session.flush()
    for position, fields in enumerate(lines, start=1):
        line = current[fields["id"]] if fields.get("id") is not None else None
        if line is None:
            campaign.budget_lines.append(BudgetLine(position=position, title=fields["title"],
                                                    amount_minor=fields["amount"].minor,
                                                    required=fields.get("required", True)))
            continue
        line.position = position
        if "title" in fields:
            line.title = fields["title"]
        if "amount" in fields:
            line.amount_minor = fields["amount"].minor
        if "required" in fields:
            line.required = fields["required"]
    campaign.budget_lines.sort(key=lambda line: line.position)


def _require_future(deadline):
    if deadline <= utcnow():
        raise ValidationFailed(_("The deadline must be in the future."), {"deadline": [_("Give a moment in the future.")]})


def create_campaign(organization, fields):
    if not organization.is_active:
        raise Conflict(_("This organisation is suspended and cannot run campaigns."))
    campaign = Campaign(organization=organization, status="draft")
    _apply(campaign, fields)
    db.session.add(campaign)
    db.session.flush()
    return campaign


def update_campaign(campaign, changes):
    """A draft changes freely. Once live, the story, summary, title and budget lines may still change (and updates are
    posted), but not the terms donors gave on."""
    if campaign.status in ("succeeded", "failed", "closed"):
        raise Conflict(_("A %(status)s campaign cannot be changed.", status=label("campaign", campaign.status)))
    if campaign.status == "live":
        fixed = sorted(set(changes) & set(FIXED_ONCE_LIVE))
        if fixed:
            raise Conflict(_("Once live, the goal, deadline, funding model and SDGs are fixed."),
                           {name: [_("Fixed once the campaign is live.")] for name in fixed})
    _apply(campaign, changes)
    db.session.flush()
    return campaign


def publish(campaign):
    if campaign.status != "draft":
        raise Conflict(_("A %(status)s campaign cannot go live again.", status=label("campaign", campaign.status)))
    _require_future(campaign.deadline)
    if not campaign.organization.is_active:
        raise Conflict(_("This organisation is suspended and cannot run campaigns."))
    campaign.status, campaign.published_at = "live", utcnow()
    db.session.flush()
    return campaign


def post_update(campaign, title, body):
    """News for donors and members: shown on the campaign's page and mailed to its followers."""
    if campaign.status == "draft":
        raise Conflict(_("Updates are posted once the campaign is live."))
    update = CampaignUpdate(campaign=campaign, title=title, body=body)
    db.session.add(update)
    db.session.flush()
    followers.tell_followers(update)
    return update


def close(campaign):
    """Owners close a settled campaign once its money is spent or disbursed: it takes nothing more."""
    if campaign.status not in ("succeeded", "failed"):
        raise Conflict(_("A campaign is closed once it has been settled at its deadline."))
    campaign.status, campaign.closed_at = "closed", utcnow()
    db.session.flush()
    return campaign


# Donations --------------------------------------------------------------------------------------------------------------


def _require_taking_money(campaign):
    if campaign.status != "live" or campaign.is_past_deadline():
        raise Conflict(_("This campaign is not taking donations."))
    if not campaign.organization.is_active:
        raise Conflict(_("This campaign is not taking donations."))


def start_donation(campaign, fields, user=None):
    """A donation waiting for Stripe (pending, or pledged for all-or-nothing once the card is saved), and the Checkout
    page to send the donor to. Nothing is counted until a verified webhook says so."""
    _require_taking_money(campaign)
    amount = fields["amount"]
    if amount.currency != campaign.currency:
        raise ValidationFailed(_("Donations are in the campaign's currency."),
                               {"amount": {"currency": [_("Give the amount in %(currency)s.", currency=campaign.currency)]}})
    check_minimum(amount)
    donation = Donation(campaign=campaign, amount_minor=amount.minor, currency=amount.currency, email=fields["email"],
                        name=fields.get("name", ""), anonymous=fields.get("anonymous", False),
                        message=fields.get("message", ""), receipt_token=secrets.token_urlsafe(32),
                        language=current_language(),
                        user_id=user.id if user is not None and user.is_authenticated else None)
    db.session.add(donation)
    db.session.flush()
    receipt = url_for("campaigns.receipt", donation_id=donation.id, token=donation.receipt_token, _external=True)
    session = gateway().checkout(donation, campaign.title, success_url=receipt,
                                 cancel_url=url_for("campaigns.campaign_page", campaign_id=campaign.id, _external=True))
    donation.checkout_session_id = session.id
    db.session.flush()
    return donation, session.url, receipt


def donation_for_receipt(donation_id, token):
    donation = db.session.get(Donation, donation_id)
    if donation is None or not secrets.compare_digest(donation.receipt_token, token or ""):
        raise NotFound(_("No such donation."))
    return donation


def request_refund(donation, *, actor=None, ip=None):
    """Ask Stripe to give a paid donation back; it becomes refunded when Stripe's webhook confirms."""
    if donation.status != "succeeded" or not donation.payment_intent_id:
        raise Conflict(_("Only a paid donation can be refunded (this one is %(status)s).", status=label("donation", donation.status)))
    donation.refund_id = gateway().refund(donation)
    db.session.flush()
    record("donation.refund_requested", actor=actor, organization=donation.campaign.organization_id,
           subject=f"donation:{donation.id}",
           details={"campaign_id": donation.campaign_id, "amount_minor": donation.amount_minor,
                    "currency": donation.currency}, ip=ip)
    return donation


def public_donations(campaign, limit=20):
    """The latest paid donations as the public sees them (anonymous donors as 'Anonymous')."""
    # The campaign is the caller's: not joined again (with its organisation and country) for each donation.
    return db.session.scalars(select(Donation).where(Donation.campaign_id == campaign.id, Donation.status == "succeeded")
                              .options(lazyload(Donation.campaign))
                              .order_by(Donation.paid_at.desc(), Donation.id.desc()).limit(limit)).all()


# Settling ---------------------------------------------------------------------------------------------------------------


def goal_reached_with_pledges(campaign):
    """All-or-nothing: do the pledges, with the matches they would earn from the paid pools, reach the goal?"""
    amounts = db.session.scalars(select(Donation.amount_minor).where(Donation.campaign_id == campaign.id,
                                                                     Donation.status == "pledged").order_by(Donation.id)).all()
    pledges = pools.active_pools(campaign)  # paid pools only: a promise counts nothing
    kept = campaign.raised_minor - campaign.refunded_minor + campaign.matched_minor
    return kept + sum(amounts) + funds.projected_matches(amounts, pledges) >= campaign.goal_minor
