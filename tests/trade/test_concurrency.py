"""Two members of the buyer accept the same quote at the same moment, through a real HTTP server and the database's own
locks (PostgreSQL under `make test-pg`, SQLite otherwise): one order is placed, one of them is told the quote is
already accepted, and the trade figures count the order once."""

import requests
from sqlalchemy import func, select

from app.extensions import db
from app.trade.models import Order, Quote, TradeTotal
from tests.conftest import Factory, at_once
from tests.trade.conftest import Trade

ROUNDS = 3


def test_two_members_accepting_one_quote_at_once_place_one_order(committed_app, live_server):
    app = committed_app
    trade = Trade(app, app.test_client(), Factory(app), lambda secret: {"Authorization": f"Bearer {secret}"})
    quotes = [trade.quote() for _round in range(ROUNDS)]

    for quote in quotes:
        def accept(who, quote=quote):
            response = requests.post(f"{live_server}/api/v1/quotes/{quote['id']}/accept", headers=trade.h[who], timeout=60)
            return response.status_code, response.json()

        answers = at_once([lambda: accept("buyer"), lambda: accept("buyer_buyer")])

        assert sorted(status for status, _body in answers) == [201, 409], answers
        (placed,) = [body["order"] for status, body in answers if status == 201]
        (refused,) = [body["error"] for status, body in answers if status == 409]
        assert refused["code"] == "quote_accepted" and placed["quote_id"] == quote["id"]
        assert placed["total"] == quote["total"]

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == ROUNDS
        assert set(db.session.scalars(select(Quote.status))) == {"accepted"}
        everything = db.session.get(TradeTotal, ("EUR", "all", "all"))
        assert (everything.orders, everything.value_minor) == (ROUNDS, ROUNDS * 134_500)
    figures = requests.get(f"{live_server}/api/v1/transparency/trade?currency=EUR", timeout=30).json()
    assert figures["totals"]["orders"] == ROUNDS
    assert figures["totals"]["value"] == {"amount": f"{ROUNDS * 1345}.00", "currency": "EUR"}
