"""`POST /payments/stripe/webhook`: Stripe's signed events, each applied once.

A bad or stale signature is a 400 and changes nothing. A verified event is recorded by its id in the transaction that
applies it; applying it again changes nothing, and its second record fails: a replay (or a second delivery racing the
first) is answered 200 and changes nothing. Events may come in
any order: each one only moves a donation or a match pool forward (see app.campaigns.funds). Event types we do not use,
and events for payments we do not know, are answered 200 (recorded, so they are not retried). Never a 500: an unexpected
error is logged, rolled back and answered 500-free as 503 so Stripe retries it later.

The features that take money register what they do with each event type (`receive`): this module knows no feature.
"""
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from app.errors import problem
from app.extensions import csrf, db, limiter
from app.payments import bp
from app.payments.gateway import InvalidWebhook, gateway
from app.payments.models import StripeEvent

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


#: What each feature that takes money registered (app.campaigns: donations, then match pools): payments imports no
#: feature. Each entry: `find(obj)` → what an event's object is about (None if not this feature's), and
#: {event type: handler(subject, obj) → outcome}.
_RECEIVERS = []


def receive(find, handlers):
    """Register a feature's Stripe events: `find(obj)` says which of its things an event's object is about (or None);
    `handlers` maps the event types it uses to `handler(thing, obj)`, which applies the event and says what it did."""
    _RECEIVERS.append((find, handlers))


def apply(event_type, obj):
    """Hand a verified event to the first feature that knows what its object is about."""
    used = False
    for find, handlers in _RECEIVERS:
        handler = handlers.get(event_type)
        if handler is None:
            continue
        used = True
        subject = find(obj)
        if subject is not None:
            return handler(subject, obj)
    return "ignored: unknown payment" if used else f"ignored: {event_type} is not used"
