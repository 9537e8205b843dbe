"""A federation's aggregate report: the public reports of its confirmed members added up, never a member that is only
declared, declined or ended, nor one that keeps its report private (issue 15's acceptance); for its admins only."""
import datetime as dt
import io
import random

import pytest
from pypdf import PdfReader

from app.reports.figures import Period, Scope, compute
from tests.conftest import login
from tests.reports.conftest import History, random_history
from tests.reports.rebuild import rebuild

QUERY = "from=2025-01-01&to=2027-12-31"
PERIOD = Period(dt.date(2025, 1, 1), dt.date(2027, 12, 31))


@pytest.fixture
def trading(app, make, movement, members):
    """Every member trades with the others and with outsiders, wins and awards contracts, and runs a campaign."""
    rng = random.Random(7)
    history = History(app, make, rng)
    organizations = [member.organization for member in members.values()]
    outsider = make.organization(make.user(), sdgs=[5])
    for organization in organizations:
        random_history(history, organization, [outsider, *[o for o in organizations if o is not organization][:2]],
                       {}, rng, orders=6, contracts=3)
        history.random_ledger(history.campaign(organization, "EUR", [3]), entries=4)
    return members


def test_the_aggregate_counts_only_confirmed_members_with_a_public_report(app, client, movement, trading):
    answer = client.get(f"/api/v1/organizations/{movement.uk.id}/federation-report?{QUERY}", headers=movement.h["uk"])
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert report["members"] == {"confirmed": 2, "included": 1}
    included = {trading["confirmed_public"].organization.id}
    period = PERIOD
    with app.app_context():
        expected = rebuild(included, period)
        assert dict(compute(Scope(sorted(included)), period).totals) == expected["totals"]
        for name, member in trading.items():
            if name == "confirmed_public":
                continue
            alone = rebuild({member.organization.id}, period)["totals"]
            assert any(alone.values()), name  # each left-out member has figures that would show
    bought = {money["currency"]: money["amount"] for money in report["trade"]["bought"]["value"]}
    assert set(bought) == set(expected["totals"])
    own = client.get(f"/api/v1/organizations/{trading['confirmed_public'].organization.id}/report?{QUERY}").get_json()
    for section, side in (("trade", "bought"), ("trade", "sold"), ("contracts", "won"), ("contracts", "awarded")):
        assert report[section][side] == own[section][side]
    assert report["campaigns"] == own["campaigns"] and report["by_sdg"] == own["by_sdg"]


def test_a_member_confirmed_later_joins_the_aggregate_and_one_ended_leaves_it(app, client, movement, trading):
    def included():
        return client.get(f"/api/v1/organizations/{movement.uk.id}/federation-report?{QUERY}",
                          headers=movement.h["uk"]).get_json()["members"]

    movement.decide(movement.h["uk"], trading["declared"].membership, "confirmed")
    assert included() == {"confirmed": 3, "included": 2}
    public = trading["confirmed_public"]
    assert client.post(f"/api/v1/federation-memberships/{public.membership['id']}/end",
                       headers=public.headers).status_code == 200
    assert included() == {"confirmed": 2, "included": 1}


def test_only_the_federations_admins_read_it(client, make, auth, movement, trading):
    path = f"/api/v1/organizations/{movement.uk.id}/federation-report"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=auth(make.token(make.member(movement.uk, role="finance")))).status_code == 404
    assert client.get(path, headers=trading["confirmed_public"].headers).status_code == 404
    assert client.get(f"/api/v1/organizations/{movement.coop.id}/federation-report",
                      headers=movement.h["coop"]).status_code == 404
    assert client.get(f"{path}?from=2026-02-01&to=2026-01-01", headers=movement.h["uk"]).status_code == 422


def test_the_page_and_its_pdf(client, movement, trading):
    login(client, movement.uk_admin)
    html = client.get(f"/organizations/{movement.uk.id}/federation-report?{QUERY}").get_data(as_text=True)
    assert "Members of Co-operatives UK: report" in html and "1 of the 2 confirmed members" in html
    pdf = client.get(f"/organizations/{movement.uk.id}/federation-report.pdf?{QUERY}")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "1 of the 2 confirmed members" in text
    assert client.get(f"/organizations/{movement.coop.id}/federation-report").status_code == 404
