"""Money in and out of campaigns: what a verified Stripe event, an expense or a disbursement does to a donation, the
match pledges, the campaign's running figures and the ledger — always together, in one transaction.

Concurrency: a payment locks its donation row, then the campaign's match pledges in id order (FOR UPDATE on PostgreSQL;
SQLite serialises writers), then adds to the campaign's figures with one `UPDATE ... SET x = x + n`. So fifty webhooks at
once for one campaign match exactly up to the caps, and the figures always equal the ledger's sums.
"""
import functools

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, lazyload

from app.campaigns.models import Campaign, Donation, LedgerEntry, MatchPledge
from app.errors import Conflict
from app.extensions import db
from app.models_base import utcnow
from app.money import Money
from app.orgs.models import Organization

#: Donation moves. A payment counts once: a donation that succeeded (or was refunded) ignores later payment events.
COUNTED = ("succeeded", "refunded")


def match_amount(amount_minor, factor_percent, cap_per_donation_minor, room_minor):
    """What a pledge adds to a donation: amount × factor, rounded down to the minor unit, within the cap per donation and
    the room left under the pledge's total cap. Never negative."""
    return max(0, min(amount_minor * factor_percent // 100, cap_per_donation_minor, room_minor))


def projected_matches(amounts, pledges):
    """The matches a list of donation amounts would earn, in order, from pledges given as (factor %, cap per donation,
    room left) — what settling an all-or-nothing campaign counts toward its goal before any card is charged."""
    rooms = [room for _factor, _cap, room in pledges]
    total = 0
    for amount in amounts:
        for index, (factor, cap, _room) in enumerate(pledges):
            matched = match_amount(amount, factor, cap, rooms[index])
            rooms[index] -= matched
            total += matched
    return total


def locked_donation(donation_id):
    """The donation row, locked for the rest of the transaction (None if there is no such donation)."""
    return db.session.scalar(select(Donation).where(Donation.id == donation_id).with_for_update(of=Donation)
                             .options(lazyload(Donation.campaign)).execution_options(populate_existing=True))


def _locked_pledges(campaign_id):
    return db.session.scalars(select(MatchPledge).where(MatchPledge.campaign_id == campaign_id).order_by(MatchPledge.id)
                              .with_for_update(of=MatchPledge)
                              .options(joinedload(MatchPledge.organization, innerjoin=True).lazyload(Organization.country))
                              .execution_options(populate_existing=True)).all()


def _add_to_campaign(campaign_id, **deltas):
    db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(
        {getattr(Campaign, name): getattr(Campaign, name) + delta for name, delta in deltas.items() if delta}))


def _entry(donation, kind, amount_minor, description, pledge=None, reference=None):
    db.session.add(LedgerEntry(campaign_id=donation.campaign_id, kind=kind, amount_minor=amount_minor,
                               currency=donation.currency, donation_id=donation.id,
                               match_pledge_id=pledge.id if pledge else None, description=description,
                               stripe_reference=reference))


def _one_flush(change):
    """Run a change without autoflush: its rows are written together when the transaction ends, not flushed again
    before each of its queries (the webhook's hot path)."""
    @functools.wraps(change)
    def run(*args, **kwargs):
        with db.session.no_autoflush:
            return change(*args, **kwargs)
    return run


@_one_flush
def record_payment(donation, amount_minor, currency, payment_intent_id=None, reference=None):
    """Stripe says the donation was paid `amount_minor` `currency`. Returns what happened, for the event log."""
    if donation.status in COUNTED:
        return "already counted"
    if donation.status == "review":
        return "under review"
    if amount_minor != donation.amount_minor or (currency or "").upper() != donation.currency:
        donation.status = "review"
        donation.review_reason = (f"Stripe reported {amount_minor} {(currency or '?').upper()} (minor units) for a donation "
                                  f"of {donation.amount_minor} {donation.currency}.")
        return "amount mismatch: flagged for review"
    was_pledged = donation.status == "pledged"
    donation.status, donation.paid_at = "succeeded", utcnow()
    donation.payment_intent_id = payment_intent_id or donation.payment_intent_id
    donation.failure_reason = None
    _entry(donation, "donation", donation.amount_minor, f"Donation from {donation.public_name}", reference=reference)
    matched = 0
    for pledge in _locked_pledges(donation.campaign_id):
        amount = match_amount(donation.amount_minor, pledge.factor_percent, pledge.cap_per_donation_minor,
                              pledge.cap_total_minor - pledge.matched_minor)
        if amount:
            pledge.matched_minor += amount
            matched += amount
            _entry(donation, "match", amount, f"Matched by {pledge.organization.name}", pledge=pledge)
    _add_to_campaign(donation.campaign_id, raised_minor=donation.amount_minor, matched_minor=matched, donors_count=1,
                     pledged_minor=-donation.amount_minor if was_pledged else 0)
    return "succeeded" + (f", matched {matched}" if matched else "")


def record_pledge(donation, setup_intent_id, customer_id):
    """A card was saved for an all-or-nothing campaign: the donation is pledged, to be charged at the deadline."""
    if donation.status != "pending":
        return f"already {donation.status}"
    donation.status = "pledged"
    donation.setup_intent_id, donation.customer_id = setup_intent_id, customer_id
    _add_to_campaign(donation.campaign_id, pledged_minor=donation.amount_minor)
    return "pledged"


def record_failure(donation, reason):
    """A payment failed. Only a donation still waiting for its money can fail; a counted one stays counted."""
    if donation.status not in ("pending", "pledged"):
        return f"ignored: already {donation.status}"
    if donation.status == "pledged":
        _add_to_campaign(donation.campaign_id, pledged_minor=-donation.amount_minor)
    donation.status, donation.failure_reason = "failed", (reason or "The payment failed.")[:500]
    return "failed"


def record_refund(donation, refund_id=None, reference=None):
    """Stripe says the donation was refunded in full: the money and its matches go back out (the pledges' room is
    freed for later donations)."""
    if donation.status == "refunded":
        return "already refunded"
    if donation.status != "succeeded":
        return f"ignored: {donation.status} donations are not counted"
    donation.status, donation.refunded_at = "refunded", utcnow()
    donation.refund_id = refund_id or donation.refund_id
    _entry(donation, "refund", -donation.amount_minor, f"Refund to {donation.public_name}", reference=reference)
    returned = 0
    matches = db.session.scalars(select(LedgerEntry).where(LedgerEntry.donation_id == donation.id,
                                                           LedgerEntry.kind == "match")).all()
    pledges = {pledge.id: pledge for pledge in _locked_pledges(donation.campaign_id)}
    for match in matches:
        pledge = pledges.get(match.match_pledge_id)
        if pledge is not None:
            pledge.matched_minor -= match.amount_minor
        returned += match.amount_minor
        _entry(donation, "refund", -match.amount_minor, "Match given back with the refund", pledge=pledge)
    _add_to_campaign(donation.campaign_id, refunded_minor=donation.amount_minor, matched_minor=-returned, donors_count=-1)
    return "refunded"


def record_fee(donation, fee_minor, reference):
    """Stripe's fee on a donation, when Stripe reports it (once per donation)."""
    if fee_minor <= 0 or db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.donation_id == donation.id,
                                                                        LedgerEntry.kind == "fee")):
        return "no fee to record"
    _entry(donation, "fee", -fee_minor, "Stripe fee", reference=reference)
    return "fee recorded"


def record_spending(campaign, kind, amount, description, budget_line=None, expense=None):
    """An expense or a disbursement: money out, never more than the campaign holds (its balance)."""
    if amount.currency != campaign.currency:
        raise Conflict("Money out is in the campaign's currency.", {"amount": [f"Give the amount in {campaign.currency}."]})
    locked = db.session.scalar(select(Campaign).where(Campaign.id == campaign.id).with_for_update(of=Campaign))
    available = balance(locked.id)
    if amount.minor > available:
        raise Conflict("That is more than the campaign holds.",
                       {"amount": [f"At most {Money(available, amount.currency)} is available."]})
    db.session.add(LedgerEntry(campaign_id=campaign.id, kind=kind, amount_minor=-amount.minor, currency=amount.currency,
                               budget_line_id=budget_line.id if budget_line else None,
                               expense_id=expense.id if expense else None, description=description))


def balance(campaign_id):
    """Money in − money out: the sum of the campaign's ledger (an int: PostgreSQL sums BIGINT as NUMERIC)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
                             .where(LedgerEntry.campaign_id == campaign_id)))
