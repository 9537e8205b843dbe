"""`POST /payments/stripe/webhook`: Stripe's signed events, stored in the inbox and answered at once.

A bad or stale signature is a 400 and changes nothing; a body larger than a Stripe event is a 413. A verified event is
stored by its id (app.payments.inbox) and answered 200 `{"received": true, "replay": false}`: the worker
(`flask payments apply`) applies it. A replay, or a second delivery racing the first, finds the id taken: 200 with
`"replay": true`, and nothing changes. Never a 500: if the event cannot be stored, the error is logged and answered 503,
so Stripe delivers it again later.

In development and tests (PAYMENTS_APPLY_AT_ONCE) the app applies the event it just stored before answering, through
the worker's own code, so a single process sees the payment at once.
"""
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from app.database import one_statement
from app.errors import problem
from app.extensions import csrf, db, limiter
from app.payments import bp, inbox
from app.payments.gateway import InvalidWebhook, gateway

#: Stripe's events are a few kilobytes; anyone may post here, so a larger body is refused before it is read.
WEBHOOK_MAX_BYTES = 256 * 1024


@bp.route("/payments/stripe/webhook", methods=["POST"])
@csrf.exempt
def stripe_webhook():
    request.max_content_length = WEBHOOK_MAX_BYTES
    try:
        payload = request.get_data()
    except RequestEntityTooLarge:
        return problem(413, "too_large", _("The event is larger than a Stripe event can be."))
    try:
        event = gateway().verify(payload, request.headers.get("Stripe-Signature"))
        event_id, event_type, obj = str(event["id"])[:255], str(event["type"])[:100], event["data"]["object"]
        if not isinstance(obj, dict):
            raise TypeError("data.object is not an object")
        body = payload.decode()
    except (InvalidWebhook, KeyError, TypeError, UnicodeDecodeError) as error:
        return jsonify({"error": {"code": "invalid_webhook", "message": str(error)[:200], "fields": {}}}), 400
    try:
        with one_statement() as connection:  # the request's one write, committed
            stored = inbox.store(connection, event_id, event_type, obj, body)
    except Exception:  # noqa: BLE001 — Stripe retries a 5xx, and nothing was stored
        db.session.rollback()
        current_app.logger.exception("Stripe event %s (%s) could not be stored", event_id, event_type)
        return jsonify({"error": {"code": "unavailable", "message": "Try again later.", "fields": {}}}), 503
    if stored and current_app.config.get("PAYMENTS_APPLY_AT_ONCE"):
        _apply_now(event_id)
    return jsonify({"received": True, "replay": not stored})


def _apply_now(event_id):
    """Development and tests: apply the stored event before answering (in production the worker does)."""
    try:
        inbox.apply_due(ids=[event_id])
        db.session.commit()
    except Exception:  # noqa: BLE001 — it is stored: the worker applies it later
        db.session.rollback()
        current_app.logger.exception("Stripe event %s is stored but could not be applied at once", event_id)


@limiter.request_filter
def _not_limited():
    """Stripe's deliveries are never limited (they come in bursts; a forged one costs an HMAC): the limiter skips them
    before it looks for their limits."""
    return request.endpoint == "payments.stripe_webhook"
