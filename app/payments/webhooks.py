"""`POST /payments/stripe/webhook`: Stripe's signed events, each applied once.

A bad or stale signature is a 400 and changes nothing. A verified event is recorded by its id in the transaction that
applies it; applying it again changes nothing, and its second record fails: a replay (or a second delivery racing the
first) is answered 200 and changes nothing. Events may come in
any order: each one only moves a donation forward (see app.campaigns.funds). Event types we do not use, and events for
donations we do not know, are answered 200 (recorded, so they are not retried). Never a 500: an unexpected error is
logged, rolled back and answered 500-free as 503 so Stripe retries it later.
"""
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from app.campaigns import funds
from app.campaigns.models import Donation, StripeEvent
from app.errors import problem
from app.extensions import csrf, db, limiter
from app.payments import bp
from app.payments.gateway import InvalidWebhook, gateway

#: Stripe's events are a few kilobytes; anyone may post here, so a larger body is refused before it is read.
WEBHOOK_MAX_BYTES = 256 * 1024


@bp.route("/payments/stripe/webhook", methods=["POST"])
@csrf.exempt
@limiter.exempt
def stripe_webhook():
    request.max_content_length = WEBHOOK_MAX_BYTES
    try:
        payload = request.get_data()
    except RequestEntityTooLarge:
        return problem(413, "too_large", _("The event is larger than a Stripe event can be."))
    try:
        event = gateway().verify(payload, request.headers.get("Stripe-Signature"))
        event_id, event_type, obj = str(event["id"])[:255], event["type"], event["data"]["object"]
        if not isinstance(obj, dict):
            raise TypeError("data.object is not an object")
    except (InvalidWebhook, KeyError, TypeError) as error:
        return jsonify({"error": {"code": "invalid_webhook", "message": str(error)[:200], "fields": {}}}), 400
    try:
        outcome = apply(event_type, obj)
        # Recorded last, with what it did: applying an event twice changes nothing (each one only moves its donation
        # forward, under the donation's row lock), and the second record of the id fails — the replay is found here.
        db.session.execute(insert(StripeEvent.__table__).values(id=event_id, type=str(event_type)[:100], outcome=outcome[:200]))
        db.session.commit()
    except Exception as error:  # noqa: BLE001 — Stripe retries a 5xx; nothing is half-applied (one transaction)
        db.session.rollback()
        if isinstance(error, IntegrityError) and db.session.get(StripeEvent, event_id) is not None:
            return jsonify({"received": True, "outcome": "replay: already processed"})
        current_app.logger.exception("Stripe event %s (%s) could not be applied", event_id, event_type)
        return jsonify({"error": {"code": "unavailable", "message": "Try again later.", "fields": {}}}), 503
    return jsonify({"received": True, "outcome": outcome})


def apply(event_type, obj):
    handler = HANDLERS.get(event_type)
    if handler is None:
        return f"ignored: {event_type} is not used"
    donation = _donation_of(obj)
    if donation is None:
        return "ignored: unknown donation"
    return handler(donation, obj)


def _donation_of(obj):
    """The donation an event's object is about: metadata.donation_id, which the product sets on every Checkout Session
    and PaymentIntent it creates; for a charge or refund without it, the PaymentIntent it belongs to."""
    metadata = obj.get("metadata") or {}
    raw = str(metadata.get("donation_id") or "")
    if raw.isascii() and raw.isdecimal() and len(raw) < 19:
        return funds.locked_donation(int(raw))
    payment_intent = obj.get("payment_intent")
    payment_intent = payment_intent.get("id") if isinstance(payment_intent, dict) else payment_intent
    if isinstance(payment_intent, str) and payment_intent:
        donation_id = db.session.scalar(select(Donation.id).where(Donation.payment_intent_id == payment_intent))
        return None if donation_id is None else funds.locked_donation(donation_id)
    return None


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
        outcome = funds.record_payment(donation, charge.get("amount"), charge.get("currency"),
                                       _id(charge.get("payment_intent")), reference=charge.get("id"))
        if donation.status != "succeeded":
            return outcome
    refunds = (charge.get("refunds") or {}).get("data") or [{}]
    return funds.record_refund(donation, refunds[0].get("id"), reference=charge.get("id"))


def _charge_succeeded(donation, charge):
    """A charge succeeded (with Checkout, its success events may come after this one): the payment counts, and Stripe's
    fee enters the ledger when the charge carries its balance transaction."""
    outcome = funds.record_payment(donation, charge.get("amount"), charge.get("currency"),
                                   _id(charge.get("payment_intent")), reference=charge.get("id"))
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


def _id(value):
    return value.get("id") if isinstance(value, dict) else value


HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_completed,
    "checkout.session.expired": _checkout_expired,
    "payment_intent.succeeded": _payment_succeeded,
    "payment_intent.payment_failed": _payment_failed,
    "charge.refunded": _charge_refunded,
    "charge.succeeded": _charge_succeeded,
    "charge.updated": _charge_succeeded,
}
