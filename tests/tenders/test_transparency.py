"""The transparency dashboard: contract value and the verified-cooperative share, as JSON, CSV and SVG charts."""
import csv
import io
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.tenders.transparency import share


def _award(market, who, amount, currency="EUR", policy=None):
    tender = market.published(currency=currency, budget=None, lots=[{"title": "Only lot"}],
                              preference=policy or {"policy": "none"})
    bid = market.bid(tender, 0, who, amount)
    market.pass_deadline(tender)
    assert market.award(tender, 0, bid["id"]).status_code == 201
    return tender


def test_the_dashboard_adds_up_contract_value_and_the_cooperative_share_per_currency(market, client):
    _award(market, "coop", "3000.00")                                       # verified co-op, agriculture
    _award(market, "sme", "1000.00", policy={"policy": "price_margin", "margin_percent": "10"})
    _award(market, "unverified", "500.00")                                 # a co-op, but not verified
    _award(market, "coop", "250000", currency="JPY")

    data = client.get("/api/v1/transparency/contracts").get_json()

    assert data["currency"] == "EUR" and data["currencies"] == ["EUR", "JPY"]
    assert data["totals"] == {"key": "all", "contracts": 3, "value": {"amount": "4500.00", "currency": "EUR"},
                              "cooperative_value": {"amount": "3000.00", "currency": "EUR"}, "cooperative_share": "66.7"}
    by_policy = {row["key"]: (row["contracts"], row["value"]["amount"], row["cooperative_share"]) for row in data["by_policy"]}
    assert by_policy == {"none": (2, "3500.00", "85.7"), "price_margin": (1, "1000.00", "0.0")}
    assert [row["key"] for row in data["by_region"]] == ["Europe"]
    assert sum(row["contracts"] for row in data["by_month"]) == 3
    assert sum(Decimal(row["value"]["amount"]) for row in data["by_sector"]) == Decimal("4500.00")

    yen = client.get("/api/v1/transparency/contracts?currency=JPY").get_json()
    assert yen["totals"]["value"] == {"amount": "250000", "currency": "JPY"} and yen["totals"]["cooperative_share"] == "100.0"
    assert client.get("/api/v1/transparency/contracts?currency=usd").status_code == 422
    empty = client.get("/api/v1/transparency/contracts?currency=USD").get_json()
    assert empty["totals"]["contracts"] == 0 and empty["totals"]["cooperative_share"] is None


def test_the_page_draws_charts_without_javascript_and_the_csv_holds_the_same_figures(market, client):
    _award(market, "coop", "3000.00")
    _award(market, "sme", "1000.00")

    page = client.get("/transparency")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    contracts = html.split('id="trade"', 1)[0]  # the contract charts, before the trade and SDG sections
    assert contracts.count("<svg") == 4 and 'id="by-policy"' in contracts
    assert "4,000.00 EUR" in html and "75.0 %" in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]

    response = client.get("/transparency.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    total = next(row for row in rows if row["dimension"] == "all")
    assert (total["value"], total["cooperative_value"], total["cooperative_share_percent"]) == ("4000.00", "3000.00", "75.0")
    assert {row["dimension"] for row in rows} == {"all", "region", "sector", "policy", "month"}
    assert client.get("/transparency?currency=nope").status_code == 404
    assert client.get("/transparency.csv?currency=USD").status_code == 200


def test_with_no_contracts_the_page_says_so(client):
    html = client.get("/transparency").get_data(as_text=True)
    assert "No contracts yet." in html


@given(st.integers(0, 10**15), st.integers(1, 10**15))
def test_the_share_is_a_percentage_between_0_and_100_rounded_half_up(part, extra):
    whole = part + extra - 1 if part else extra
    percent = share(part, whole)
    assert Decimal(0) <= percent <= Decimal(100)
    assert abs(percent - Decimal(part) * 100 / Decimal(whole)) <= Decimal("0.05")
    assert share(part, 0) is None


def test_the_running_totals_kept_at_each_award_equal_a_rebuild_from_the_contracts(app, market, client):
    _award(market, "coop", "3000.00")
    _award(market, "sme", "1000.00", policy={"policy": "price_margin", "margin_percent": "10"})
    _award(market, "unverified", "500.00")
    _award(market, "coop", "250000", currency="JPY")
    kept = {currency: client.get(f"/api/v1/transparency/contracts?currency={currency}").get_json() for currency in ("EUR", "JPY")}

    result = app.test_cli_runner().invoke(args=["tenders", "rebuild-totals"])

    assert result.exit_code == 0 and "totals rebuilt" in result.output
    rebuilt = {currency: client.get(f"/api/v1/transparency/contracts?currency={currency}").get_json() for currency in ("EUR", "JPY")}
    assert rebuilt == kept
    assert kept["EUR"]["by_month"][0]["contracts"] == 3


def test_the_csv_writes_keys_as_inert_text_and_figures_as_numbers():
    from app.csv_export import csv_text
    from app.tenders.transparency import _figures, csv_rows

    data = {"currency": "EUR", "totals": _figures("all", 2, 400_000, 300_000, "EUR"),
            "by_region": [_figures("=HYPERLINK(\"http://evil.example\")", 1, 100_000, 0, "EUR")],
            "by_sector": [_figures("@agriculture", 1, 300_000, 300_000, "EUR")], "by_policy": [],
            "by_month": [_figures("-2026-01", 2, 400_000, 300_000, "EUR")]}
    rows = list(csv.reader(io.StringIO(csv_text(csv_rows(data)), newline="")))
    assert rows[1] == ["all", "all", "EUR", "2", "4000.00", "3000.00", "75.0"]
    assert [row[1] for row in rows[2:]] == ["'=HYPERLINK(\"http://evil.example\")", "'@agriculture", "'-2026-01"]
    assert rows[2][4:] == ["1000.00", "0.00", "0.0"]
