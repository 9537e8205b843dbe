"""The listing status machine: draft → active ⇄ paused → archived, archived final."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog.services import TRANSITIONS, change_status
from app.errors import Conflict

STATUSES = list(TRANSITIONS)


class FakeListing:
    """Just the attribute the state machine reads and writes."""

    def __init__(self, status):
        self.status = status


@pytest.mark.parametrize("start", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_every_move_is_either_allowed_or_a_conflict(app, db, start, target):
    listing = FakeListing(start)
    with app.app_context():
        if target == start or target in TRANSITIONS[start]:
            change_status(listing, target)
            assert listing.status == target
        else:
            with pytest.raises(Conflict):
                change_status(listing, target)
            assert listing.status == start


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.sampled_from(STATUSES + ["deleted", ""]), max_size=12))
def test_any_sequence_of_moves_keeps_the_rules(app, db, moves):
    listing = FakeListing("draft")
    seen = ["draft"]
    with app.app_context():
        for target in moves:
            before = listing.status
            try:
                change_status(listing, target)
            except Conflict:
                assert listing.status == before
            else:
                assert target == before or target in TRANSITIONS[before]
            seen.append(listing.status)
    assert listing.status in STATUSES
    if "archived" in seen:
        assert seen[seen.index("archived"):] == ["archived"] * (len(seen) - seen.index("archived"))
    assert "draft" not in seen[1:] or all(s == "draft" for s in seen[: seen.index("draft", 1) + 1])
