"""Schemathesis sends every operation of the OpenAPI document requests made from it, valid and invalid, and checks each
answer with all its checks: no 5xx, status codes, content types, headers and bodies as declared, valid data accepted,
invalid data refused, a token required where one is declared (sent without one, then with a wrong one).

Ten examples per operation plus the boundary cases of the coverage phase, derandomized with a fixed seed: the same
requests on every run. No check and no operation is left out; the Stripe webhook is not an API operation (Stripe signs
its calls; tests/campaigns/test_webhooks.py covers it). The caller is a verified user without two-factor sign-in,
with an API token; valid requests aim at the objects of a seeded `World` (drawn ids would reach nothing but 404s).

The document states every rule a request must follow except a few it cannot: those relative to the present (deadlines),
across fields (a minimum not above its maximum, weights summing to 100, a cap per donation not above the cap in all,
budget lines in the goal's currency and listed once), against the object a request goes to (money in its currency, a
budget line of its own, a scope for a federation only) and membership in the CPV list (9,454 codes, too many to
list). Valid requests are kept within them below, so that a refusal of one is a failure; invalid requests are sent as
drawn.
"""
import base64
import datetime as dt
import io
import re
import uuid
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from app import create_app
from app.openapi import amount_pattern


def _document():
    return create_app("testing").test_client().get("/api/v1/openapi.json").get_json()


config = SchemathesisConfig(seed=2026)
config.projects.get_default().generation.update(max_examples=10, deterministic=True, database="none")
schema = schemathesis.openapi.from_dict(_document(), config=config)

COFFEE = "15861000-1"
#: The world's tender and campaign are in euros: money sent to them is too.
EUROS = re.compile(amount_pattern(2))
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
RANGES = (("price_min", "price_max"), ("budget_min", "budget_max"), ("deadline_from", "deadline_to"),
          ("start_date", "end_date"), ("from", "to"))


@schema.hook
def map_case(context, case):
    """Keep a valid request within the rules the document cannot state (see above)."""
    if case.meta is not None and case.meta.generation.mode.is_positive:
        for part in (case.query, case.body):
            if isinstance(part, dict):
                within_rules(part)
    return case


@schema.hook
def before_add_examples(context, examples):
    """The same for the boundary cases of the coverage phase, which pytest runs as explicit examples."""
    for case in examples:
        map_case(context, case)


def within_rules(values):
    """Edit the body or query `values` of a valid request to follow the rules the document cannot state."""
    if "cpv_code" in values:
        values["cpv_code"] = COFFEE
    if "deadline" in values:
        values["deadline"] = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    if values.get("clarification_deadline") is not None:  # in the future, at least six days before the deadline
        values["clarification_deadline"] = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).isoformat()
    if values.get("federation_scope") is not None:  # only a federation has a scope (the world's are co-operatives)
        values["legal_form"] = "cooperative_federation"
    preference = values.get("preference")
    if isinstance(preference, dict) and preference.get("policy") == "weighted":
        preference["weights"] = {"price": 50, "quality": 30, "cooperative": 20}
    if isinstance(values.get("budget"), dict) and values.get("currency"):
        values["budget"] = {"amount": "1000", "currency": values["currency"]}
    goal = values.get("goal")
    lines, kept = values.get("budget_lines") or [], set()
    for line in list(lines):
        if line.get("id") in kept:
            lines.remove(line)
        elif line.get("id") is not None:
            kept.add(line["id"])
        if isinstance(goal, dict) and isinstance(line.get("amount"), dict):
            line["amount"] = {**goal}
    for low, high in RANGES:
        if values.get(low) is not None and values.get(high) is not None and _point(values[low]) > _point(values[high]):
            values[low], values[high] = values[high], values[low]


def in_euros(values):
    """Every Money object in `values`, in euros (its amount kept where euros can have it)."""
    if isinstance(values, list):
        for value in values:
            in_euros(value)
    elif isinstance(values, dict):
        if set(values) == {"amount", "currency"}:
            values["currency"] = "EUR"
            if not EUROS.fullmatch(str(values["amount"])):
                values["amount"] = "10.00"
        for value in values.values():
            in_euros(value)


def _point(value):
    """A bound as a number: an amount, or a moment's timestamp (a day counts as its first moment, in UTC)."""
    try:
        return float(value)
    except ValueError:
        moment = dt.datetime.fromisoformat(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()


class World:
    """What the caller's requests can reach: a verified user, admin of two verified co-operatives (a buyer and a
    supplier) and of a verified federation the supplier declared it belongs to, a listing, a published tender with a bid
    and a notification, a live campaign with a match pledge offered and another accepted (by the supplier), an
    invitation, another member and a second token. Valid requests name them
    (`aim`); without that, the ids drawn at random would reach nothing but 404s."""

    def __init__(self, client, make, auth):
        user = make.user()
        buyer, supplier = make.organization(user, verified=True), make.organization(user, verified=True)
        self.headers = auth(make.token(user))
        make.token(user)
        tender = self._post(client, "/api/v1/tenders", {
            "organization_id": buyer.id, "title": "Cold-chain transport", "cpv_code": COFFEE, "currency": "EUR",
            "deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(days=14)).isoformat(), "lots": [{"title": "North"}],
            "clarification_deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).isoformat()})
        self._post(client, f"/api/v1/tenders/{tender['id']}/publish")
        lot = tender["lots"][0]["id"]
        bid = self._post(client, f"/api/v1/tenders/{tender['id']}/lots/{lot}/bids", {
            "organization_id": supplier.id, "price": {"amount": "900.00", "currency": "EUR"}, "delivery_days": 5})
        later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=21)).isoformat()
        assert client.patch(f"/api/v1/tenders/{tender['id']}", json={"deadline": later}, headers=self.headers).status_code == 200
        campaign = self._post(client, "/api/v1/campaigns", {
            "organization_id": buyer.id, "title": "A cold store", "goal": {"amount": "12000.00", "currency": "EUR"},
            "deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat(), "funding_model": "keep_it_all"})
        self._post(client, f"/api/v1/campaigns/{campaign['id']}/publish")
        offered, accepted = (self._post(client, f"/api/v1/campaigns/{campaign['id']}/match-pledges", {
            "organization_id": supplier.id, "factor": "1", "cap_per_donation": {"amount": "50.00", "currency": "EUR"},
            "cap_total": {"amount": "500.00", "currency": "EUR"}}) for _ in range(2))
        self._post(client, f"/api/v1/match-pledges/{accepted['id']}/accept")
        invitation = self._post(client, f"/api/v1/organizations/{buyer.id}/invitations",
                                {"email": "new.member@example.coop", "role": "seller"})
        notifications = client.get("/api/v1/notifications", headers=self.headers).get_json()["items"]
        tokens = client.get("/api/v1/auth/tokens", headers=self.headers).get_json()
        self.ids = {
            "organization_id": buyer.id, "listing_id": make.listing(buyer).id, "tender_id": tender["id"], "lot_id": lot,
            "bid_id": bid["id"], "campaign_id": campaign["id"], "pledge_id": offered["id"], "invitation_id": invitation["id"],
            "user_id": make.member(buyer, role="seller").id, "token_id": max(token["id"] for token in tokens),
            "notification_id": notifications[0]["id"],
        }
        #: Checkout takes an accepted pledge; a pledge is offered by another organisation than the campaign's.
        self.accepted_pledge, self.supplier = accepted["id"], supplier.id
        self._trade(client, make, buyer, supplier)
        self.ids["saved_search_id"] = self._post(client, "/api/v1/saved-searches", {
            "kind": "listings", "name": "Coffee", "query": {"q": "coffee"}})["id"]
        self._movement(client, make, user, supplier)
        self._tender_papers(client, tender["id"], bid["id"], supplier)
        self._award_decision(client, make, buyer, supplier)

    def _tender_papers(self, client, tender_id, bid_id, supplier):
        """A document of the tender, a file of the bid, and a question the supplier asked (to be answered)."""
        document = self._upload(client, f"/api/v1/tenders/{tender_id}/documents", title="Specification")
        bid_file = self._upload(client, f"/api/v1/bids/{bid_id}/files")
        question = self._post(client, f"/api/v1/tenders/{tender_id}/questions", {
            "organization_id": supplier.id, "question": "Are deliveries on Saturdays expected?"})
        self.ids.update({"document_id": document["id"], "file_id": bid_file["id"], "question_id": question["id"]})

    def _upload(self, client, path, **fields):
        response = client.post(path, headers=self.headers, content_type="multipart/form-data",
                               data={**fields, "file": (io.BytesIO(PDF), "specification.pdf")})
        assert response.status_code == 201, response.get_data(as_text=True)[:500]
        return response.get_json()

    def _award_decision(self, client, make, buyer, supplier):
        """A closed tender whose lot has an award decision in its standstill (to be read or withdrawn)."""
        from app.extensions import db
        from app.tenders.models import Tender

        tender = self._post(client, "/api/v1/tenders", {
            "organization_id": buyer.id, "title": "Cold-chain transport, south", "cpv_code": COFFEE, "currency": "EUR",
            "deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(days=14)).isoformat(), "lots": [{"title": "South"}],
            "standstill_days": 10})
        self._post(client, f"/api/v1/tenders/{tender['id']}/publish")
        lot = tender["lots"][0]["id"]
        bid = self._post(client, f"/api/v1/tenders/{tender['id']}/lots/{lot}/bids", {
            "organization_id": supplier.id, "price": {"amount": "900.00", "currency": "EUR"}, "delivery_days": 5})
        with make.app.app_context():
            db.session.get(Tender, tender["id"]).deadline = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            db.session.commit()
        decision = self._post(client, f"/api/v1/tenders/{tender['id']}/lots/{lot}/award", {"bid_id": bid["id"]})
        self.ids["decision_id"] = decision["decision"]["id"]

    def _movement(self, client, make, user, supplier):
        """A verified federation the user administers, which the supplier declared it belongs to (to be decided and
        ended); the buyer has declared nothing yet."""
        federation = make.organization(user, legal_form="cooperative_federation", verified=True)
        membership = self._post(client, f"/api/v1/organizations/{supplier.id}/federations",
                                {"federation_id": federation.id})
        self.ids.update({"federation_id": federation.id, "membership_id": membership["id"]})

    def _trade(self, client, make, buyer, supplier):
        """The buyer asks the supplier about its listing, gets two quotes and accepts one (an order); it has a draft and a
        published request for quotation; a third organisation is there to be blocked."""
        offer = make.listing(supplier, price=None).id
        conversation = self._post(client, "/api/v1/conversations", {
            "organization_id": buyer.id, "with_organization_id": supplier.id,
            "subject": {"kind": "listing", "id": offer}, "body": "A price for 40 sacks?"})
        quote, ordered = (self._post(client, "/api/v1/quotes", trade_quote(supplier.id, buyer.id, conversation["id"]))
                          for _ in range(2))
        order = self._post(client, f"/api/v1/quotes/{ordered['id']}/accept")["order"]
        draft, published = (self._post(client, "/api/v1/rfqs", {
            "organization_id": buyer.id, "title": "Durum wheat", "cpv_code": COFFEE, "quantity": "500", "unit": "kg",
            "delivery_country": "GB", "needed_by": (dt.date.today() + dt.timedelta(days=40)).isoformat(),
            "quotes_due": (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).isoformat()}) for _ in range(2))
        self._post(client, f"/api/v1/rfqs/{published['id']}/publish")
        third = make.organization(name="A third organisation").id
        self.ids.update({"conversation_id": conversation["id"], "quote_id": quote["id"], "order_id": order["id"],
                         "rfq_id": published["id"], "blocked_id": third})
        self.trade = {"buyer": buyer.id, "supplier": supplier.id, "offer": offer, "third": third, "draft": draft["id"]}

    def _post(self, client, path, payload=None):
        response = client.post(path, json=payload, headers=self.headers)
        assert response.status_code in (200, 201), response.get_data(as_text=True)[:500]
        return response.get_json()

    def aim(self, case):
        """A valid request names these objects (an invalid one keeps what was drawn, to be refused)."""
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return
        for name in case.path_parameters or {}:
            if name in self.ids:
                case.path_parameters[name] = self.ids[name]
        if case.headers and "Idempotency-Key" in case.headers:
            # A key of its own for each valid request: the examples of an operation differ, and one key sent with two
            # different requests is rightly refused.
            case.headers["Idempotency-Key"] = str(uuid.uuid4())
        if case.path.endswith("/publish") and "rfq_id" in (case.path_parameters or {}):
            case.path_parameters["rfq_id"] = self.trade["draft"]
        if isinstance(case.query, dict) and "organization_id" in case.query:
            case.query["organization_id"] = self.trade["buyer"]
        if case.path.endswith(("/federation-report", "/federation-members")):
            case.path_parameters["organization_id"] = self.ids["federation_id"]
        if case.path.startswith(("/api/v1/conversations", "/api/v1/rfqs", "/api/v1/quotes", "/api/v1/organizations/{"
                                 "organization_id}/blocks")) and isinstance(case.body, dict):
            self._aim_trade(case)
            return
        if case.path.startswith("/api/v1/saved-searches") and isinstance(case.body, dict) and "query" in case.body:
            # A saved search's parameters are those of its kind's search API, checked as that API checks them.
            case.body["query"] = {"q": "coffee"} if case.body.get("kind", "listings") != "campaigns" else {"sdg": [2]}
        if case.path.endswith("/checkout"):
            case.path_parameters["pledge_id"] = self.accepted_pledge
        if isinstance(case.body, dict):
            for name in ("organization_id", "bid_id", "federation_id"):
                if name in case.body:
                    case.body[name] = self.ids[name]
            if "ids" in case.body:
                case.body["ids"] = [self.ids["notification_id"]]
            if "file" in case.body:  # a tender's document or a bid's file: a real PDF (as schemathesis holds a file)
                case.body["file"] = PDF.decode()
            if case.path.endswith("/questions"):  # asked by a supplier, not by the buyer
                case.body["organization_id"] = self.supplier
            if isinstance(case.body.get("members"), list):  # a joint bid: the lead and a member, shares summing to 100
                case.body["members"] = [{"organization_id": self.ids["organization_id"], "share_percent": "60"},
                                        {"organization_id": self.supplier, "share_percent": "40"}]
            if "receipt" in case.body:  # an expense: a real receipt, no budget line (the campaign has none)
                case.body["receipt"] = PNG
                case.body.pop("budget_line_id", None)
                if not EUROS.fullmatch(case.body.get("amount", "")):
                    case.body["amount"] = "10.00"
            if case.path_parameters and set(case.path_parameters) & {"tender_id", "campaign_id", "bid_id"}:
                in_euros(case.body)
            if case.path.endswith("/match-pledges"):
                case.body["organization_id"] = self.supplier
                caps = case.body["cap_per_donation"], case.body["cap_total"]
                if Decimal(caps[0]["amount"]) > Decimal(caps[1]["amount"]):
                    caps[0]["amount"], caps[1]["amount"] = caps[1]["amount"], caps[0]["amount"]
            for line in case.body.get("budget_lines") or ():  # the world's campaign has no budget lines yet
                if isinstance(line, dict) and line.pop("id", None) is not None:
                    line.setdefault("title", "A new budget line")
                    line.setdefault("amount", {"amount": "10.00", "currency": "EUR"})


    def _aim_trade(self, case):
        """Trade requests: the buyer writes and asks for quotes, the supplier quotes; a quote is in euros and valid."""
        body, trade = case.body, self.trade
        if case.path == "/api/v1/conversations":
            body.update(organization_id=trade["buyer"], with_organization_id=trade["supplier"])
            if body.get("subject") is not None:
                body["subject"] = {"kind": "listing", "id": trade["offer"]}
        elif case.path.endswith("/messages"):
            body["organization_id"] = trade["buyer"]
            if "attachment" in body:
                body["attachment"] = PNG
        elif case.path == "/api/v1/rfqs":
            body["organization_id"] = trade["buyer"]
            due = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
            body.update(quotes_due=due.isoformat(), needed_by=(due.date() + dt.timedelta(days=5)).isoformat())
            body["invited_organization_ids"] = [trade["supplier"]] if body.get("visibility") == "invited" else []
        elif case.path.startswith("/api/v1/quotes"):
            body.update(organization_id=trade["supplier"], buyer_organization_id=trade["buyer"],
                        conversation_id=self.ids["conversation_id"], rfq_id=None, currency="EUR",
                        valid_until=(dt.date.today() + dt.timedelta(days=20)).isoformat())
            for line in body.get("lines") or ():
                line["listing_id"] = trade["offer"] if line.get("listing_id") is not None else None
            in_euros(body.get("lines"))
            limit = Decimal(10) ** 9
            total = sum(Decimal(line["quantity"]) * Decimal(line["unit_price"]["amount"]) for line in body["lines"])
            if total > limit:
                for line in body["lines"]:
                    line["quantity"], line["unit_price"]["amount"] = "1", "10.00"
        elif case.path.endswith("/blocks"):
            case.path_parameters["organization_id"] = trade["buyer"]
            body["blocked_organization_id"] = trade["third"]


def trade_quote(seller_id, buyer_id, conversation_id):
    return {"organization_id": seller_id, "buyer_organization_id": buyer_id, "conversation_id": conversation_id,
            "currency": "EUR", "incoterm": "DAP", "delivery_place": "Manchester", "lead_time_days": 7,
            "valid_until": (dt.date.today() + dt.timedelta(days=20)).isoformat(),
            "lines": [{"description": "Spelt flour, 25 kg", "quantity": "40", "unit": "sack",
                       "unit_price": {"amount": "31.50", "currency": "EUR"}}]}


@pytest.fixture
def world(client, make, auth):
    return World(client, make, auth)


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api(case, app, world, request):
    if case.path.startswith("/api/v1/search/"):
        request.getfixturevalue("search")  # fresh indices on the real engine, written to as the app writes
    # The checks' own requests (without the token, with a wrong one) go to the app too.
    case.operation.app = case.operation.schema.app = app
    world.aim(case)
    case.call_and_validate(headers=world.headers)
