"""A small market for trade tests: a buying co-operative, a selling co-operative with a "price on request" listing, a
third organisation, members in every role, and their API tokens."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.mail.models import MailOutbox
from app.models_base import utcnow
from app.trade.models import Conversation, Message, Order, Quote, Rfq


def quote_payload(seller_id, buyer_id, **changes):
    payload = {
        "organization_id": seller_id, "buyer_organization_id": buyer_id, "currency": "EUR",
        "lines": [{"description": "Organic spelt flour, 25 kg sacks", "quantity": "40", "unit": "sack",
                   "unit_price": {"amount": "31.50", "currency": "EUR"}},
                  {"description": "Delivery by pallet", "quantity": "1", "unit": "trip",
                   "unit_price": {"amount": "85.00", "currency": "EUR"}}],
        "incoterm": "DAP", "delivery_place": "Manchester, GB", "lead_time_days": 7,
        "valid_until": (utcnow() + dt.timedelta(days=30)).date().isoformat(),
    }
    payload.update(changes)
    return payload


def rfq_payload(buyer_id, **changes):
    payload = {
        "organization_id": buyer_id, "title": "Organic durum wheat for our pasta line",
        "description": "Certified organic, protein at least 13 %, delivered in 25 kg sacks.",
        "cpv_code": "03211110", "quantity": "500", "unit": "kg", "delivery_country": "GB",
        "needed_by": (utcnow() + dt.timedelta(days=40)).date().isoformat(),
        "quotes_due": (utcnow() + dt.timedelta(days=10)).isoformat(), "visibility": "public",
    }
    payload.update(changes)
    return payload


class Trade:
    """The market, and short ways to act in it through the API."""

    def __init__(self, app, client, make, auth):
        self.app, self.client, self.make, self.auth = app, client, make, auth
        self.buyer_admin = make.user(name="Buyer Admin")
        self.buyer = make.organization(self.buyer_admin, name="Northern Wholesale Co-operative", verified=True)
        self.seller_admin = make.user(name="Seller Admin")
        self.seller = make.organization(self.seller_admin, name="Valley Mills Cooperative", verified=True)
        self.third_admin = make.user(name="Third Admin")
        self.third = make.organization(self.third_admin, name="Hill Traders Ltd", legal_form="sme")
        self.listing = make.listing(self.seller, title="Stone-ground spelt flour", price=None, cpv_code="15612100")
        self.h = {"buyer": auth(make.token(self.buyer_admin)), "seller": auth(make.token(self.seller_admin)),
                  "third": auth(make.token(self.third_admin)), "anonymous": {}}
        for side, organization in (("buyer", self.buyer), ("seller", self.seller)):
            for role in ("buyer", "seller", "finance"):
                self.h[f"{side}_{role}"] = auth(make.token(make.member(organization, role=role)))

    def post(self, path, payload=None, who="buyer", status=(200, 201)):
        response = self.client.post(path, json=payload, headers=self.h[who])
        if status is not None:
            assert response.status_code in ((status,) if isinstance(status, int) else status), response.get_json()
        return response.get_json()

    def get(self, path, who="buyer"):
        return self.client.get(path, headers=self.h[who])

    def ask(self, body="Could you quote 40 sacks delivered to Manchester?"):
        return self.post("/api/v1/conversations", {
            "organization_id": self.buyer.id, "with_organization_id": self.seller.id,
            "subject": {"kind": "listing", "id": self.listing.id}, "body": body})

    def quote(self, conversation_id=None, **changes):
        conversation_id = conversation_id or self.ask()["id"]
        return self.post("/api/v1/quotes", quote_payload(self.seller.id, self.buyer.id, conversation_id=conversation_id,
                                                         **changes), who="seller")

    def order(self):
        return self.post(f"/api/v1/quotes/{self.quote()['id']}/accept")["order"]

    def counts(self):
        """Rows of every trade table and queued mails: what a refused request must leave as it was."""
        with self.app.app_context():
            return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                    for model in (Conversation, Message, Quote, Order, Rfq, MailOutbox)}


@pytest.fixture
def trade(app, client, make, auth):
    return Trade(app, client, make, auth)


@pytest.fixture(autouse=True)
def attachments_folder(app, tmp_path, monkeypatch):
    """Files attached to messages go to a folder of the test's own."""
    monkeypatch.setitem(app.config, "ATTACHMENTS_DIR", str(tmp_path / "attachments"))


# Helpers for the acceptance tests of issue 14 ------------------------------------------------------------------------


def snapshot(app):
    """Every trade row a refused request must leave as it was, with what a request could change in it."""
    from app.notices.models import Notification
    from app.trade.models import ConversationRead, OrganizationBlock, TradeTotal

    def rows(model, *columns):
        return [tuple(getattr(row, column) for column in columns)
                for row in db.session.scalars(select(model).order_by(*model.__table__.primary_key.columns))]

    with app.app_context():
        return {
            "conversations": rows(Conversation, "id", "message_count", "last_message_id", "subject_kind", "subject_id"),
            "messages": rows(Message, "id", "conversation_id", "sender_organization_id", "body", "attachment_key"),
            "reads": rows(ConversationRead, "conversation_id", "user_id", "message_id"),
            "blocks": rows(OrganizationBlock, "blocker_id", "blocked_id"),
            "rfqs": rows(Rfq, "id", "status", "title", "quantity_milli", "quotes_due", "visibility", "suppliers_notified"),
            "quotes": rows(Quote, "id", "status", "version", "total_minor", "currency", "valid_until", "decided_at"),
            "orders": rows(Order, "id", "status", "total_minor", "rating", "cancel_reason", "confirmed_at", "shipped_at",
                           "delivered_at", "completed_at", "cancelled_at"),
            "totals": rows(TradeTotal, "currency", "dimension", "key", "orders", "value_minor", "cooperative_minor",
                           "inter_cooperative_minor"),
            "mails": db.session.scalar(select(func.count()).select_from(MailOutbox)),
            "notifications": db.session.scalar(select(func.count()).select_from(Notification)),
        }


def order_at(trade, status):
    """A new order of the buyer from the seller, moved through the API to `status` (completed: rated 4)."""
    order = trade.order()
    path = f"/api/v1/orders/{order['id']}"
    moves = {"placed": [], "confirmed": [("confirm", "seller")], "shipped": [("confirm", "seller"), ("ship", "seller")],
             "delivered": [("confirm", "seller"), ("ship", "seller"), ("deliver", "buyer")],
             "completed": [("confirm", "seller"), ("ship", "seller"), ("deliver", "buyer"), ("rating", "buyer")],
             "cancelled": [("cancel", "buyer")]}[status]
    for move, who in moves:
        body = {"rating": 4} if move == "rating" else {"reason": "Ordered twice by mistake."} if move == "cancel" else None
        order = trade.post(f"{path}/{move}", body, who=who)
    assert order["status"] == status
    return order


def problem_of(response):
    """The problem body of a refusal: {"code", "message", "fields"}, nothing else."""
    body = response.get_json()
    assert body is not None and set(body) == {"error"}, response.get_data(as_text=True)[:500]
    assert set(body["error"]) == {"code", "message", "fields"} and body["error"]["message"], body
    return body["error"]
