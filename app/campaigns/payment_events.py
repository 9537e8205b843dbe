"""What Stripe's verified events do to donations and match pools, registered with app.payments (which knows no feature).

Each handler gets what the event is about, already found (a donation locked for the transaction, or a pledge's id), and
says what it did, for the event log. A charge counts as a payment only when Stripe says it `succeeded` and is `paid`:
a pending or failed charge with the right amount counts nothing. The payments worker applies its batch per campaign:
`campaigns_of` says which campaign (and donation) each event is about, funds.hold_campaign locks and reads their rows
once, and funds_batch.applying applies the group's events in memory and writes their changes at its end.
"""
from collections import defaultdict

from sqlalchemy import select

from app.campaigns import donor_mail, funds, funds_batch
from app.campaigns.models import Donation, MatchPledge
from app.extensions import db
from app.payments import inbox
from app.payments.gateway import gateway


def _id(value):
    return value.get("id") if isinstance(value, dict) else value


def _metadata_id(obj, name):
    """An id the product put in the object's metadata (a decimal that fits a BIGINT), or None."""
    metadata = obj.get("metadata")
    raw = str(metadata.get(name) or "") if isinstance(metadata, dict) else ""
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 19 else None


def _payment_intent_of(obj):
    payment_intent = _id(obj.get("payment_intent"))
    return payment_intent if isinstance(payment_intent, str) and payment_intent else None


def subject_of(obj):
    """What an event's object is about, from the object alone: `donation:<id>` or `match_pledge:<id>` from the metadata
    the product sets, else `payment_intent:<id>` of the PaymentIntent it belongs to."""
    for name in ("donation_id", "match_pledge_id"):
        if (found := _metadata_id(obj, name)) is not None:
            return f"{name.removesuffix('_id')}:{found}"
    payment_intent = _payment_intent_of(obj)
    return f"payment_intent:{payment_intent}" if payment_intent else None


def donation_subjects(donation):
    """The names events about this donation are stored under."""
    return [f"donation:{donation.id}"] + ([f"payment_intent:{donation.payment_intent_id}"]
                                          if donation.payment_intent_id else [])


def processing(donation):
    """Whether an event about the donation is stored and waits for the payments worker (its page says so)."""
    return inbox.waiting(donation_subjects(donation))


def campaigns_of(subjects):
    """{subject: (campaign id, donation id or None)} for the subjects that name a donation or match pledge we know."""
    keys = defaultdict(list)
    for subject in subjects:
        kind, _sep, key = subject.partition(":")
        if kind == "payment_intent" or key.isdecimal():
            keys[kind].append(key if kind == "payment_intent" else int(key))
    found = {}
    if keys["donation"]:
        found.update((f"donation:{d}", (c, d)) for d, c in db.session.execute(
            select(Donation.id, Donation.campaign_id).where(Donation.id.in_(keys["donation"]))))
    if keys["match_pledge"]:
        found.update((f"match_pledge:{p}", (c, None)) for p, c in db.session.execute(
            select(MatchPledge.id, MatchPledge.campaign_id).where(MatchPledge.id.in_(keys["match_pledge"]))))
    if keys["payment_intent"]:
        found.update((f"payment_intent:{i}", (c, None)) for i, c in db.session.execute(
            select(MatchPledge.payment_intent_id, MatchPledge.campaign_id)
            .where(MatchPledge.payment_intent_id.in_(keys["payment_intent"]))))
        found.update((f"payment_intent:{i}", (c, d)) for i, d, c in db.session.execute(
            select(Donation.payment_intent_id, Donation.id, Donation.campaign_id)
            .where(Donation.payment_intent_id.in_(keys["payment_intent"]))))
    return found


def charge_is_paid(charge):
    """Stripe's word that the charge's money was taken: status `succeeded` and `paid` true (pending and failed charges
    carry the amount too)."""
    return charge.get("status") == "succeeded" and charge.get("paid") is True


def _not_paid(charge):
    return f"not counted: the charge is {str(charge.get('status') or 'of unknown status')[:40]}, not paid"


# Donations --------------------------------------------------------------------------------------------------------------


def find_donation(obj):
    """The donation an event's object is about: metadata.donation_id, which the product sets on every Checkout Session
    and PaymentIntent it creates; for a charge or refund without it, the PaymentIntent it belongs to."""
    donation_id = _metadata_id(obj, "donation_id")
    if donation_id is None and (payment_intent := _payment_intent_of(obj)):
        donation_id = funds.held_payment_intent(payment_intent) or db.session.scalar(
            select(Donation.id).where(Donation.payment_intent_id == payment_intent))
    return None if donation_id is None else funds.locked_donation(donation_id)


def _checkout_completed(donation, session):
    if session.get("mode") == "setup":
        return funds.record_pledge(donation, _id(session.get("setup_intent")), _id(session.get("customer")))
    if session.get("payment_status") != "paid":
        return "waiting: the payment is not complete yet"
    return funds.record_payment(donation, session.get("amount_total"), session.get("currency"),
                                _id(session.get("payment_intent")), reference=session.get("id"))


def _payment_succeeded(donation, intent):
    received = intent.get("amount_received") or intent.get("amount")
    return funds.record_payment(donation, received, intent.get("currency"), intent.get("id"), reference=intent.get("id"))


def _payment_failed(donation, intent):
    error = intent.get("last_payment_error") or {}
    return funds.record_failure(donation, error.get("message") or error.get("code") or "The payment failed.")


def _checkout_expired(donation, session):
    if donation.status != "pending":
        return f"ignored: already {donation.status}"
    return funds.record_failure(donation, "The donor left the payment page without paying.")


def _charge_refunded(donation, charge):
    if charge.get("amount_refunded") != charge.get("amount"):
        return "ignored: partial refunds are not made by Coopex"
    if donation.status not in funds.COUNTED:
        # Out of order: the refund of a payment whose success we have not heard of yet. The charge says it was paid.
        if not charge_is_paid(charge):
            return _not_paid(charge)
        outcome = funds.record_payment(donation, charge.get("amount"), charge.get("currency"),
                                       _id(charge.get("payment_intent")), reference=charge.get("id"))
        if donation.status != "succeeded":
            return outcome
    refunds = (charge.get("refunds") or {}).get("data") or [{}]
    return funds.record_refund(donation, refunds[0].get("id"), reference=charge.get("id"))


def _charge_succeeded(donation, charge):
    """A charge succeeded (with Checkout, its success events may come after this one): the payment counts, and Stripe's
    fee enters the ledger when the charge carries its balance transaction."""
    if not charge_is_paid(charge):
        return _not_paid(charge)
    outcome = funds.record_payment(donation, charge.get("amount"), charge.get("currency"),
                                   _id(charge.get("payment_intent")), reference=charge.get("id"))
    return _with_fee(donation, charge, outcome)


def _charge_updated(donation, charge):
    """A charge changed: a paid one counts like charge.succeeded; any other only brings Stripe's fee, if the donation
    was counted already."""
    if charge_is_paid(charge):
        return _charge_succeeded(donation, charge)
    return _with_fee(donation, charge, _not_paid(charge))


def _with_fee(donation, charge, outcome):
    if donation.status != "succeeded":
        return outcome
    transaction = charge.get("balance_transaction")
    if not transaction:
        return outcome
    if isinstance(transaction, dict):
        fee, currency = transaction.get("fee") or 0, str(transaction.get("currency") or "").upper()
    else:
        fee, currency = gateway().fee(transaction)
    if currency != donation.currency:
        return f"{outcome}; fee in {currency or '?'} not recorded (settled in another currency)"
    return f"{outcome}; {funds.record_fee(donation, fee, _id(transaction))}"


def _telling_the_donor(handler):
    """The handler, then the donor's mail if the event moved the donation (paid, or a card saved): in the same
    transaction, once the group's changes are written (a group's mail in one go), so a replayed event, which moves
    nothing, mails nothing."""

    def apply(donation, obj):
        before = donation.status
        outcome = handler(donation, obj)
        if donor_mail.tells(before, donation.status):
            funds_batch.then(donor_mail.after_payment_events, (donation.id, before, donation.status))
        return outcome

    return apply


DONATION_EVENTS = {event_type: _telling_the_donor(handler) for event_type, handler in {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_completed,
    "checkout.session.expired": _checkout_expired,
    "payment_intent.succeeded": _payment_succeeded,
    "payment_intent.payment_failed": _payment_failed,
    "charge.refunded": _charge_refunded,
    "charge.succeeded": _charge_succeeded,
    "charge.updated": _charge_updated,
}.items()}


# Match pools ------------------------------------------------------------------------------------------------------------


def find_pool(obj):
    """The match pledge an event's object is about: metadata.match_pledge_id (set on the pool's Checkout Session and
    PaymentIntent), else the PaymentIntent it was paid with. Locked for the transaction."""
    pledge_id = _metadata_id(obj, "match_pledge_id")
    if pledge_id is None and (payment_intent := _payment_intent_of(obj)):
        pledge_id = db.session.scalar(select(MatchPledge.id).where(MatchPledge.payment_intent_id == payment_intent))
    return None if pledge_id is None else funds.locked_pool(pledge_id)


def _pool_checkout_completed(pool, session):
    if session.get("payment_status") != "paid":
        return "waiting: the payment is not complete yet"
    return funds.record_pool_payment(pool, session.get("amount_total"), session.get("currency"),
                                     _id(session.get("payment_intent")), reference=session.get("id"))


def _pool_payment_succeeded(pool, intent):
    received = intent.get("amount_received") or intent.get("amount")
    return funds.record_pool_payment(pool, received, intent.get("currency"), intent.get("id"), reference=intent.get("id"))


def _pool_charge_succeeded(pool, charge):
    if not charge_is_paid(charge):
        return _not_paid(charge)
    return funds.record_pool_payment(pool, charge.get("amount"), charge.get("currency"),
                                     _id(charge.get("payment_intent")), reference=charge.get("id"))


def _pool_not_paid(pool, _obj):
    return f"pool not paid: the pledge stays {pool.status}; its pledger may pay again"


def _pool_refunded(pool, charge):
    """Stripe confirms a refund of the pool's payment: it was recorded when Stripe accepted it at settlement."""
    return f"pool refund confirmed ({pool.status})"


POOL_EVENTS = {
    "checkout.session.completed": _pool_checkout_completed,
    "checkout.session.async_payment_succeeded": _pool_checkout_completed,
    "checkout.session.expired": _pool_not_paid,
    "payment_intent.succeeded": _pool_payment_succeeded,
    "payment_intent.payment_failed": _pool_not_paid,
    "charge.succeeded": _pool_charge_succeeded,
    "charge.updated": _pool_charge_succeeded,
    "charge.refunded": _pool_refunded,
}

inbox.receive(find_donation, DONATION_EVENTS, subject_of, campaigns_of, funds.hold_campaign, funds_batch.applying)
inbox.receive(find_pool, POOL_EVENTS, subject_of, campaigns_of, funds.hold_campaign, funds_batch.applying)
