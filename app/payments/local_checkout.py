"""A local Checkout page for development against stripe-mock (LOCAL_CHECKOUT; never in production).

stripe-mock answers `checkout.sessions.create` with a made-up address on Stripe's site, a dead end. With LOCAL_CHECKOUT
the gateway sends the payer here instead, with what it asked Stripe to charge signed into the address
(`/dev/checkout/<token>`). "Pay with a test card" builds the event Stripe would send (checkout.session.completed with
the amount, currency, metadata and a PaymentIntent), signs it with the configured webhook secret as Stripe does
(`t=…,v1=HMAC-SHA256(secret, "t.payload")`) and posts it to the app's own webhook endpoint — in process, through the
app's test client, so it works under any server (a single-threaded one included) — then goes on to the success
address. "Decline" goes back to the cancel address and nothing is counted.
"""
import hashlib
import hmac
import json
import secrets
import time

from flask import abort, current_app, redirect, render_template
from itsdangerous import BadSignature, URLSafeSerializer

from app.mail.outbox import link
from app.money import Money
from app.payments import bp

_SALT = "coopex-local-checkout"


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def checkout_url(session_id, params):
    """The local Checkout page for a session the gateway created (what it asked Stripe, signed into the address)."""
    line = (params.get("line_items") or [{}])[0].get("price_data") or {}
    session = {"id": session_id, "mode": params["mode"], "metadata": params.get("metadata") or {},
               "success_url": params["success_url"], "cancel_url": params["cancel_url"],
               "client_reference_id": params.get("client_reference_id"),
               "currency": line.get("currency") or params.get("currency"), "amount": line.get("unit_amount"),
               "name": (line.get("product_data") or {}).get("name") or (params.get("setup_intent_data") or {}).get("description")}
    return link("payments.local_checkout", token=_serializer().dumps(session))


def _session(token):
    if not current_app.config.get("LOCAL_CHECKOUT"):
        abort(404)
    try:
        return _serializer().loads(token)
    except BadSignature:
        abort(404)


@bp.route("/dev/checkout/<token>")
def local_checkout(token):
    """What Stripe would charge, with "Pay with a test card" and "Decline"."""
    session = _session(token)
    amount = Money(session["amount"], session["currency"].upper()) if session["amount"] is not None else None
    return render_template("payments/local_checkout.html", session=session, amount=amount, token=token)


@bp.route("/dev/checkout/<token>/pay", methods=["POST"])
def local_checkout_pay(token):
    """Pay: Stripe's signed checkout.session.completed goes to our own webhook, then on to the success address."""
    session = _session(token)
    event = {"id": f"evt_local_{secrets.token_hex(12)}", "object": "event", "type": "checkout.session.completed",
             "created": int(time.time()), "livemode": False, "data": {"object": _completed(session)}}
    payload = json.dumps(event).encode()
    stamp = int(time.time())
    digest = hmac.new(current_app.config["STRIPE_WEBHOOK_SECRET"].encode(), f"{stamp}.".encode() + payload,
                      hashlib.sha256).hexdigest()
    answer = current_app.test_client().post("/payments/stripe/webhook", data=payload, content_type="application/json",
                                            headers={"Stripe-Signature": f"t={stamp},v1={digest}"})
    if answer.status_code != 200:
        current_app.logger.error("Local checkout: the webhook answered %s: %s", answer.status_code, answer.get_data(as_text=True))
        abort(502)
    return redirect(session["success_url"], 303)


def _completed(session):
    """The Checkout Session as Stripe reports it once paid (payment mode) or once the card is saved (setup mode)."""
    completed = {"id": session["id"], "object": "checkout.session", "mode": session["mode"], "status": "complete",
                 "metadata": session["metadata"], "client_reference_id": session["client_reference_id"],
                 "currency": session["currency"], "customer": f"cus_local_{secrets.token_hex(7)}"}
    if session["mode"] == "setup":
        completed.update(payment_status="no_payment_required", amount_total=None,
                         setup_intent=f"seti_local_{secrets.token_hex(8)}")
    else:
        completed.update(payment_status="paid", amount_total=session["amount"],
                         payment_intent=f"pi_local_{secrets.token_hex(8)}")
    return completed
