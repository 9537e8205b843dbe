"""Budget lines are kept by id: a live campaign adds and renames lines, its amounts stay as donors saw them, and a line
with an expense booked on it is never removed (the ledger keeps saying what each expense was for). A draft changes
freely."""
import re

import pytest
from sqlalchemy import select

from app.campaigns.models import BudgetLine, Expense
from app.extensions import db
from tests.campaigns.test_api import _expense, _funded
from tests.campaigns.test_pages import _text
from tests.campaigns.test_pages import snapshot as everything
from tests.conftest import csrf_token, login


def lines(app, campaign_id):
    with app.app_context():
        return [(line.id, line.position, line.title, line.amount_minor, line.required) for line in db.session.scalars(
            select(BudgetLine).where(BudgetLine.campaign_id == campaign_id).order_by(BudgetLine.position))]


def patch(client, funding, campaign, budget_lines):
    return client.patch(f"/api/v1/campaigns/{campaign['id']}", headers=funding.h["owner"],
                        json={"budget_lines": budget_lines})


def eur(amount):
    return {"amount": amount, "currency": "EUR"}


def test_a_live_campaign_renames_reorders_and_adds_lines_and_expenses_stay_on_theirs(app, client, funding, stripe_events):
    campaign = _funded(funding, stripe_events)
    panels, unit, solar = (line["id"] for line in campaign["budget_lines"])
    assert _expense(client, funding, campaign).status_code == 201  # 120.00 against the panels
    response = patch(client, funding, campaign, [
        {"id": unit, "title": "Refrigeration unit (R290)"},
        {"id": panels, "title": "Insulated panels and doors", "amount": eur("8000.00"), "required": True},
        {"id": solar, "title": "Solar panels"},
        {"title": "Fruit crates", "amount": eur("600.00")},
    ])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [(line["id"], line["title"]) for line in body["budget_lines"][:3]] == [
        (unit, "Refrigeration unit (R290)"), (panels, "Insulated panels and doors"), (solar, "Solar panels")]
    crates = body["budget_lines"][3]
    assert crates["title"] == "Fruit crates" and crates["amount"] == eur("600.00") and crates["required"] is True
    assert crates["id"] not in (panels, unit, solar)
    spent = {line["id"]: line["spent"]["amount"] for line in body["budget_lines"]}
    assert spent == {unit: "0.00", panels: "120.00", solar: "0.00", crates["id"]: "0.00"}
    csv_text = client.get(f"/campaigns/{campaign['id']}/ledger.csv").get_data(as_text=True)
    assert "Insulated panels and doors" in csv_text
    with app.app_context():
        assert db.session.scalars(select(Expense.budget_line_id)).all() == [panels]


def test_a_line_with_an_expense_cannot_be_removed_and_nothing_changes(app, client, funding, stripe_events):
    campaign = _funded(funding, stripe_events)
    panels, unit, solar = (line["id"] for line in campaign["budget_lines"])
    assert _expense(client, funding, campaign).status_code == 201
    before = lines(app, campaign["id"])
    response = patch(client, funding, campaign, [{"id": unit, "title": "Refrigeration unit, renamed"},
                                                 {"title": "Something else", "amount": eur("10.00")}])
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["fields"] == {"budget_lines": ["“Cold room panels and doors” has expenses booked on it: keep it (it may "
                                                "be renamed)."]}
    assert lines(app, campaign["id"]) == before
    # A line nothing was booked on may go.
    response = patch(client, funding, campaign, [{"id": panels, "title": "Cold room panels and doors"},
                                                 {"id": unit, "title": "Refrigeration unit"}])
    assert response.status_code == 200, response.get_json()
    assert [line[0] for line in lines(app, campaign["id"])] == [panels, unit]


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": eur("9000.00")}, "amount"),
    ({"required": False}, "required"),
])
def test_a_live_line_keeps_its_amount_and_its_stretch_flag(app, client, funding, change, field):
    campaign = funding.live()
    panels, unit, solar = (line["id"] for line in campaign["budget_lines"])
    before = lines(app, campaign["id"])
    response = patch(client, funding, campaign, [{"id": panels, "title": "Cold room panels", **change},
                                                 {"id": unit, "title": "Refrigeration unit"},
                                                 {"id": solar, "title": "Solar panels"}])
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]["budget_lines"]["0"]) == [field]
    assert lines(app, campaign["id"]) == before
    # Given unchanged, they are accepted.
    same = patch(client, funding, campaign, [{"id": panels, "title": "Cold room panels", "amount": eur("8000.00"),
                                              "required": True}, {"id": unit, "title": "Refrigeration unit"},
                                             {"id": solar, "title": "Solar panels", "required": False}])
    assert same.status_code == 200, same.get_json()


def test_bad_budget_lines_get_field_errors(app, client, funding, make):
    campaign = funding.live()
    other = funding.create()
    panels = campaign["budget_lines"][0]["id"]
    cases = [
        ([{"id": other["budget_lines"][0]["id"], "title": "Not mine"}], {"0": {"id": ["Not a line of this campaign."]}}),
        ([{"id": panels, "title": "Once"}, {"id": panels, "title": "Twice"}], {"1": {"id": ["This line is listed twice."]}}),
        ([{"title": "No amount"}], {"0": {"amount": ["Give the amount of a new line."]}}),
        ([{"amount": eur("10.00")}], {"0": {"title": ["Give the title of a new line."]}}),
        ([{}], {"0": {"title": ["Give the title of a new line."], "amount": ["Give the amount of a new line."]}}),
        ([{"title": "In pounds", "amount": {"amount": "10.00", "currency": "GBP"}}],
         {"0": {"amount": ["Give the amount in EUR, the goal's currency."]}}),
        ([{"id": "12", "title": "A string id"}], {"0": {"id": ["Not a valid integer."]}}),
        ([{"id": 0, "title": "Zero"}], None),
    ]
    before = everything(app)
    for budget_lines, fields in cases:
        response = patch(client, funding, campaign, budget_lines)
        assert response.status_code == 422, (budget_lines, response.get_json())
        if fields is not None:
            assert response.get_json()["error"]["fields"]["budget_lines"] == fields, response.get_json()
    assert everything(app) == before


def test_a_kept_line_left_without_a_title_keeps_its_title(app, client, funding):
    campaign = funding.live()
    before = lines(app, campaign["id"])
    response = patch(client, funding, campaign, [{"id": line_id} for line_id, *_ in before])
    assert response.status_code == 200, response.get_json()
    assert lines(app, campaign["id"]) == before


def test_a_draft_changes_its_lines_freely_and_keeps_their_ids(app, client, funding):
    draft = funding.create()
    panels, unit, solar = (line["id"] for line in draft["budget_lines"])
    response = patch(client, funding, draft, [{"id": solar, "title": "Solar roof", "amount": eur("6500.00"), "required": True},
                                              {"id": panels, "title": "Panels", "amount": eur("7000.00")},
                                              {"title": "Crates", "amount": eur("300.00"), "required": False}])
    assert response.status_code == 200, response.get_json()
    after = lines(app, draft["id"])
    assert [line[1:] for line in after] == [(1, "Solar roof", 650_000, True), (2, "Panels", 700_000, True),
                                            (3, "Crates", 30_000, False)]
    assert [line[0] for line in after[:2]] == [solar, panels]
    assert unit not in [line[0] for line in after]


def _form(client, url):
    """The edit form as the page fills it in: every field with its shown value."""
    page = client.get(url).get_data(as_text=True)
    data = {name: value for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
            if not name.endswith(("stretch", "remove"))}
    data.update({"csrf_token": csrf_token(client, url)})
    return page, data


def test_the_page_form_renames_adds_and_refuses_to_remove_a_booked_line(app, client, funding, stripe_events):
    campaign = _funded(funding, stripe_events)
    panels, unit, solar = (line["id"] for line in campaign["budget_lines"])
    assert _expense(client, funding, campaign).status_code == 201
    login(client, funding.owner_user)
    url = f"/campaigns/{campaign['id']}/edit"
    page, data = _form(client, url)
    assert 'id="live-budget"' in page
    assert f'name="budget_lines-0-line_id" type="hidden" value="{panels}"' in page
    assert re.search(r'name="budget_lines-0-amount"[^>]*readonly', page)
    data.update({"budget_lines-1-title": "Refrigeration unit (R290)", "budget_lines-2-stretch": "y",
                 "budget_lines-0-amount": "1.00",  # read-only on the page: a changed value is not sent on
                 "budget_lines-3-title": "Fruit crates", "budget_lines-3-amount": "600"})
    response = client.post(url, data=data)
    assert response.status_code == 302, _text(response)
    after = lines(app, campaign["id"])
    assert [line[:3] for line in after[:3]] == [(panels, 1, "Cold room panels and doors"),
                                                (unit, 2, "Refrigeration unit (R290)"), (solar, 3, "Solar panels")]
    assert after[0][3:] == (800_000, True) and after[2][3:] == (500_000, False)
    assert after[3][2:] == ("Fruit crates", 60_000, True)

    page, data = _form(client, url)
    before = everything(app)
    data["budget_lines-0-remove"] = "y"
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    assert "“Cold room panels and doors” has expenses booked on it" in _text(refused)
    assert everything(app) == before
    data.pop("budget_lines-0-remove")
    data["budget_lines-3-remove"] = "y"
    assert client.post(url, data=data).status_code == 302
    assert [line[0] for line in lines(app, campaign["id"])] == [panels, unit, solar]


def test_any_budget_lines_json_gets_an_answer_never_an_error(app, client, funding, stripe_events):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    campaign = _funded(funding, stripe_events)
    assert _expense(client, funding, campaign).status_code == 201
    ids = [line["id"] for line in campaign["budget_lines"]]
    values = st.none() | st.booleans() | st.integers(-2, 2**32) | st.sampled_from(ids) | st.text(max_size=8)
    amounts = values | st.fixed_dictionaries({"amount": st.sampled_from(["8000.00", "1", "-1", "x"]),
                                              "currency": st.sampled_from(["EUR", "GBP", "JPY"])})
    line = st.fixed_dictionaries({}, optional={"id": values, "title": st.sampled_from(["Panels", "ab", "", 3]),
                                               "amount": amounts, "required": values})

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(line, max_size=5) | values)
    def check(budget_lines):
        response = patch(client, funding, campaign, budget_lines)
        assert response.status_code in (200, 422), response.get_data(as_text=True)[:300]
        assert panel_kept()

    def panel_kept():
        return ids[0] in [row[0] for row in lines(app, campaign["id"])]

    check()
