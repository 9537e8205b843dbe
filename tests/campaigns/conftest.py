"""Campaign test helpers: an organisation running campaigns, and Stripe's side of the story as signed webhook events.

stripe-mock answers every API call the product makes (validated against Stripe's OpenAPI spec) but never sends
webhooks: `Stripe` builds events the way Stripe does and signs them as Stripe does (the Stripe-Signature header
`t=<unix time>,v1=<HMAC-SHA256 of "<t>.<payload>" with the endpoint's secret>`), then posts them to the real endpoint,
which stores them in the inbox: the app applies them at once (PAYMENTS_APPLY_AT_ONCE, the tests' default), or the
payments worker (`flask payments apply`) does, as in production, right after each delivery (`by_worker`).
"""
import contextlib
import datetime as dt
import hashlib
import hmac
import http.server
import json
import secrets
import threading
import time
import urllib.parse
import uuid
from types import SimpleNamespace

import pytest
import requests
from sqlalchemy import select, update

from app.campaigns.models import Campaign, Donation, LedgerEntry, MatchPledge
from app.extensions import db
from app.models_base import utcnow
from app.orgs.models import Organization
from app.payments.gateway import StripeGateway
from app.payments.models import StripeEvent


def campaign_payload(organization_id, **changes):
    payload = {
        "organization_id": organization_id,
        "title": "A cold store for the valley's growers",
        "summary": "Twelve growers, one cold store: less waste, better prices.",
        "story": "## Why\n\nEvery summer we lose **a fifth** of our soft fruit.",
        "goal": {"amount": "12000.00", "currency": "EUR"},
        "deadline": (utcnow() + dt.timedelta(days=30)).isoformat(),
        "funding_model": "keep_it_all",
        "sdgs": [2, 12],
        "budget_lines": [{"title": "Cold room panels and doors", "amount": {"amount": "8000.00", "currency": "EUR"}},
                         {"title": "Refrigeration unit", "amount": {"amount": "4000.00", "currency": "EUR"}},
                         {"title": "Solar panels", "amount": {"amount": "5000.00", "currency": "EUR"}, "required": False}],
    }
    payload.update(changes)
    return payload


def live_campaign(db, label):
    """A live keep-it-all campaign of 1,000,000.00 EUR and its new co-operative, flushed: (organisation, campaign)."""
    organization = Organization(name=f"{label} Co-operative {secrets.token_hex(4)}", legal_form="cooperative",
                                size="small", country_code="GB", sector="agriculture")
    campaign = Campaign(organization=organization, title=label, goal_minor=10**8, currency="EUR",
                        deadline=utcnow() + dt.timedelta(days=9), funding_model="keep_it_all", status="live")
    db.session.add(campaign)
    db.session.flush()
    return organization, campaign


def signature(payload, secret, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@pytest.fixture(params=["applied at once", "applied by the worker"])
def either_path(request, app):
    """The test runs twice: the app applies each event it stores at once, then the payments worker applies them."""
    app.config["PAYMENTS_APPLY_AT_ONCE"] = request.param == "applied at once"
    yield request.param
    app.config["PAYMENTS_APPLY_AT_ONCE"] = True


def apply_stored_events(app):
    """Run the payments worker once (`flask payments apply`): every stored event that is due is applied."""
    result = app.test_cli_runner().invoke(args=["payments", "apply"])
    assert result.exit_code == 0, result.output
    return result.output


class Stripe:
    """Stripe's webhooks, as Stripe would send them to the product (and, when the app does not apply them at once, the
    payments worker applying them after each delivery, unless `by_worker` is False)."""

    def __init__(self, app, client, by_worker=True):
        self.app, self.client, self.by_worker = app, client, by_worker
        self.secret = app.config["STRIPE_WEBHOOK_SECRET"]

    @staticmethod
    def event(event_type, obj):
        return {"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2026-08-26.dahlia",
                "created": int(time.time()), "type": event_type, "livemode": False, "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None}, "data": {"object": obj}}

    def send(self, event, secret=None, timestamp=None, tamper=None):
        payload = json.dumps(event).encode()
        header = signature(payload, secret or self.secret, timestamp)
        if tamper:
            payload = tamper(payload)
        response = self.client.post("/payments/stripe/webhook", data=payload, headers={"Stripe-Signature": header},
                                    content_type="application/json")
        if self.by_worker and not self.app.config["PAYMENTS_APPLY_AT_ONCE"]:
            apply_stored_events(self.app)
        return response

    def deliver(self, event):
        """Send the event, which must be accepted; what applying it did (the outcome recorded with it)."""
        response = self.send(event)
        assert response.status_code == 200 and response.get_json()["received"] is True, response.get_data(as_text=True)
        return self.outcome(event)

    def outcome(self, event):
        """The outcome recorded with the stored event (None while it waits to be applied)."""
        with self.app.app_context():
            return db.session.scalar(select(StripeEvent.outcome).where(StripeEvent.id == event["id"]))

    # Events of a donation -----------------------------------------------------------------------------------------------

    def checkout_completed(self, donation, amount=None, currency=None, mode="payment"):
        session = {"id": f"cs_test_{uuid.uuid4().hex[:16]}", "object": "checkout.session", "mode": mode,
                   "metadata": {"donation_id": str(donation["id"])}, "client_reference_id": str(donation["id"]),
                   "customer": f"cus_{uuid.uuid4().hex[:14]}", "status": "complete"}
        if mode == "payment":
            session.update(payment_status="paid", amount_total=amount if amount is not None else donation["minor"],
                           currency=(currency or donation["currency"]).lower(),
                           payment_intent=donation.get("payment_intent") or f"pi_{uuid.uuid4().hex[:16]}")
        else:
            session.update(payment_status="no_payment_required", setup_intent=f"seti_{uuid.uuid4().hex[:14]}",
                           amount_total=None, currency=(currency or donation["currency"]).lower())
        return self.event("checkout.session.completed", session)

    def payment_succeeded(self, donation, amount=None, payment_intent=None):
        intent = {"id": payment_intent or f"pi_{uuid.uuid4().hex[:16]}", "object": "payment_intent",
                  "amount": donation["minor"], "amount_received": amount if amount is not None else donation["minor"],
                  "currency": donation["currency"].lower(), "status": "succeeded",
                  "metadata": {"donation_id": str(donation["id"])}}
        return self.event("payment_intent.succeeded", intent)

    def payment_failed(self, donation, message="Your card was declined."):
        intent = {"id": f"pi_{uuid.uuid4().hex[:16]}", "object": "payment_intent", "amount": donation["minor"],
                  "currency": donation["currency"].lower(), "status": "requires_payment_method",
                  "last_payment_error": {"code": "card_declined", "message": message},
                  "metadata": {"donation_id": str(donation["id"])}}
        return self.event("payment_intent.payment_failed", intent)

    def charge_refunded(self, donation, payment_intent=None, with_metadata=True):
        charge = {"id": f"ch_{uuid.uuid4().hex[:16]}", "object": "charge", "amount": donation["minor"],
                  "amount_refunded": donation["minor"], "currency": donation["currency"].lower(), "refunded": True,
                  "status": "succeeded", "paid": True,
                  "payment_intent": payment_intent or f"pi_{uuid.uuid4().hex[:16]}",
                  "metadata": {"donation_id": str(donation["id"])} if with_metadata else {},
                  "refunds": {"object": "list", "data": [{"id": f"re_{uuid.uuid4().hex[:16]}", "object": "refund"}]}}
        return self.event("charge.refunded", charge)


    def charge(self, donation, status="succeeded", paid=True, event_type="charge.succeeded", **fields):
        """A charge event as Stripe sends it: `status` succeeded, pending or failed; `paid` true only once the money is
        taken."""
        charge = {"id": f"ch_{uuid.uuid4().hex[:16]}", "object": "charge", "amount": donation["minor"],
                  "currency": donation["currency"].lower(), "status": status, "paid": paid,
                  "payment_intent": f"pi_{uuid.uuid4().hex[:16]}", "metadata": {"donation_id": str(donation["id"])},
                  **fields}
        return self.event(event_type, charge)

    # Events of a match pool ---------------------------------------------------------------------------------------------

    def pool_paid(self, pledge, amount=None, currency=None, payment_intent=None):
        """checkout.session.completed for the pledger's payment into the pool (`pledge` as the API gives it, with
        `minor`)."""
        session = {"id": f"cs_test_{uuid.uuid4().hex[:16]}", "object": "checkout.session", "mode": "payment",
                   "metadata": {"match_pledge_id": str(pledge["id"]), "campaign_id": str(pledge["campaign_id"])},
                   "client_reference_id": f"match-pledge-{pledge['id']}", "status": "complete", "payment_status": "paid",
                   "amount_total": amount if amount is not None else pledge["minor"],
                   "currency": (currency or pledge["cap_total"]["currency"]).lower(),
                   "payment_intent": payment_intent or f"pi_pool_{uuid.uuid4().hex[:16]}"}
        return self.event("checkout.session.completed", session)


class Funding:
    """An organisation running campaigns (a finance member with a token), a bank that matches, and donors."""

    def __init__(self, app, client, make, auth):
        self.app, self.client, self.make = app, client, make
        self.owner_user = make.user(name="Fatima Finance")
        self.owner = make.organization(self.owner_user, name="Valley Growers Cooperative", verified=True, role="finance")
        self.bank_user = make.user(name="Bram Banker")
        self.bank = make.organization(self.bank_user, name="Cooperative Bank of the Valley", legal_form="cooperative_bank",
                                      verified=True, sector="banking")
        self.h = {"owner": auth(make.token(self.owner_user)), "bank": auth(make.token(self.bank_user)), "anonymous": {}}

    def create(self, **changes):
        response = self.client.post("/api/v1/campaigns", headers=self.h["owner"],
                                    json=campaign_payload(self.owner.id, **changes))
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def live(self, **changes):
        campaign = self.create(**changes)
        response = self.client.post(f"/api/v1/campaigns/{campaign['id']}/publish", headers=self.h["owner"])
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def donate(self, campaign, amount="50.00", email="dana@example.org", **fields):
        body = {"amount": {"amount": amount, "currency": campaign["goal"]["currency"]}, "email": email, **fields}
        response = self.client.post(f"/api/v1/campaigns/{campaign['id']}/donations", json=body)
        assert response.status_code == 201, response.get_json()
        donation = response.get_json()
        with self.app.app_context():
            row = db.session.get(Donation, donation["id"])
            donation.update(minor=row.amount_minor, currency=row.currency)
        return donation

    def offer(self, campaign, factor="1", per_donation="100.00", total="1000.00"):
        """The bank offers to match (status `offered`)."""
        currency = campaign["goal"]["currency"]
        response = self.client.post(f"/api/v1/campaigns/{campaign['id']}/match-pledges", headers=self.h["bank"], json={
            "organization_id": self.bank.id, "factor": factor, "cap_per_donation": {"amount": per_donation, "currency": currency},
            "cap_total": {"amount": total, "currency": currency}})
        assert response.status_code == 201, response.get_json()
        return self._with_minor(response.get_json())

    def accept(self, pledge):
        response = self.client.post(f"/api/v1/match-pledges/{pledge['id']}/accept", headers=self.h["owner"])
        assert response.status_code == 200, response.get_json()
        return self._with_minor(response.get_json())

    def pay(self, pledge, **event_fields):
        """The bank goes to Checkout for its pool, and Stripe's signed webhook says it paid; returns the outcome."""
        response = self.client.post(f"/api/v1/match-pledges/{pledge['id']}/checkout", headers=self.h["bank"])
        assert response.status_code == 201, response.get_json()
        events = Stripe(self.app, self.client)
        return events.deliver(events.pool_paid(pledge, **event_fields))

    def match(self, campaign, factor="1", per_donation="100.00", total="1000.00"):
        """An active pledge: offered by the bank, accepted by the owner, its cap in all paid into the pool."""
        pledge = self.accept(self.offer(campaign, factor, per_donation, total))
        assert self.pay(pledge) == "pool paid"
        return self.pledge(pledge["id"])

    def pledge(self, pledge_id):
        """The pledge's row as a dict of its columns."""
        with self.app.app_context():
            row = db.session.get(MatchPledge, pledge_id)
            return {"id": row.id, "campaign_id": row.campaign_id, "status": row.status, "minor": row.cap_total_minor,
                    "cap_total": {"currency": row.campaign.currency}, "paid_minor": row.paid_minor,
                    "matched_minor": row.matched_minor, "refunded_minor": row.refunded_minor,
                    "refund_id": row.refund_id, "payment_intent_id": row.payment_intent_id}

    def _with_minor(self, pledge):
        with self.app.app_context():
            pledge["minor"] = db.session.get(MatchPledge, pledge["id"]).cap_total_minor
        return pledge

    def campaign(self, campaign_id):
        return self.client.get(f"/api/v1/campaigns/{campaign_id}").get_json()

    def donation(self, donation_id):
        with self.app.app_context():
            return db.session.get(Donation, donation_id).status

    def ledger(self, campaign_id):
        return self.client.get(f"/api/v1/campaigns/{campaign_id}/ledger?limit=1000").get_json()

    def pass_deadline(self, campaign):
        with self.app.app_context():
            db.session.execute(update(Campaign).where(Campaign.id == campaign["id"])
                               .values(deadline=utcnow() - dt.timedelta(seconds=1)))
            db.session.commit()


@pytest.fixture
def stripe_events(app, client):
    return Stripe(app, client)


@pytest.fixture
def funding(app, client, make, auth):
    return Funding(app, client, make, auth)


def ledger_sums(app, campaign_id):
    """{kind: sum of minor units} straight from the ledger table."""
    with app.app_context():
        rows = db.session.execute(select(LedgerEntry.kind, db.func.sum(LedgerEntry.amount_minor))
                                  .where(LedgerEntry.campaign_id == campaign_id).group_by(LedgerEntry.kind)).all()
        return {kind: int(total) for kind, total in rows}


class StripeRecorder(http.server.BaseHTTPRequestHandler):
    """A pass-through in front of stripe-mock that writes down each request the product makes (method, path, form
    parameters, idempotency key). stripe-mock still answers — and validates — every request. `decline` makes the next
    PaymentIntent creation get Stripe's documented 402 card error instead, which stripe-mock cannot produce."""

    upstream = None
    calls = None
    decline = None
    lock = threading.Lock()

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.lock:
            self.calls.append(SimpleNamespace(method=self.command, path=self.path.split("?")[0],
                                              params=urllib.parse.parse_qs(body.decode()),
                                              idempotency_key=self.headers.get("Idempotency-Key")))
            declining = self.decline if self.command == "POST" and self.path.startswith("/v1/payment_intents") else None
            if declining:
                type(self).decline = None
        if declining:
            status, content = 402, json.dumps({"error": {"type": "card_error", "code": declining,
                                                         "message": "Your card was declined."}}).encode()
        else:
            headers = {name: value for name, value in self.headers.items()
                       if name.lower() in ("content-type", "authorization", "idempotency-key", "stripe-version")}
            answer = requests.request(self.command, self.upstream + self.path, data=body or None, headers=headers, timeout=30)
            status, content = answer.status_code, answer.content
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_DELETE = _forward

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _recording(app):
    """The app's Stripe gateway pointed through a recorder; yields the handler class (its `calls`, `decline`)."""
    handler = type("Recorder", (StripeRecorder,), {"upstream": app.config["STRIPE_API_BASE"].rstrip("/"), "calls": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    original = app.extensions["payments"]
    app.extensions["payments"] = StripeGateway(app.config["STRIPE_SECRET_KEY"], app.config["STRIPE_WEBHOOK_SECRET"],
                                               f"http://127.0.0.1:{server.server_port}")
    try:
        yield handler
    finally:
        app.extensions["payments"] = original
        server.shutdown()
        server.server_close()


@pytest.fixture
def stripe_calls(app):
    with _recording(app) as handler:
        yield handler


@pytest.fixture
def stripe_calls_committed(committed_app):
    with _recording(committed_app) as handler:
        yield handler
