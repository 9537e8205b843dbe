"""The money of trade (issue 14): a line is its quantity (at most three decimals) times its unit price, rounded half up
to the currency's minor unit; a quote's total is the sum of its lines; an order is its accepted quote's, to the minor
unit; a revision keeps the quote's history; and the transparency figures kept as orders come and go are the ones
recomputed from the orders."""
import decimal
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.money import Money, exponent
from app.tenders.transparency import UNKNOWN
from app.trade import totals
from app.trade.models import QUANTITY_SCALE, Order
from app.trade.pricing import line_total_minor
from tests.trade.conftest import quote_payload

CURRENCIES = ["JPY", "EUR", "KWD"]  # minor units of 0, 2 and 3 decimals
API = settings(max_examples=12, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def decimal_line_total(quantity, unit_price, currency):
    """quantity × unit price in Decimal arithmetic, quantized half up to the currency's minor unit."""
    with decimal.localcontext(prec=60):
        return (quantity * unit_price).quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_UP)


quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10**9), places=3)


@settings(max_examples=200, derandomize=True)
@given(currency=st.sampled_from(CURRENCIES), quantity=quantities, unit_price_minor=st.integers(1, 10**12 * 1000))
def test_a_line_total_is_the_exact_product_rounded_half_up_to_the_minor_unit(currency, quantity, unit_price_minor):
    unit_price = Money(unit_price_minor, currency).amount
    expected = decimal_line_total(quantity, unit_price, currency)
    assert line_total_minor(int(quantity * QUANTITY_SCALE), unit_price_minor) == int(expected.scaleb(exponent(currency)))


@pytest.mark.parametrize("currency, quantity, unit_price, total", [
    ("EUR", "0.5", "0.01", "0.01"),       # 0.005 up, not to even
    ("EUR", "2.5", "0.01", "0.03"),       # 0.025: half up gives 0.03, banker's rounding 0.02
    ("EUR", "0.499", "0.01", "0.00"),
    ("EUR", "333.333", "3.00", "1000.00"),  # 999.999
    ("JPY", "1.5", "1", "2"),
    ("JPY", "2.5", "1", "3"),
    ("JPY", "0.001", "499", "0"),
    ("JPY", "0.001", "500", "1"),
    ("KWD", "0.5", "0.001", "0.001"),
    ("KWD", "1.001", "1.999", "2.001"),   # 2.000999
    ("KWD", "1000000000", "1000000000.000", "1000000000000000000.000"),
])
def test_worked_examples_of_line_totals(currency, quantity, unit_price, total):
    quantity_milli = int(Decimal(quantity) * QUANTITY_SCALE)
    minor = line_total_minor(quantity_milli, Money.parse(unit_price, currency).minor)
    assert Money(minor, currency).as_decimal_string() == total


# Through the API ------------------------------------------------------------------------------------------------------


def _amount(minor, currency):
    return Money(minor, currency).as_decimal_string()


lines = st.lists(st.tuples(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3),
                           st.integers(1, 100_000)), min_size=1, max_size=5)


@API
@given(currency=st.sampled_from(CURRENCIES), drawn=lines, data=st.data())
def test_a_quote_totals_its_lines_and_its_order_copies_them_to_the_minor_unit(trade, currency, drawn, data):
    places = exponent(currency)
    payload_lines, expected = [], []
    for number, (quantity, major_price) in enumerate(drawn, start=1):
        unit_price_minor = data.draw(st.integers(1, major_price * 10**places), label=f"unit price {number}")
        payload_lines.append({"description": f"Line {number}", "quantity": f"{quantity:f}", "unit": "kg",
                              "unit_price": {"amount": _amount(unit_price_minor, currency), "currency": currency}})
        expected.append(decimal_line_total(quantity, Money(unit_price_minor, currency).amount, currency))
    response = trade.client.post("/api/v1/quotes", headers=trade.h["seller"], json=quote_payload(
        trade.seller.id, trade.buyer.id, conversation_id=trade.ask()["id"], currency=currency, lines=payload_lines))

    if sum(expected) == 0:  # every line rounds to nothing: no quote of nothing
        assert response.status_code == 422 and "lines" in response.get_json()["error"]["fields"]
        return
    assert response.status_code == 201, response.get_json()
    quote = response.get_json()
    assert [Decimal(line["total"]["amount"]) for line in quote["lines"]] == expected
    assert [line["quantity"] for line in quote["lines"]] == [f"{quantity.normalize():f}" for quantity, _ in drawn]
    assert quote["total"] == {"amount": _amount(int(sum(expected).scaleb(places)), currency), "currency": currency}
    assert Decimal(quote["total"]["amount"]) == sum(Decimal(line["total"]["amount"]) for line in quote["lines"])

    order = trade.post(f"/api/v1/quotes/{quote['id']}/accept")["order"]
    assert order["quote_id"] == quote["id"] and order["total"] == quote["total"]
    assert order["lines"] == [{key: line[key] for key in order["lines"][0]} for line in quote["lines"]]
    assert trade.get(f"/api/v1/orders/{order['id']}").get_json()["lines"] == order["lines"]


def test_a_revision_keeps_the_history_and_only_the_latest_version_can_be_accepted(trade):
    first = trade.quote()
    conversation_id = first["conversation_id"]

    def revise(quote, price):
        lines = [{"description": "Organic spelt flour, 25 kg sacks", "quantity": "40", "unit": "sack",
                  "unit_price": {"amount": price, "currency": "EUR"}}]
        return trade.post(f"/api/v1/quotes/{quote['id']}/revise", quote_payload(
            trade.seller.id, trade.buyer.id, conversation_id=conversation_id, lines=lines), who="seller")

    second = revise(first, "30.00")
    third = revise(second, "29.13")
    assert (second["version"], third["version"]) == (2, 3)
    assert (second["total"]["amount"], third["total"]["amount"]) == ("1200.00", "1165.20")
    history = [(first["id"], 1, "superseded", "1345.00"), (second["id"], 2, "superseded", "1200.00"),
               (third["id"], 3, "sent", "1165.20")]
    for quote in (first, second, third):
        read = trade.get(f"/api/v1/quotes/{quote['id']}").get_json()
        assert [(v["id"], v["version"], v["status"], v["total"]["amount"]) for v in read["versions"]] == history
    assert trade.get(f"/api/v1/quotes/{first['id']}").get_json()["lines"] == first["lines"]  # the old one, as it was

    for old in (first, second):
        response = trade.client.post(f"/api/v1/quotes/{old['id']}/accept", headers=trade.h["buyer"])
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "quote_superseded"
    order = trade.post(f"/api/v1/quotes/{third['id']}/accept")["order"]
    assert order["quote_id"] == third["id"] and order["total"] == {"amount": "1165.20", "currency": "EUR"}
    assert trade.get(f"/api/v1/quotes/{third['id']}").get_json()["order_id"] == order["id"]
    assert [v["status"] for v in trade.get(f"/api/v1/quotes/{first['id']}").get_json()["versions"]] == [
        "superseded", "superseded", "accepted"]
    response = trade.client.post(f"/api/v1/quotes/{third['id']}/revise", headers=trade.h["seller"], json=quote_payload(
        trade.seller.id, trade.buyer.id, conversation_id=conversation_id))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "quote_accepted"
    figures = trade.client.get("/api/v1/transparency/trade?currency=EUR").get_json()
    assert figures["totals"]["orders"] == 1 and figures["totals"]["value"]["amount"] == "1165.20"


# The transparency figures -------------------------------------------------------------------------------------------


class Deals:
    """Orders between the market's organisations and a fourth, an unverified fishers' co-operative in Kenya."""

    def __init__(self, trade, make, auth):
        self.trade = trade
        admin = make.user(name="Lake Admin")
        self.lake = make.organization(admin, name="Lake Victoria Fishers", legal_form="cooperative", country="KE",
                                      sector="fisheries")
        trade.h["lake"] = auth(make.token(admin))
        self.organizations = {"buyer": trade.buyer, "seller": trade.seller, "third": trade.third, "lake": self.lake}
        self.conversations = {}

    def order(self, buyer, seller, currency, minor):
        """An order of `buyer` from `seller` (market names) worth `minor` in `currency`."""
        trade = self.trade
        if (buyer, seller) not in self.conversations:
            self.conversations[buyer, seller] = trade.post("/api/v1/conversations", {
                "organization_id": self.organizations[buyer].id, "with_organization_id": self.organizations[seller].id,
                "body": "Could you quote?"}, who=buyer)["id"]
        lines = [{"description": "Goods", "quantity": "1", "unit": "lot",
                  "unit_price": {"amount": _amount(minor, currency), "currency": currency}}]
        quote = trade.post("/api/v1/quotes", quote_payload(
            self.organizations[seller].id, self.organizations[buyer].id, conversation_id=self.conversations[buyer, seller],
            currency=currency, lines=lines), who=seller)
        return trade.post(f"/api/v1/quotes/{quote['id']}/accept", who=buyer)["order"]

    def cancel(self, order, who):
        self.trade.post(f"/api/v1/orders/{order['id']}/cancel", {"reason": "Sold out."}, who=who)


def dashboards(trade):
    client = trade.client
    return {currency: client.get(f"/api/v1/transparency/trade?currency={currency}").get_json()
            for currency in ("EUR", "JPY", "KWD")}


def recomputed(trade, currency):
    """The dashboard's figures as the orders of `currency` add up, summed here in Python."""
    with trade.app.app_context():
        found = [order for order in db.session.scalars(select(Order).where(Order.currency == currency))
                 if order.status != "cancelled"]

    def figures(subset):
        value = sum(order.total_minor for order in subset)
        cooperative = sum(order.total_minor for order in subset if order.seller_verified_cooperative)
        inter = sum(order.total_minor for order in subset
                    if order.seller_verified_cooperative and order.buyer_verified_cooperative)
        return (len(subset), _amount(value, currency), _amount(cooperative, currency), _amount(inter, currency))

    groups = {"region": lambda o: o.seller_region or UNKNOWN, "sector": lambda o: o.seller_sector,
              "month": lambda o: o.placed_at.strftime("%Y-%m")}
    result = {"totals": figures(found)}
    for dimension, key in groups.items():
        grouped = defaultdict(list)
        for order in found:
            grouped[key(order)].append(order)
        result[dimension] = {name: figures(subset) for name, subset in grouped.items()}
    return result


def shown(dashboard):
    def figures(row):
        return (row["orders"], row["value"]["amount"], row["cooperative_value"]["amount"],
                row["inter_cooperation_value"]["amount"])

    result = {"totals": figures(dashboard["totals"])}
    for dimension in ("region", "sector", "month"):
        result[dimension] = {row["key"]: figures(row) for row in dashboard[f"by_{dimension}"]}
    return result


def rebuilt(trade):
    with trade.app.app_context():
        totals.rebuild()
        db.session.commit()
    return dashboards(trade)


def test_the_figures_kept_as_orders_are_placed_and_cancelled_are_those_rebuilt_from_the_orders(trade, make, auth):
    deals = Deals(trade, make, auth)
    kept = [deals.order("buyer", "seller", "EUR", 134_500), deals.order("third", "seller", "EUR", 20_000),
            deals.order("buyer", "third", "EUR", 5_025), deals.order("buyer", "lake", "EUR", 70_001),
            deals.order("buyer", "seller", "JPY", 250_000), deals.order("buyer", "lake", "JPY", 3)]
    deals.cancel(deals.order("buyer", "seller", "EUR", 99_999), "buyer")
    deals.cancel(deals.order("third", "seller", "JPY", 7_000), "seller")
    deals.cancel(deals.order("buyer", "lake", "EUR", 12_345), "lake")
    trade.post(f"/api/v1/orders/{kept[0]['id']}/confirm", who="seller")  # moves other than a cancel change nothing

    before = dashboards(trade)
    assert before["EUR"]["currencies"] == ["EUR", "JPY"]
    eur = shown(before["EUR"])
    assert eur["totals"] == (4, "2295.26", "1545.00", "1345.00")
    assert eur["region"] == {"Europe": (3, "1595.25", "1545.00", "1345.00"), "Africa": (1, "700.01", "0.00", "0.00")}
    assert eur["sector"] == {"agriculture": (3, "1595.25", "1545.00", "1345.00"), "fisheries": (1, "700.01", "0.00", "0.00")}
    assert before["EUR"]["totals"]["cooperative_share"] == "67.3" and before["EUR"]["totals"]["inter_cooperation_share"] == "58.6"
    assert shown(before["JPY"])["totals"] == (2, "250003", "250000", "250000")
    assert before["KWD"]["totals"]["orders"] == 0
    for currency in ("EUR", "JPY"):
        assert shown(before[currency]) == recomputed(trade, currency)

    assert rebuilt(trade) == before


@API
@given(deals_drawn=st.lists(st.tuples(
    st.sampled_from([("buyer", "seller"), ("third", "seller"), ("buyer", "third"), ("buyer", "lake")]),
    st.sampled_from(["EUR", "JPY"]), st.integers(1, 10**7), st.sampled_from([None, "buyer", "seller"])),
    min_size=1, max_size=4))
def test_any_mix_of_placed_and_cancelled_orders_adds_up_to_what_rebuilding_finds(trade, make, auth, deals_drawn):
    if "lake" not in trade.h:
        trade.deals = Deals(trade, make, auth)
    deals = trade.deals
    for (buyer, seller), currency, minor, cancelled_by in deals_drawn:
        order = deals.order(buyer, seller, currency, minor)
        if cancelled_by is not None:
            deals.cancel(order, buyer if cancelled_by == "buyer" else seller)
    before = dashboards(trade)
    for currency in ("EUR", "JPY"):
        assert shown(before[currency]) == recomputed(trade, currency)
    assert rebuilt(trade) == before


def test_an_average_rating_rounds_half_up_to_one_decimal():
    from app.trade.record import average_rating

    assert [average_rating(total, count) for total, count in ((17, 4), (13, 4), (7, 2), (9, 2), (0, 0))] == \
        [4.3, 3.3, 3.5, 4.5, None]
    assert average_rating(10, 3) == 3.3 and average_rating(11, 3) == 3.7
