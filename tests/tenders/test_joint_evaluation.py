"""The evaluation rules for joint bids: a group counts as a verified cooperative from 50 % of its shares, under every
policy and in the tie-break; a group with an unconfirmed member is not counted; explanations give the group's share."""
import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.money import Money
from app.tenders.evaluation import Bid, Policy, evaluate, group_is_cooperative

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def group(bid_id, amount, cooperative_share, unconfirmed=0, minutes=0, mark=None):
    return Bid(bid_id, Money.parse(amount, "EUR"), group_is_cooperative(cooperative_share), T0 + dt.timedelta(minutes=minutes),
               mark, None, cooperative_share, unconfirmed)


def single(bid_id, amount, coop=False, minutes=0, mark=None):
    return Bid(bid_id, Money.parse(amount, "EUR"), coop, T0 + dt.timedelta(minutes=minutes), mark)


def test_the_threshold_is_half_of_the_shares():
    assert group_is_cooperative(5_000) and not group_is_cooperative(4_999) and group_is_cooperative(10_000)


def test_a_joint_bid_explains_its_cooperative_share_under_each_policy():
    margin = evaluate(Policy("price_margin", Decimal(10)), [group(1, "100.00", 7_000), group(2, "100.00", 3_333)])
    assert margin[0].explanation == "price 100.00 EUR (verified cooperative); joint bid: 70 % by verified cooperatives"
    assert margin[1].explanation.endswith("= 110.00 EUR; joint bid: 33.33 % by verified cooperatives")
    reserved = evaluate(Policy("reserved"), [group(1, "100.00", 4_900), group(2, "120.00", 5_000)])
    assert [(r.bid_id, r.rank) for r in reserved] == [(2, 1), (1, None)]
    weighted = evaluate(Policy("weighted", price_weight=60, quality_weight=20, cooperative_weight=20),
                        [group(1, "100.00", 5_000, mark=50), single(2, "100.00", mark=50)])
    assert weighted[0].bid_id == 1 and weighted[0].score == Decimal("90.00")
    assert weighted[0].explanation.endswith("= 90.00; joint bid: 50 % by verified cooperatives")


def test_the_tie_break_favours_a_group_that_counts_as_a_cooperative():
    results = evaluate(Policy("none"), [single(1, "100.00", minutes=0), group(2, "100.00", 5_000, minutes=5)])
    assert [r.bid_id for r in results] == [2, 1]


def test_a_group_with_an_unconfirmed_member_is_not_counted_even_unmarked():
    results = evaluate(Policy("weighted", price_weight=80, quality_weight=20, cooperative_weight=0),
                       [group(1, "50.00", 10_000, unconfirmed=1), single(2, "100.00", mark=70)])
    assert [(r.bid_id, r.rank) for r in results] == [(2, 1), (1, None)]
    assert "did not confirm its participation before the deadline" in results[1].explanation
    # The price of an uncounted bid does not set the lowest price of the others' price scores.
    assert results[0].score == Decimal("94.00")


@given(st.lists(st.tuples(st.integers(1, 10_000), st.integers(0, 10_000), st.integers(0, 2)), min_size=1, max_size=12))
def test_uncounted_groups_are_never_ranked_and_the_rest_rank_one_to_n(rows):
    bids = [group(n, str(price), share, unconfirmed) for n, (price, share, unconfirmed) in enumerate(rows, start=1)]
    results = evaluate(Policy("price_margin", Decimal(5)), bids)
    counted = [b.bid_id for b in bids if not b.unconfirmed]
    assert sorted(r.rank for r in results if r.rank) == list(range(1, len(counted) + 1))
    assert {r.bid_id for r in results if r.rank} == set(counted)
