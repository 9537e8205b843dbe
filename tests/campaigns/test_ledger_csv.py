"""The ledger's CSV: what owners typed (expense descriptions, budget line titles) never runs as a spreadsheet formula;
amounts are numbers, money out negative."""
import csv
import io

from app.csv_export import FORMULA_TRIGGERS
from tests.campaigns.test_api import _expense


def test_typed_cells_are_neutralised_and_amounts_stay_numbers(client, funding, stripe_events):
    campaign = funding.live(budget_lines=[{"title": "=HYPERLINK(\"http://evil.example\",\"Refund\")",
                                           "amount": {"amount": "500.00", "currency": "EUR"}}])
    stripe_events.send(stripe_events.checkout_completed(funding.donate(campaign, "300.00", name="@Dana")))
    for description in ("@SUM(1+1)*cmd|' /C calc'!A0", "-2+3", "+44 20 7946 0000 phone card", "=1+1"):
        response = _expense(client, funding, campaign, description=description, amount="10.00")
        assert response.status_code == 201, response.get_json()
    response = client.get(f"/campaigns/{campaign['id']}/ledger.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert len(rows) == 5
    for row in rows:
        for column, value in row.items():
            if column != "amount":
                assert not value.startswith(FORMULA_TRIGGERS), (column, value)
    expenses = [row for row in rows if row["kind"] == "expense"]
    assert [row["description"] for row in expenses] == ["'@SUM(1+1)*cmd|' /C calc'!A0", "'-2+3",
                                                       "'+44 20 7946 0000 phone card", "'=1+1"]
    assert {row["budget_line"] for row in expenses} == {"'=HYPERLINK(\"http://evil.example\",\"Refund\")"}
    assert [row["amount"] for row in expenses] == ["-10.00"] * 4  # numbers we wrote stay numbers
    assert rows[0]["amount"] == "300.00" and rows[0]["description"].startswith("Donation from")
