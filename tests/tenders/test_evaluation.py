"""Evaluation of bids under each preference policy: worked examples and invariants."""
import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.money import Money
from app.tenders.evaluation import Bid, EvaluationIncomplete, Policy, PolicyError, evaluate, margin_price

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def bid(bid_id, amount, currency="EUR", coop=False, minutes=0, mark=None):
    return Bid(bid_id, Money.parse(amount, currency), coop, T0 + dt.timedelta(minutes=minutes), mark)


def ranking(results):
    return [(r.bid_id, r.rank) for r in results]


# Worked examples -----------------------------------------------------------------------------

def test_margin_makes_a_cheaper_non_cooperative_lose_when_within_the_margin():
    policy = Policy("price_margin", margin_percent=Decimal(10))
    results = evaluate(policy, [bid(1, "10500.00"), bid(2, "11000.00", coop=True)])
    assert ranking(results) == [(2, 1), (1, 2)]
    assert results[1].evaluated_price == Money(1155000, "EUR")
    assert results[1].explanation == "price 10,500.00 EUR + 10 % margin (not a cooperative) = 11,550.00 EUR"
    assert results[0].explanation == "price 11,000.00 EUR (verified cooperative)"


def test_margin_lets_a_non_cooperative_win_when_cheaper_by_more_than_the_margin():
    policy = Policy("price_margin", margin_percent=Decimal(10))
    results = evaluate(policy, [bid(1, "9900.00"), bid(2, "11000.00", coop=True)])
    assert results[0].bid_id == 1 and results[0].evaluated_price == Money(1089000, "EUR")
    assert results[0].price == Money(990000, "EUR")  # the winner is paid its own price


def test_exactly_at_the_margin_the_tie_goes_to_the_cooperative():
    policy = Policy("price_margin", margin_percent=Decimal(10))
    results = evaluate(policy, [bid(1, "10000.00", minutes=0), bid(2, "11000.00", coop=True, minutes=5)])
    assert [r.bid_id for r in results] == [2, 1]


def test_reserved_ranks_only_verified_cooperatives_and_says_why():
    results = evaluate(Policy("reserved"), [bid(1, "50.00"), bid(2, "80.00", coop=True), bid(3, "70.00", coop=True)])
    assert ranking(results) == [(3, 1), (2, 2), (1, None)]
    assert "reserved for verified cooperatives" in results[2].explanation


def test_weighted_scores_follow_the_published_formula():
    policy = Policy("weighted", price_weight=60, quality_weight=30, cooperative_weight=10)
    results = evaluate(policy, [bid(1, "800.00", mark=70), bid(2, "1000.00", coop=True, mark=90)])
    # bid 1: 60 + 21 + 0 = 81.00 ; bid 2: 48 + 27 + 10 = 85.00
    assert [(r.bid_id, r.score) for r in results] == [(2, Decimal("85.00")), (1, Decimal("81.00"))]
    assert results[1].explanation == "price 800.00 EUR: 60.00 + quality 70/100: 21.00 + cooperative: 0.00 = 81.00"


def test_weighted_needs_every_mark_first():
    with pytest.raises(EvaluationIncomplete):
        evaluate(Policy("weighted", price_weight=50, quality_weight=50), [bid(1, "10", mark=50), bid(2, "12")])


def test_zero_decimal_currency_is_exact():
    assert margin_price(Money(1005, "JPY"), Decimal("10")) == Money(1106, "JPY")  # 1105.5 rounds half up
    assert margin_price(Money(1005, "EUR"), Decimal("10")) == Money(1106, "EUR")
    bids = [bid(1, "1000000", "JPY"), bid(2, "1070000", "JPY", coop=True)]
    results = evaluate(Policy("price_margin", margin_percent=Decimal("7.5")), bids)
    assert results[0].bid_id == 2  # 1,000,000 × 1.075 = 1,075,000 > 1,070,000
    assert results[1].explanation == "price 1,000,000 JPY + 7.5 % margin (not a cooperative) = 1,075,000 JPY"


@pytest.mark.parametrize("policy", [
    dict(kind="auction"), dict(kind="price_margin", margin_percent=Decimal(31)), dict(kind="price_margin", margin_percent=Decimal(-1)),
    dict(kind="weighted", price_weight=50, quality_weight=30, cooperative_weight=10),
    dict(kind="weighted", price_weight=120, quality_weight=-20, cooperative_weight=0),
])
def test_unpublishable_policies_are_refused(policy):
    with pytest.raises(PolicyError):
        Policy(**policy)


def test_mixed_currencies_are_refused():
    with pytest.raises(ValueError):
        evaluate(Policy(), [bid(1, "10", "EUR"), bid(2, "10", "GBP")])


# Invariants ----------------------------------------------------------------------------------

bids_strategy = st.lists(
    st.tuples(st.integers(1, 10**9), st.booleans(), st.integers(0, 10_000), st.integers(0, 100)),
    min_size=1, max_size=25,
).map(lambda rows: [Bid(i + 1, Money(minor, "EUR"), coop, T0 + dt.timedelta(seconds=sec), mark)
                    for i, (minor, coop, sec, mark) in enumerate(rows)])
policies = st.one_of(
    st.just(Policy("none")), st.just(Policy("reserved")),
    st.decimals(0, 30, places=2).map(lambda m: Policy("price_margin", margin_percent=m)),
    st.tuples(st.integers(0, 100), st.integers(0, 100)).filter(lambda t: t[0] + t[1] <= 100)
      .map(lambda t: Policy("weighted", price_weight=t[0], quality_weight=t[1], cooperative_weight=100 - t[0] - t[1])),
)


@given(policy=policies, bids=bids_strategy, seed=st.integers())
def test_ranking_does_not_depend_on_arrival_order(policy, bids, seed):
    shuffled = bids[:]
    random.Random(seed).shuffle(shuffled)
    assert evaluate(policy, bids) == evaluate(policy, shuffled)


@given(bids=bids_strategy, low=st.decimals(0, 30, places=2), high=st.decimals(0, 30, places=2))
def test_raising_the_margin_never_lowers_a_cooperatives_rank(bids, low, high):
    low, high = min(low, high), max(low, high)
    before = {r.bid_id: r.rank for r in evaluate(Policy("price_margin", margin_percent=low), bids)}
    after = {r.bid_id: r.rank for r in evaluate(Policy("price_margin", margin_percent=high), bids)}
    for bid_ in bids:
        if bid_.verified_cooperative:
            assert after[bid_.bid_id] <= before[bid_.bid_id]


@given(bids=bids_strategy)
def test_reserved_never_ranks_a_non_cooperative(bids):
    for result in evaluate(Policy("reserved"), bids):
        coop = next(b for b in bids if b.bid_id == result.bid_id).verified_cooperative
        assert (result.rank is not None) == coop


@given(bids=bids_strategy)
def test_margin_zero_is_the_same_ranking_as_none(bids):
    assert ranking(evaluate(Policy("price_margin", margin_percent=Decimal(0)), bids)) == ranking(evaluate(Policy("none"), bids))


@given(policy=policies.filter(lambda p: p.kind == "weighted"), bids=bids_strategy)
def test_weighted_scores_stay_within_0_and_100(policy, bids):
    for result in evaluate(policy, bids):
        assert Decimal(0) <= result.score <= Decimal(100)


@given(policy=policies, bids=bids_strategy)
def test_ranks_are_1_to_n_without_gaps(policy, bids):
    ranks = [r.rank for r in evaluate(policy, bids) if r.rank is not None]
    assert ranks == list(range(1, len(ranks) + 1))


def _exact_weighted(policy, bids):
    """The published formula with exact fractions: the oracle the integer ranking must agree with."""
    lowest = min(b.price.minor for b in bids)
    totals = {b.bid_id: Fraction(lowest, b.price.minor) * policy.price_weight
              + Fraction(b.quality_mark * policy.quality_weight, 100)
              + (policy.cooperative_weight if b.verified_cooperative else 0) for b in bids}
    order = sorted(bids, key=lambda b: (-totals[b.bid_id], not b.verified_cooperative, b.submitted_at, b.bid_id))
    return order, totals


@given(policy=policies.filter(lambda p: p.kind == "weighted"),
       rows=st.lists(st.tuples(st.integers(1, 10**13), st.booleans(), st.integers(0, 3), st.integers(0, 100)),
                     min_size=1, max_size=12))
def test_weighted_ranking_and_scores_agree_with_exact_fractions(policy, rows):
    # Large prices (up to 10^13 minor units, the platform's ceiling) and few distinct times, so near-ties are common.
    bids = [Bid(i + 1, Money(minor, "KWD"), coop, T0 + dt.timedelta(seconds=sec), mark)
            for i, (minor, coop, sec, mark) in enumerate(rows)]
    order, totals = _exact_weighted(policy, bids)
    results = evaluate(policy, bids)
    assert [r.bid_id for r in results] == [b.bid_id for b in order]
    for result in results:
        assert result.score == (totals[result.bid_id] * 100 + Fraction(1, 2)).__floor__() / Decimal(100)
