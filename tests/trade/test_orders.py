"""Orders (issue 14): placed → confirmed (seller) → shipped (seller) → delivered (buyer) → completed (on the buyer's
rating, or 14 days after delivery), cancelled by either side before shipping; an organisation's orders as a list and a
CSV; and the supplier's track record of completed orders and tender contracts."""
import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models_base import utcnow
from app.notices.models import Notification
from app.tenders.models import Tender
from app.trade import orders
from app.trade.models import Order, TradeTotal
from app.trade.record import track_record, track_records
from tests.conftest import login
from tests.tenders.conftest import tender_payload
from tests.trade.conftest import order_at, problem_of, quote_payload, rfq_payload, snapshot

STATES = ("placed", "confirmed", "shipped", "delivered", "completed", "cancelled")
#: Each move through the API: (path, caller, body).
MOVES = {
    "confirm": ("confirm", "seller", None),
    "ship": ("ship", "seller", None),
    "deliver": ("deliver", "buyer", None),
    "cancel by the buyer": ("cancel", "buyer", {"reason": "We ordered twice."}),
    "cancel by the seller": ("cancel", "seller", {"reason": "The harvest failed."}),
    "rate": ("rating", "buyer", {"rating": 5, "comment": "Lovely flour."}),
}
#: (state, move) → the state it leads to; every other move is refused.
ALLOWED = {
    ("placed", "confirm"): "confirmed",
    ("placed", "cancel by the buyer"): "cancelled",
    ("placed", "cancel by the seller"): "cancelled",
    ("confirmed", "ship"): "shipped",
    ("confirmed", "cancel by the buyer"): "cancelled",
    ("confirmed", "cancel by the seller"): "cancelled",
    ("shipped", "deliver"): "delivered",
    ("delivered", "rate"): "completed",
}
STAMPS = {"confirmed": "confirmed_at", "shipped": "shipped_at", "delivered": "delivered_at", "completed": "completed_at",
          "cancelled": "cancelled_at"}


def _notices(trade, organization):
    with trade.app.app_context():
        return [notice.text for notice in db.session.scalars(
            select(Notification).where(Notification.organization_id == organization.id).order_by(Notification.id))]


def _everything(trade):
    with trade.app.app_context():
        row = db.session.get(TradeTotal, ("EUR", "all", "all"))
        return (row.orders, row.value_minor) if row else (0, 0)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("move", MOVES)
def test_every_move_from_every_state_is_made_or_refused_as_the_machine_says(trade, state, move):
    order = order_at(trade, state)
    path, who, body = MOVES[move]
    other = trade.buyer if who == "seller" else trade.seller
    told_before, figures_before, before = len(_notices(trade, other)), _everything(trade), snapshot(trade.app)

    response = trade.client.post(f"/api/v1/orders/{order['id']}/{path}", json=body, headers=trade.h[who])

    if (state, move) not in ALLOWED:
        assert response.status_code == 409, response.get_json()
        assert problem_of(response)["code"] == ("already_rated" if (state, move) == ("completed", "rate") else "order_state")
        assert snapshot(trade.app) == before
        return
    moved = response.get_json()
    assert response.status_code == 200 and moved["status"] == ALLOWED[state, move], moved
    stamp = STAMPS[moved["status"]]
    assert moved[stamp] is not None and order[stamp] is None
    assert {key: value for key, value in moved.items() if key not in (stamp, "status", "cancel_reason", "rating",
                                                                     "rating_comment")} == \
        {key: value for key, value in order.items() if key not in (stamp, "status", "cancel_reason", "rating",
                                                                  "rating_comment")}
    assert len(_notices(trade, other)) == told_before + 1  # the other side is told
    if moved["status"] == "cancelled":
        assert moved["cancel_reason"] == body["reason"]
        assert _everything(trade) == (figures_before[0] - 1, figures_before[1] - 134_500)
    else:
        assert _everything(trade) == figures_before
    if move == "rate":
        assert (moved["rating"], moved["rating_comment"]) == (5, "Lovely flour.")
    assert trade.get(f"/api/v1/orders/{order['id']}", who="buyer_finance").get_json() == moved


def test_an_order_cancelled_by_the_seller_says_so_and_why(trade):
    order = trade.order()
    trade.post(f"/api/v1/orders/{order['id']}/cancel", {"reason": "  Our mill broke down.  "}, who="seller_seller")
    with trade.app.app_context():
        cancelled = db.session.get(Order, order["id"])
        assert (cancelled.status, cancelled.cancelled_by_organization_id, cancelled.cancel_reason) == (
            "cancelled", trade.seller.id, "Our mill broke down.")
    assert any("Our mill broke down." in message for message in _notices(trade, trade.buyer))


# Completion without a rating ----------------------------------------------------------------------------------------


def _delivered_at(trade, order):
    with trade.app.app_context():
        return db.session.get(Order, order["id"]).delivered_at


def test_a_delivered_order_completes_itself_fourteen_days_after_delivery(trade):
    delivered = order_at(trade, "delivered")
    shipped = order_at(trade, "shipped")
    delivered_at = _delivered_at(trade, delivered)

    with trade.app.app_context():
        assert orders.complete_delivered(now=delivered_at + dt.timedelta(days=13)) == 0
        db.session.commit()
    assert trade.get(f"/api/v1/orders/{delivered['id']}").get_json()["status"] == "delivered"

    later = delivered_at + dt.timedelta(days=15)
    with trade.app.app_context():
        assert orders.complete_delivered(now=later) == 1
        db.session.commit()
    completed = trade.get(f"/api/v1/orders/{delivered['id']}").get_json()
    assert completed["status"] == "completed" and completed["rating"] is None
    assert dt.datetime.fromisoformat(completed["completed_at"]) == later
    assert trade.get(f"/api/v1/orders/{shipped['id']}").get_json()["status"] == "shipped"
    with trade.app.app_context():
        assert orders.complete_delivered(now=later) == 0  # done once

    # The buyer may still rate it, once; it stays completed.
    rated = trade.post(f"/api/v1/orders/{delivered['id']}/rating", {"rating": 3})
    assert (rated["status"], rated["rating"], rated["completed_at"]) == ("completed", 3, completed["completed_at"])
    response = trade.client.post(f"/api/v1/orders/{delivered['id']}/rating", json={"rating": 5}, headers=trade.h["buyer"])
    assert response.status_code == 409 and problem_of(response)["code"] == "already_rated"


def test_the_command_completes_the_orders_delivered_more_than_fourteen_days_ago(app, trade):
    old, recent = order_at(trade, "delivered"), order_at(trade, "delivered")
    with trade.app.app_context():
        db.session.execute(update(Order).where(Order.id == old["id"])
                           .values(delivered_at=utcnow() - dt.timedelta(days=15)))
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["trade", "complete-orders"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 order(s) completed"
    assert trade.get(f"/api/v1/orders/{old['id']}").get_json()["status"] == "completed"
    assert trade.get(f"/api/v1/orders/{recent['id']}").get_json()["status"] == "delivered"
    assert app.test_cli_runner().invoke(args=["trade", "complete-orders"]).output.strip() == "0 order(s) completed"


# An organisation's orders -------------------------------------------------------------------------------------------


def _sale_to_third(trade, **changes):
    """An order of the third organisation from the buyer organisation (selling, this time)."""
    conversation = trade.post("/api/v1/conversations", {"organization_id": trade.third.id,
                                                        "with_organization_id": trade.buyer.id, "body": "Oats?"},
                              who="third")
    quote = trade.post("/api/v1/quotes", quote_payload(trade.buyer.id, trade.third.id, conversation_id=conversation["id"],
                                                       **changes), who="buyer")
    return trade.post(f"/api/v1/quotes/{quote['id']}/accept", who="third")["order"]


@pytest.fixture
def book(trade):
    """The buyer organisation's orders, oldest first: three purchases (placed, cancelled, delivered) and a sale."""
    return [order_at(trade, "placed"), order_at(trade, "cancelled"), order_at(trade, "delivered"), _sale_to_third(trade)]


@pytest.mark.parametrize("who, query, expected", [
    ("buyer", "", [3, 2, 1, 0]),
    ("buyer", "?role=buyer", [2, 1, 0]),
    ("buyer", "?role=seller", [3]),
    ("buyer", "?status=placed", [3, 0]),
    ("buyer", "?role=buyer&status=cancelled", [1]),
    ("buyer", "?role=seller&status=cancelled", []),
    ("buyer", "?status=completed", []),
    ("buyer", "?per_page=2&page=2", [1, 0]),
    ("buyer_finance", "", [3, 2, 1, 0]),
    ("buyer_buyer", "", [2, 1, 0]),       # buys: not the organisation's sales
    ("buyer_buyer", "?role=seller", []),
    ("buyer_seller", "", [3]),            # sells: not its purchases
])
def test_an_organisations_orders_are_listed_by_role_and_status(trade, book, who, query, expected):
    response = trade.get(f"/api/v1/organizations/{trade.buyer.id}/orders{query}", who=who)
    assert response.status_code == 200, response.get_json()
    page = response.get_json()
    assert [item["id"] for item in page["items"]] == [book[index]["id"] for index in expected]
    assert page["total"] == (len(expected) if "page=2" not in query else 4)
    for item in page["items"]:
        assert trade.get(f"/api/v1/orders/{item['id']}", who=who).status_code == 200


def test_the_seller_sees_the_same_orders_from_its_side(trade, book):
    page = trade.get(f"/api/v1/organizations/{trade.seller.id}/orders?role=seller", who="seller").get_json()
    assert [item["id"] for item in page["items"]] == [book[2]["id"], book[1]["id"], book[0]["id"]]
    assert trade.get(f"/api/v1/organizations/{trade.seller.id}/orders?role=buyer", who="seller").get_json()["items"] == []


def test_the_csv_of_an_organisations_orders_has_a_header_a_row_per_order_and_no_formulas(client, trade):
    purchase = trade.order()
    sale = _sale_to_third(trade, delivery_place="=HYPERLINK(\"http://example.com\",\"x\")", incoterm="EXW")
    login(client, trade.buyer_admin)

    response = client.get(f"/organizations/{trade.buyer.id}/orders.csv")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="coopex-orders-{trade.buyer.id}.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["order", "placed_at", "role", "counterparty", "status", "currency", "total", "incoterm",
                       "delivery_place", "lines", "rating"]
    assert [row[:4] for row in rows[1:]] == [
        [str(sale["id"]), rows[1][1], "seller", "Hill Traders Ltd"],
        [str(purchase["id"]), rows[2][1], "buyer", "Valley Mills Cooperative"]]
    assert rows[1][4:] == ["placed", "EUR", "1345.00", "EXW", "'=HYPERLINK(\"http://example.com\",\"x\")", "2", ""]
    assert rows[2][4:] == ["placed", "EUR", "1345.00", "DAP", "Manchester, GB", "2", ""]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_a_stranger_gets_no_csv_of_an_organisations_orders(client, trade, make):
    trade.order()
    stranger = make.user()
    make.organization(stranger, name="Curious Co-operative")
    login(client, stranger)
    response = client.get(f"/organizations/{trade.buyer.id}/orders.csv")
    assert response.status_code == 403 and "Valley Mills" not in response.get_data(as_text=True)


# The supplier's track record ----------------------------------------------------------------------------------------


def _tender_contract(trade, rating=None, status="completed"):
    """A contract the seller wins on a tender of the buyer, ended with `status` and rated `rating` (or not)."""
    client, h = trade.client, trade.h
    tender = client.post("/api/v1/tenders", headers=h["buyer"], json=tender_payload(
        trade.buyer.id, lots=[{"title": "Flour for the year"}], preference={"policy": "none"})).get_json()
    assert client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=h["buyer"]).status_code == 200
    lot = tender["lots"][0]["id"]
    bid = client.post(f"/api/v1/tenders/{tender['id']}/lots/{lot}/bids", headers=h["seller"], json={
        "organization_id": trade.seller.id, "price": {"amount": "9000.00", "currency": "EUR"}, "delivery_days": 5,
        "proposal": "Stone-ground, delivered weekly."}).get_json()
    with trade.app.app_context():
        db.session.execute(update(Tender).where(Tender.id == tender["id"])
                           .values(deadline=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
    awarded = client.post(f"/api/v1/tenders/{tender['id']}/lots/{lot}/award", headers=h["buyer"],
                          json={"bid_id": bid["id"], "justification": ""})
    assert awarded.status_code == 201, awarded.get_json()
    contract = awarded.get_json()["contract"]
    if status != "active":
        assert client.patch(f"/api/v1/contracts/{contract['id']}", headers=h["buyer"],
                            json={"status": status}).status_code == 200
    if rating is not None:
        assert client.post(f"/api/v1/contracts/{contract['id']}/rating", headers=h["buyer"],
                           json={"rating": rating}).status_code == 201
    return contract


def test_the_track_record_counts_completed_orders_and_contracts_and_averages_their_ratings(trade):
    with trade.app.app_context():
        assert track_record(trade.seller.id) == {"contracts": 0, "orders": 0, "completed": 0, "rating": None,
                                                 "ratings": 0}
    rated = order_at(trade, "delivered")
    trade.post(f"/api/v1/orders/{rated['id']}/rating", {"rating": 5})
    unrated = order_at(trade, "delivered")
    with trade.app.app_context():
        orders.complete_delivered(now=_delivered_at(trade, unrated) + dt.timedelta(days=15))
        db.session.commit()
    order_at(trade, "cancelled")
    order_at(trade, "delivered")          # not completed yet
    _tender_contract(trade, rating=2)
    _tender_contract(trade)               # completed, not rated
    _tender_contract(trade, status="active")
    _tender_contract(trade, status="terminated")
    sale = _sale_to_third(trade)          # the buyer organisation sells too
    for move, who in (("confirm", "buyer"), ("ship", "buyer"), ("deliver", "third")):
        trade.post(f"/api/v1/orders/{sale['id']}/{move}", who=who)
    trade.post(f"/api/v1/orders/{sale['id']}/rating", {"rating": 1}, who="third")

    with trade.app.app_context():
        records = track_records([trade.seller.id, trade.buyer.id, trade.third.id, trade.seller.id])
    assert records == {
        trade.seller.id: {"contracts": 2, "orders": 2, "completed": 4, "rating": 3.5, "ratings": 2},
        trade.buyer.id: {"contracts": 0, "orders": 1, "completed": 1, "rating": 1.0, "ratings": 1},
        trade.third.id: {"contracts": 0, "orders": 0, "completed": 0, "rating": None, "ratings": 0},
    }

    # A buyer comparing quotes on its request sees each seller's record.
    rfq = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id))
    trade.post(f"/api/v1/rfqs/{rfq['id']}/publish")
    trade.post("/api/v1/quotes", quote_payload(trade.seller.id, trade.buyer.id, rfq_id=rfq["id"]), who="seller")
    (shown,) = trade.get(f"/api/v1/rfqs/{rfq['id']}").get_json()["quotes"]
    assert shown["seller_record"] == {"completed": 4, "rating": 3.5}
