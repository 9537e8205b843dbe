"""The six-day rule: a change late in a tender leaves bidders at least six days; the clarification deadline is at the
latest six days before the bid deadline."""
import datetime as dt

import pytest

from app.tenders.deadlines import MIN_TIME_LEFT, extended_deadline, keep_time_to_answer
from app.tenders.models import Tender
from tests.tenders.conftest import tender_payload

NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


@pytest.mark.parametrize(("left", "expected"), [
    (MIN_TIME_LEFT, NOW + MIN_TIME_LEFT),                    # exactly six days: no extension
    (MIN_TIME_LEFT - SECOND, NOW + MIN_TIME_LEFT),           # one second less: now plus six days
    (dt.timedelta(hours=1), NOW + MIN_TIME_LEFT),
    (MIN_TIME_LEFT + SECOND, NOW + MIN_TIME_LEFT + SECOND),  # more than six days: unchanged
    (dt.timedelta(days=30), NOW + dt.timedelta(days=30)),
])
def test_the_deadline_keeps_six_days_after_a_change(left, expected):
    assert extended_deadline(NOW + left, NOW) == expected


def _open_tender(left):
    return Tender(title="Cold-chain transport", status="published", deadline=NOW + left)


def test_exactly_six_days_left_is_not_extended_and_nobody_is_told():
    told = []
    tender = _open_tender(MIN_TIME_LEFT)
    assert keep_time_to_answer(tender, told.append, NOW) is False
    assert tender.deadline == NOW + MIN_TIME_LEFT and told == []


def test_six_days_minus_one_second_is_extended_to_now_plus_six_days_and_bidders_are_told(app):
    told = []
    tender = _open_tender(MIN_TIME_LEFT - SECOND)
    with app.test_request_context():
        assert keep_time_to_answer(tender, told.append, NOW) is True
        assert tender.deadline == NOW + MIN_TIME_LEFT
        assert len(told) == 1 and "2027-03-07 12:00" in told[0].text() and "6 days" in told[0].text()


def test_a_closed_or_draft_tender_is_never_extended():
    closed = _open_tender(-SECOND)
    draft = Tender(title="Draft", status="draft", deadline=NOW + SECOND)
    assert keep_time_to_answer(closed, print, NOW) is False and keep_time_to_answer(draft, print, NOW) is False
    assert closed.deadline == NOW - SECOND and draft.deadline == NOW + SECOND


def _moment(delta):
    return (dt.datetime.now(dt.UTC) + delta).replace(microsecond=0).isoformat()


def test_the_clarification_deadline_is_at_the_latest_six_days_before_the_deadline(market, client):
    deadline = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=14)
    late = client.post("/api/v1/tenders", headers=market.h["buyer"], json=tender_payload(
        market.buyer.id, deadline=deadline.isoformat(),
        clarification_deadline=(deadline - MIN_TIME_LEFT + SECOND).isoformat()))
    assert late.status_code == 422
    assert late.get_json()["error"]["fields"] == {"clarification_deadline": ["At the latest 6 days before the deadline."]}
    past = client.post("/api/v1/tenders", headers=market.h["buyer"], json=tender_payload(
        market.buyer.id, clarification_deadline=_moment(-dt.timedelta(minutes=1))))
    assert past.get_json()["error"]["fields"] == {"clarification_deadline": ["Give a moment in the future."]}
    naive = client.post("/api/v1/tenders", headers=market.h["buyer"], json=tender_payload(
        market.buyer.id, clarification_deadline="2030-01-01T12:00:00"))
    assert naive.status_code == 422 and "clarification_deadline" in naive.get_json()["error"]["fields"]
    at_the_limit = market.create(deadline=deadline.isoformat(), clarification_deadline=(deadline - MIN_TIME_LEFT).isoformat())
    assert at_the_limit["clarification_deadline"].startswith((deadline - MIN_TIME_LEFT).strftime("%Y-%m-%dT%H:%M:%S"))
    # A draft's deadline moved earlier must still leave the clarification deadline six days before it.
    earlier = client.patch(f"/api/v1/tenders/{at_the_limit['id']}", headers=market.h["buyer"],
                           json={"deadline": (deadline - SECOND).isoformat()})
    assert earlier.status_code == 422
    assert earlier.get_json()["error"]["fields"] == {"clarification_deadline": ["At the latest 6 days before the deadline."]}
    assert market.create()["clarification_deadline"] is None  # optional: no enquiry period
