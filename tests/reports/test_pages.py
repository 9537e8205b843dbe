"""The report page (charts, tables, the period form and its errors), its CSV and PDF downloads, and the API's answers
and refusals."""
import csv
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from app.models_base import utcnow
from app.reports.figures import Period
from tests.conftest import login

QUERY = "from=2026-01-01&to=2026-06-30"


@pytest.fixture
def signed_in(client, movement):
    login(client, movement.admin)
    return client


def _report(client, movement, headers=None, query=QUERY):
    answer = client.get(f"/api/v1/organizations/{movement.subject.id}/report?{query}", headers=headers or {})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_the_page_draws_charts_per_currency_and_tables_by_month_and_sdg(signed_in, movement, make, auth):
    page = signed_in.get(f"/organizations/{movement.subject.id}/report?{QUERY}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    report = _report(signed_in, movement, auth(make.token(movement.admin)))
    for currency in report["currencies"]:
        assert f'id="by-month-{currency}"' in html or f'id="by-month-{currency}-title"' in html
        assert f'id="by-sdg-{currency}-title"' in html
    assert 'id="months"' in html and 'id="sdgs"' in html and 'id="totals"' in html
    assert "the SDG rows do not add up to the totals" in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]
    assert "report.csv?from=2026-01-01&amp;to=2026-06-30" in html and "report.pdf?" in html
    assert "This report is private" in html


def test_the_page_defaults_to_the_last_twelve_months_and_is_linked_for_members(signed_in, movement):
    html = signed_in.get(f"/organizations/{movement.subject.id}/report").get_data(as_text=True)
    period = Period.ending(utcnow().date())
    assert f'name="from"\n           value="{period.first.isoformat()}"' in html
    assert f'name="to"\n           value="{period.last.isoformat()}"' in html
    assert (period.last - period.first).days in range(333, 366)
    link = f'href="/organizations/{movement.subject.id}/report"'
    assert link in signed_in.get("/dashboard").get_data(as_text=True)
    assert link in signed_in.get(f"/organizations/{movement.subject.id}").get_data(as_text=True)


@pytest.mark.parametrize("query, field", [("from=2026-07-01&to=2026-01-01", "from"), ("from=2026-13-01", "from"),
                                          ("to=yesterday", "to"), ("currency=EURO", "currency")])
def test_a_bad_period_or_currency_shows_the_form_again_with_the_fields_message(signed_in, movement, query, field):
    page = signed_in.get(f"/organizations/{movement.subject.id}/report?{query}")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert f'id="{field}-error"' in html and 'id="totals"' not in html
    assert signed_in.get(f"/organizations/{movement.subject.id}/report.csv?{query}").status_code == 422


def test_the_csv_holds_the_reports_figures_as_numbers(signed_in, movement, make, auth):
    answer = signed_in.get(f"/organizations/{movement.subject.id}/report.csv?{QUERY}")
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    report = _report(signed_in, movement, auth(make.token(movement.admin)))
    totals = {row["currency"]: row for row in rows if row["section"] == "total"}
    assert set(totals) == set(report["currencies"])
    for money in report["trade"]["sold"]["value"]:
        assert Decimal(totals[money["currency"]]["sold"]) == Decimal(money["amount"])
    for money in report["campaigns"]["balance"]:
        assert Decimal(totals[money["currency"]]["balance"]) == Decimal(money["amount"])
    assert sum(int(row["bought_orders"]) for row in totals.values()) == report["trade"]["bought"]["orders"]
    months = [(row["key"], row["currency"]) for row in rows if row["section"] == "month"]
    assert months == [(row["month"], row["currency"]) for row in report["by_month"]]
    sdgs = [row for row in rows if row["section"] == "sdg"]
    assert [(row["key"], row["currency"]) for row in sdgs] == [
        (str(row["sdg"]) if row["sdg"] else "none", row["currency"]) for row in report["by_sdg"]]
    assert {row["label"] for row in sdgs} >= {"Zero hunger", "No SDG"}


def test_the_pdf_reads_back_with_the_figures(signed_in, movement, make, auth):
    answer = signed_in.get(f"/organizations/{movement.subject.id}/report.pdf?{QUERY}&currency=EUR")
    assert answer.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.data)).pages)
    assert "Report of Valley Growers Cooperative" in text
    assert "From January 1, 2026 to June 30, 2026, in EUR." in text
    for heading in ("Totals", "By month", "By SDG", "Zero hunger"):
        assert heading in text, text
    report = _report(signed_in, movement, auth(make.token(movement.admin)), f"{QUERY}&currency=EUR")
    sold = report["trade"]["sold"]["value"][0]["amount"]
    assert f"{Decimal(sold):,.2f}" in text, text


def test_the_api_answers_one_amount_per_currency_and_a_currency_filter_keeps_one(client, make, auth, movement):
    headers = auth(make.token(movement.admin))
    every = _report(client, movement, headers)
    assert every["from"] == "2026-01-01" and every["to"] == "2026-06-30" and every["currency"] is None
    assert [money["currency"] for money in every["trade"]["bought"]["value"]] == every["currencies"]
    assert set(every) == {"organization", "from", "to", "currency", "currencies", "trade", "contracts", "campaigns",
                          "by_month", "by_sdg"}
    euros = _report(client, movement, headers, f"{QUERY}&currency=EUR")
    assert euros["currencies"] == ["EUR"] and {row["currency"] for row in euros["by_month"]} == {"EUR"}
    eur_row = next(money for money in every["contracts"]["won"]["value"] if money["currency"] == "EUR")
    assert euros["contracts"]["won"]["value"] == [eur_row]


@pytest.mark.parametrize("query, expected", [
    ("from=2026-02-01", ("2026-02-01", "2027-01-31")),
    ("to=2026-03-15", ("2025-04-01", "2026-03-15")),
    ("from=2024-02-29", ("2024-02-29", "2025-02-28")),
    ("from=9999-06-01", ("9999-06-01", "9999-12-31")),
    ("to=0001-03-01", ("0001-01-01", "0001-03-01")),
])
def test_a_period_given_by_one_end_is_twelve_months_long(client, make, auth, movement, query, expected):
    report = _report(client, movement, auth(make.token(movement.admin)), query)
    assert (report["from"], report["to"]) == expected


@pytest.mark.parametrize("query, field", [
    ("from=2026-07-01&to=2026-01-01", "from"), ("from=2026-02-30", "from"), ("to=31/12/2026", "to"),
    ("currency=eur", "currency"), ("currency=XYZ", "currency"), ("page=2", "page")])
def test_the_api_refuses_bad_queries_with_field_errors(client, make, auth, movement, query, field):
    answer = client.get(f"/api/v1/organizations/{movement.subject.id}/report?{query}",
                        headers=auth(make.token(movement.admin)))
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["fields"]


def test_the_document_states_the_report_operations(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/organizations/{organization_id}/report"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"] if parameter["in"] == "query"}
    assert set(parameters) == {"from", "to", "currency"}
    assert parameters["from"]["schema"]["format"] == "date"
    assert "may not be after" in operation["description"]
    assert {"404", "422"} <= set(operation["responses"])
