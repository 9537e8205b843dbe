"""Report figures equal a rebuild from the underlying rows (issue 15's acceptance): trade, contracts and campaign money,
in total, by month and by SDG, for periods cutting through the history and in each currency or all of them."""
import datetime as dt
import random

import pytest

from app.extensions import db
from app.reports.figures import Figures, Period, Scope, compute
from app.reports.services import Report, summary
from tests.reports.conftest import random_history
from tests.reports.rebuild import rebuild

PERIODS = [
    Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30)),  # the edges of the history's moments
    Period(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),  # everything
    Period(dt.date(2026, 7, 1), dt.date(2026, 7, 1)),  # one day
    Period(dt.date.min, dt.date.max),  # as far as dates go
    Period(dt.date(2030, 1, 1), dt.date(2030, 12, 31)),  # nothing yet
]


def _as_plain(figures):
    return {"totals": dict(figures.totals), "by_month": dict(figures.by_month), "by_sdg": dict(figures.by_sdg)}


@pytest.mark.parametrize("period", PERIODS, ids=lambda period: f"{period.first}..{period.last}")
@pytest.mark.parametrize("currency", [None, "EUR", "JPY", "USD"])
def test_an_organisations_figures_equal_a_rebuild_from_the_rows(app, movement, period, currency):
    with app.app_context():
        computed = compute(Scope(movement.subject.id), period, currency)
        assert _as_plain(computed) == rebuild({movement.subject.id}, period, currency)


def test_the_figures_count_something_in_every_section(app, movement):
    """The history is rich enough for the comparison to mean something."""
    with app.app_context():
        figures = compute(Scope(movement.subject.id), PERIODS[1])
    assert set(figures.currencies) == {"EUR", "GBP", "JPY"}
    for name in ("bought", "sold", "won", "awarded", "raised", "matched", "refunded", "fees", "spent", "balance"):
        assert any(counter[name] for counter in figures.totals.values()), name
    assert {None, 2, 12}.issubset({sdg for sdg, _currency in figures.by_sdg})
    assert len(figures.by_month) > 6


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_histories_of_several_organisations_rebuild_to_the_same_figures(app, make, history, seed):
    rng = random.Random(seed)
    history.rng = rng
    people = [make.organization(make.user(), sdgs=rng.sample(range(1, 18), rng.randrange(0, 3))) for _ in range(4)]
    listings = {organization.id: [make.listing(organization, sdgs=rng.sample(range(1, 18), rng.randrange(0, 3))).id]
                for organization in people[:3]}
    random_history(history, people[0], people[1:], listings, rng, orders=30, contracts=15)
    for organization in people[:2]:
        history.random_ledger(history.campaign(organization, rng.choice(["EUR", "JPY"]), rng.sample(range(1, 18), 2)))
    scopes = [{people[0].id}, {people[1].id, people[2].id}, None]
    with app.app_context():
        for ids in scopes:
            scope = Scope(None if ids is None else next(iter(ids)) if len(ids) == 1 else sorted(ids))
            for period in PERIODS[:3]:
                assert _as_plain(compute(scope, period)) == rebuild(ids, period), (ids, period)


def test_the_api_gives_the_rebuilt_figures(app, client, make, auth, movement):
    """End to end: what the API answers is the rebuild, shaped as every report is."""
    period = PERIODS[0]
    answer = client.get(f"/api/v1/organizations/{movement.subject.id}/report?from=2026-01-01&to=2026-06-30",
                        headers=auth(make.token(movement.admin)))
    assert answer.status_code == 200, answer.get_json()
    with app.test_request_context():
        from app.orgs.models import Organization
        from app.reports.schemas import ReportSchema

        rebuilt = rebuild({movement.subject.id}, period)
        figures = Figures()
        for name in ("totals", "by_month", "by_sdg"):
            getattr(figures, name).update(rebuilt[name])
        organization = db.session.get(Organization, movement.subject.id)
        expected = ReportSchema().dump(summary(Report(organization, period, None, figures)))
    assert answer.get_json() == expected
    assert answer.get_json()["trade"]["bought"]["orders"] > 0
