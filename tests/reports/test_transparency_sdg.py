"""The SDG view of the transparency dashboard: contract value, trade value and campaign money per SDG (17 rows and "no
SDG"), per currency, equal to a rebuild from the rows of every organisation, on the page and in the API."""
import pytest

from app.reports.services import transparency_by_sdg
from tests.reports.rebuild import rebuild


@pytest.mark.parametrize("currency", ["EUR", "GBP", "JPY", "USD"])
def test_the_sdg_rows_equal_a_rebuild_over_every_organisation(app, client, movement, currency):
    with app.test_request_context():
        rows = transparency_by_sdg(currency)
        expected = rebuild(None, None, currency)["by_sdg"]
    assert [row["sdg"] for row in rows] == [*range(1, 18), None]
    for row in rows:
        counter = expected.get((row["sdg"], currency), {})
        assert row["contracts"].minor == counter.get("won", 0), row
        assert row["trade"].minor == counter.get("sold", 0), row
        money = counter.get("raised", 0) + counter.get("matched", 0) - counter.get("refunded", 0)
        assert row["campaign_money"].minor == money, row
        assert {row["contracts"].currency, row["trade"].currency, row["campaign_money"].currency} == {currency}
    answer = client.get(f"/api/v1/transparency/sdgs?currency={currency}").get_json()
    assert answer["currency"] == currency and len(answer["rows"]) == 18
    assert [row["trade"]["amount"] for row in answer["rows"]] == [row["trade"].as_decimal_string() for row in rows]


def test_the_page_shows_the_17_goals_in_the_readers_language(client, movement):
    html = client.get("/transparency?currency=EUR").get_data(as_text=True)
    section = html.split('id="sdg"', 1)[1]
    assert section.count('<th scope="row"') == 18 and "17. Partnerships for the goals" in section
    assert 'id="by-sdg"' in section and "the rows do not add up to the totals" in section
    french = client.get("/transparency?currency=EUR", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "1. Pas de pauvreté" in french.split('id="sdg"', 1)[1]
    spanish = client.get("/api/v1/transparency/sdgs?currency=EUR", headers={"Accept-Language": "es"}).get_json()
    assert spanish["rows"][1]["label"] == "Hambre Cero"


def test_the_api_picks_the_most_used_currency_and_refuses_an_unknown_one(client, movement):
    assert client.get("/api/v1/transparency/sdgs").status_code == 200
    assert client.get("/api/v1/transparency/sdgs?currency=euro").status_code == 422
