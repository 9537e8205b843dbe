"""Money in and out of campaigns: what a verified Stripe event, an expense or a disbursement does to a donation, the
match pledges, the campaign's running figures and the ledger — always together, in one transaction.

Concurrency: a payment locks its donation row, then the campaign's active match pledges in id order (FOR UPDATE on
PostgreSQL; SQLite serialises writers), then adds to the campaign's figures with one `UPDATE ... SET x = x + n`. So fifty
webhooks at once for one campaign match exactly up to the caps and what the pools hold, and the figures always equal the
ledger's sums. The payments worker applies a campaign's events as a group (app.campaigns.funds_batch): the rows are
locked and read once for the group, the rules read and change them in memory, and the group's writes are made at its end.

Match pools: a pledge matches only once its pledger has paid its cap in all into the pool (`record_pool_payment`, from
Stripe's webhook); a match draws on that money (CHECK: drawn + refunded ≤ paid), and what is left at settlement goes back
to the pledger (`record_pool_return`). Pool entries are shown in the ledger but are not the campaign's balance.
"""
import dataclasses

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from app.audit.services import record
from app.campaigns import funds_batch
from app.campaigns.models import CAMPAIGN_LEDGER_KINDS, Campaign, Donation, LedgerEntry, MatchPledge, donor_name
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


@dataclasses.dataclass
class HeldDonation:
    """A donation row locked for the rest of the transaction: what the money rules read of it. They change it through
    app.campaigns.funds_batch (kept in step here), as they write ledger entries and running figures: no ORM unit of
    work on the webhook's path."""

    id: int
    campaign_id: int
    amount_minor: int
    currency: str
    status: str
    name: str
    anonymous: bool
    payment_intent_id: str | None
    refund_id: str | None

    @property
    def public_name(self):
        return donor_name(self.name, self.anonymous)


@dataclasses.dataclass
class HeldPledge:
    """An active match pledge locked for the rest of the transaction, its figures kept in step with its matches."""

    id: int
    factor_percent: int
    cap_per_donation_minor: int
    paid_minor: int
    matched_minor: int
    organization_name: str


# The statements, built once (building one costs about as much as running it on the worker's path).
_donations, _pledges, _ledger = Donation.__table__, MatchPledge.__table__, LedgerEntry.__table__
_HELD_DONATION = [_donations.c[field.name] for field in dataclasses.fields(HeldDonation)]
_LOCK_DONATION = select(*_HELD_DONATION).where(_donations.c.id == bindparam("donation_id")).with_for_update()
#: The campaign's pledges, locked (FOR UPDATE OF the pledges alone: the joined organisation is only read); only the
#: active ones (paid pools) match.
_PLEDGES = (select(_pledges.c.id, _pledges.c.factor_percent, _pledges.c.cap_per_donation_minor, _pledges.c.paid_minor,
                   _pledges.c.matched_minor, Organization.name.label("organization_name"), _pledges.c.status)
            .join(Organization.__table__, Organization.id == _pledges.c.organization_id)
            .where(_pledges.c.campaign_id == bindparam("campaign_id")).order_by(_pledges.c.id).with_for_update(of=_pledges))
_LOCK_PLEDGES = _PLEDGES.where(_pledges.c.status == "active")
_MATCHES = select(_ledger.c.match_pledge_id, _ledger.c.amount_minor).where(
    _ledger.c.donation_id == bindparam("donation_id"), _ledger.c.kind == "match")
_FEE = select(_ledger.c.id).where(_ledger.c.donation_id == bindparam("donation_id"), _ledger.c.kind == "fee")
_HOLD_DONATIONS = (select(*_HELD_DONATION).where(_donations.c.id.in_(bindparam("donation_ids", expanding=True)))
                   .order_by(_donations.c.id).with_for_update())
#: FOR NO KEY UPDATE: what the running figures' UPDATE takes anyway; new donations (their foreign key) are not held up.
_HOLD_CAMPAIGN = (select(Campaign.__table__.c.id).where(Campaign.__table__.c.id == bindparam("campaign_id"))
                  .with_for_update(key_share=True))


def _held_pledges(rows):
    return [HeldPledge(*row[:6]) for row in rows if row.status == "active"]


def hold_campaign(campaign_id, donation_ids):
    """Lock, once for a group of Stripe events about the campaign, the rows they change, in the order a single payment
    takes them: the donations (by id), the campaign's match pledges (by id), then the campaign. Held until the batch
    commits, so two workers given events of the same campaign go one after the other, never in a circle. Returns the
    group (app.campaigns.funds_batch) holding the donations and active pledges as read."""
    group = funds_batch.Group()
    if donation_ids:
        group.donations = {row.id: HeldDonation(*row) for row in db.session.execute(
            _HOLD_DONATIONS, {"donation_ids": list(donation_ids)})}
    group.pledges[campaign_id] = _held_pledges(db.session.execute(_PLEDGES, {"campaign_id": campaign_id}))
    db.session.execute(_HOLD_CAMPAIGN, {"campaign_id": campaign_id})
    return group


def locked_donation(donation_id):
    """The donation row, locked for the rest of the transaction (None if there is no such donation); in a group, as
    the group holds it."""
    group = funds_batch.current()
    if group is not None and donation_id in group.donations:
        return group.donations[donation_id]
    row = db.session.execute(_LOCK_DONATION, {"donation_id": donation_id}).first()
    donation = None if row is None else HeldDonation(*row)
    if group is not None and donation is not None:
        group.donations[donation_id] = donation
    return donation


def held_payment_intent(payment_intent_id):
    """The id of the donation the current group holds with this PaymentIntent (None if none: look in the database)."""
    group = funds_batch.current()
    if group is None:
        return None
    return next((d.id for d in group.donations.values() if d.payment_intent_id == payment_intent_id), None)


def _set(donation, **values):
    """Change the held donation's row (and any copy of it the session holds: it is expired, read again when used)."""
    for name, value in values.items():
        if hasattr(donation, name):
            setattr(donation, name, value)
    with funds_batch.writing() as group:
        group.set_donation(donation.id, values)


def _add(model, row_id, **deltas):
    with funds_batch.writing() as group:
        group.add(model, row_id, deltas)


def _locked_pledges(campaign_id):
    group = funds_batch.current()
    if group is None:
        return [HeldPledge(*row[:6]) for row in db.session.execute(_LOCK_PLEDGES, {"campaign_id": campaign_id})]
    if campaign_id not in group.pledges:
        group.pledges[campaign_id] = _held_pledges(db.session.execute(_PLEDGES, {"campaign_id": campaign_id}))
    return group.pledges[campaign_id]


def _entry(donation, kind, amount_minor, description, pledge_id=None, reference=None):
    return {"campaign_id": donation.campaign_id, "kind": kind, "amount_minor": amount_minor,
            "currency": donation.currency, "donation_id": donation.id, "match_pledge_id": pledge_id,
            "description": description, "stripe_reference": reference}


def _write(entries):
    """Ledger entries, in one INSERT (at the group's end, in a group)."""
    with funds_batch.writing() as group:
        group.write(entries)


def _matches(donation_id):
    """[(pledge id, amount)] of the donation's matches: in the ledger, and those its group has still to write."""
    matches = [tuple(row) for row in db.session.execute(_MATCHES, {"donation_id": donation_id})]
    group = funds_batch.current()
    if group is not None:
        matches += [(entry["match_pledge_id"], entry["amount_minor"]) for entry in group.pending_entries(donation_id, "match")]
    return matches


def _has_fee(donation_id):
    group = funds_batch.current()
    return (group is not None and bool(group.pending_entries(donation_id, "fee"))) or db.session.scalar(
        _FEE, {"donation_id": donation_id}) is not None


def record_payment(donation, amount_minor, currency, payment_intent_id=None, reference=None):
    """Stripe says the donation was paid `amount_minor` `currency`. Returns what happened, for the event log."""
    if donation.status in COUNTED:
        return "already counted"
    if donation.status == "review":
        return "under review"
    if amount_minor != donation.amount_minor or (currency or "").upper() != donation.currency:
        _set(donation, status="review",
             review_reason=(f"Stripe reported {amount_minor} {(currency or '?').upper()} (minor units) for a donation "
                            f"of {donation.amount_minor} {donation.currency}."))
        return "amount mismatch: flagged for review"
    was_pledged = donation.status == "pledged"
    _set(donation, status="succeeded", paid_at=utcnow(), failure_reason=None,
         payment_intent_id=payment_intent_id or donation.payment_intent_id)
    entries = [_entry(donation, "donation", donation.amount_minor, f"Donation from {donation.public_name}",
                      reference=reference)]
    matched = 0
    for pledge in _locked_pledges(donation.campaign_id):
        amount = match_amount(donation.amount_minor, pledge.factor_percent, pledge.cap_per_donation_minor,
                              pledge.paid_minor - pledge.matched_minor)
        if amount:
            pledge.matched_minor += amount
            _add(MatchPledge, pledge.id, matched_minor=amount)
            matched += amount
            entries.append(_entry(donation, "match", amount, f"Matched by {pledge.organization_name}", pledge_id=pledge.id))
    _write(entries)
    _add(Campaign, donation.campaign_id, raised_minor=donation.amount_minor, matched_minor=matched, donors_count=1,
         pledged_minor=-donation.amount_minor if was_pledged else 0)
    return "succeeded" + (f", matched {matched}" if matched else "")


def record_pledge(donation, setup_intent_id, customer_id):
    """A card was saved for an all-or-nothing campaign: the donation is pledged, to be charged at the deadline."""
    if donation.status != "pending":
        return f"already {donation.status}"
    _set(donation, status="pledged", setup_intent_id=setup_intent_id, customer_id=customer_id)
    _add(Campaign, donation.campaign_id, pledged_minor=donation.amount_minor)
    return "pledged"


def record_failure(donation, reason):
    """A payment failed. Only a donation still waiting for its money can fail; a counted one stays counted."""
    if donation.status not in ("pending", "pledged"):
        return f"ignored: already {donation.status}"
    if donation.status == "pledged":
        _add(Campaign, donation.campaign_id, pledged_minor=-donation.amount_minor)
    _set(donation, status="failed", failure_reason=(reason or "The payment failed.")[:500])
    return "failed"


def record_refund(donation, refund_id=None, reference=None):
    """Stripe says the donation was refunded in full: the money goes back to the donor and its matches back to their
    pools while they are active (the room is freed for later donations). A match drawn from a pool already settled stays
    with the campaign: the pool's rest was given back to its pledger at settlement."""
    if donation.status == "refunded":
        return "already refunded"
    if donation.status != "succeeded":
        return f"ignored: {donation.status} donations are not counted"
    _set(donation, status="refunded", refunded_at=utcnow(), refund_id=refund_id or donation.refund_id)
    entries = [_entry(donation, "refund", -donation.amount_minor, f"Refund to {donation.public_name}",
                      reference=reference)]
    active = {pledge.id: pledge for pledge in _locked_pledges(donation.campaign_id)}
    returned = 0
    for pledge_id, amount in _matches(donation.id):
        if pledge_id not in active:
            continue
        active[pledge_id].matched_minor -= amount
        _add(MatchPledge, pledge_id, matched_minor=-amount)
        returned += amount
        entries.append(_entry(donation, "refund", -amount, "Match given back to the pool with the refund",
                              pledge_id=pledge_id))
    _write(entries)
    _add(Campaign, donation.campaign_id, refunded_minor=donation.amount_minor, matched_minor=-returned, donors_count=-1)
    return "refunded"


def record_fee(donation, fee_minor, reference):
    """Stripe's fee on a donation, when Stripe reports it (once per donation)."""
    if fee_minor <= 0 or _has_fee(donation.id):
        return "no fee to record"
    _write([_entry(donation, "fee", -fee_minor, "Stripe fee", reference=reference)])
    return "fee recorded"


def record_spending(campaign, kind, amount, description, budget_line=None, expense=None):
    """An expense or a disbursement: money out, never more than the campaign holds (its balance)."""
    if amount.currency != campaign.currency:
        raise Conflict(_("Money out is in the campaign's currency."),
                       {"amount": [_("Give the amount in %(currency)s.", currency=campaign.currency)]})
    locked = db.session.scalar(select(Campaign).where(Campaign.id == campaign.id).with_for_update(of=Campaign))
    available = balance(locked.id)
    if amount.minor > available:
        raise Conflict(_("That is more than the campaign holds."),
                       {"amount": [_("At most %(amount)s is available.", amount=str(Money(available, amount.currency)))]})
    db.session.add(LedgerEntry(campaign_id=campaign.id, kind=kind, amount_minor=-amount.minor, currency=amount.currency,
                               budget_line_id=budget_line.id if budget_line else None,
                               expense_id=expense.id if expense else None, description=description))


def balance(campaign_id):
    """Money in − money out: the sum of the campaign's own ledger entries, the match pools' aside (an int: PostgreSQL
    sums BIGINT as NUMERIC)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
                             .where(LedgerEntry.campaign_id == campaign_id, LedgerEntry.kind.in_(CAMPAIGN_LEDGER_KINDS))))


# Match pools ------------------------------------------------------------------------------------------------------------

_LOCK_POOL = (select(_pledges.c.id, _pledges.c.campaign_id, _pledges.c.organization_id, _pledges.c.status,
                     _pledges.c.cap_total_minor, _pledges.c.payment_intent_id, Campaign.currency,
                     Organization.name.label("organization_name"))
              .join(Campaign.__table__, Campaign.id == _pledges.c.campaign_id)
              .join(Organization.__table__, Organization.id == _pledges.c.organization_id)
              .where(_pledges.c.id == bindparam("pledge_id")).with_for_update(of=_pledges))
#: A pool is paid in once: states past the payment.
PAID = ("active", "settled", "refunded")


def locked_pool(pledge_id):
    """The pledge's row (with its campaign's currency and its organisation's name), locked; None if there is none."""
    return db.session.execute(_LOCK_POOL, {"pledge_id": pledge_id}).first()


def _pool_entry(pool, kind, amount_minor, description, reference=None):
    return {"campaign_id": pool.campaign_id, "kind": kind, "amount_minor": amount_minor, "currency": pool.currency,
            "donation_id": None, "match_pledge_id": pool.id, "description": description, "stripe_reference": reference}


def record_pool_payment(pool, amount_minor, currency, payment_intent_id=None, reference=None):
    """Stripe says the pledger paid `amount_minor` `currency` into the pool of the locked pledge `pool`: if it is the
    pledge's cap in all, the pledge is active and donations draw on it. Returns what happened, for the event log."""
    if pool.status in PAID:
        if payment_intent_id and pool.payment_intent_id and payment_intent_id != pool.payment_intent_id:
            return f"already paid: a second payment ({payment_intent_id[:60]}) is not counted; refund it in Stripe"
        return "already paid"
    if pool.status not in ("accepted", "cancelled"):
        return f"ignored: the pledge is {pool.status}, not accepted"
    if amount_minor != pool.cap_total_minor or (currency or "").upper() != pool.currency:
        return f"amount mismatch: {amount_minor} {(currency or '?').upper()} is not the pledge's cap, not counted"
    group = funds_batch.current()
    if group is not None:  # the pledge matches from now on: the group's later donations read it as it is now
        group.flush()
        group.pledges.pop(pool.campaign_id, None)
    # A pledge cancelled because its campaign ended unpaid is paid all the same: the next settling run refunds it.
    db.session.execute(_pledges.update().where(_pledges.c.id == pool.id).values(
        status="active", paid_minor=pool.cap_total_minor, paid_at=utcnow(),
        payment_intent_id=payment_intent_id or pool.payment_intent_id))
    funds_batch.expire(MatchPledge, pool.id)
    _write([_pool_entry(pool, "pool", pool.cap_total_minor, f"Match pool paid in by {pool.organization_name}",
                        reference)])
    record("match_pledge.paid", organization=pool.organization_id, subject=f"match_pledge:{pool.id}",
           details={"campaign_id": pool.campaign_id, "amount_minor": pool.cap_total_minor, "currency": pool.currency,
                    "payment_intent_id": payment_intent_id})
    return "pool paid"


def record_pool_return(pool, amount_minor, refund_id):
    """What was left in the pool went back to its pledger (Stripe accepted the refund `refund_id`): in the ledger once."""
    exists = db.session.scalar(select(_ledger.c.id).where(_ledger.c.match_pledge_id == pool.id, _ledger.c.kind == "return",
                                                          _ledger.c.donation_id.is_(None)))
    if exists or amount_minor <= 0:
        return
    db.session.execute(_pledges.update().where(_pledges.c.id == pool.id).values(refund_id=refund_id))
    funds_batch.expire(MatchPledge, pool.id)
    _write([_pool_entry(pool, "return", -amount_minor, f"Rest of the match pool refunded to {pool.organization_name}",
                        refund_id)])
    record("match_pledge.refunded", organization=pool.organization_id, subject=f"match_pledge:{pool.id}",
           details={"campaign_id": pool.campaign_id, "amount_minor": amount_minor, "currency": pool.currency,
                    "refund_id": refund_id})
