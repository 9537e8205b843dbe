"""A lot's ranking read from the database (app.tenders.ranking) equals the rules' (app.tenders.evaluation.evaluate) on
the same bids, entry for entry: ranks, evaluated prices, reasons, tie-breaks and the bids' facts."""
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models_base import utcnow
from app.money import Money
from app.orgs.models import Organization
from app.tenders import evaluation, ranking
from app.tenders.models import Bid, BidMember, Lot, Tender

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
#: The bidders' pool: (legal form, verification status), verified cooperatives and the others.
KINDS = [("cooperative", "verified"), ("cooperative_federation", "verified"), ("cooperative_bank", "verified"),
         ("cooperative", "pending"), ("cooperative", "unverified"), ("mutual", "verified"), ("sme", "verified"),
         ("large_enterprise", "unverified")]
POOL = 2 * len(KINDS)
POLICIES = [evaluation.Policy("none"), evaluation.Policy("reserved"),
            *(evaluation.Policy("price_margin", Decimal(margin)) for margin in ("0", "5", "7.5", "10", "30")),
            evaluation.Policy("weighted", price_weight=60, quality_weight=30, cooperative_weight=10)]


@pytest.fixture
def market(app, db):
    """(lot, [(organisation id, verified cooperative)]): a closed tender's lot and a pool of bidders of every kind."""
    with app.app_context():
        buyer = Organization(name="Buyer Co-operative", legal_form="cooperative", size="large", country_code="GB",
                             sector="consumer", verification_status="verified")
        bidders = [Organization(name=f"Bidder {n}", legal_form=KINDS[n % len(KINDS)][0], size="small", country_code="FR",
                                sector="agriculture", verification_status=KINDS[n % len(KINDS)][1]) for n in range(POOL)]
        tender = Tender(organization=buyer, title="Fresh produce", cpv_code8="60000000", currency="EUR",
                        deadline=utcnow() - dt.timedelta(hours=1), status="published", published_at=utcnow())
        lot = Lot(tender=tender, number=1, title="All routes")
        db.session.add_all([buyer, *bidders, tender, lot])
        db.session.flush()
        yield lot, [(bidder.id, bidder.is_cooperative and bidder.verified) for bidder in bidders]


def bids_of(data):
    """A lot's bids drawn from `data`: near prices and close submissions (ties), some withdrawn, some joint."""
    bidders = data.draw(st.lists(st.integers(0, POOL - 1), unique=True, max_size=10))
    bids = []
    for bidder in bidders:
        others = [n for n in range(POOL) if n != bidder]
        members = data.draw(st.lists(st.sampled_from(others), unique=True, max_size=3))
        cuts = sorted(data.draw(st.lists(st.integers(1, 9_999), unique=True, min_size=len(members),
                                         max_size=len(members))))
        bids.append({
            "bidder": bidder, "price_minor": data.draw(st.sampled_from([9_000, 9_095, 9_530, 9_950, 10_000, 10_005, 10_007])),
            "minutes": data.draw(st.integers(0, 2)), "mark": data.draw(st.integers(0, 100)),
            "withdrawn": data.draw(st.sampled_from([False, False, False, True])),
            "group": [(member, b - a, data.draw(st.booleans()) if index else True)
                      for index, (member, a, b) in enumerate(zip([bidder, *members], [0, *cuts], [*cuts, 10_000],
                                                                 strict=True))] if members else [],
        })
    return bids


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(policy=st.sampled_from(POLICIES), data=st.data())
def test_the_databases_ranking_is_the_rules_ranking(app, market, policy, data):
    lot, pool = market
    drawn = bids_of(data)
    with app.app_context():
        savepoint = db.session.begin_nested()
        rows, expected = [], []
        for spec in drawn:
            bid = Bid(tender_id=lot.tender_id, lot_id=lot.id, organization_id=pool[spec["bidder"]][0],
                      price_minor=spec["price_minor"], currency="EUR", delivery_days=5,
                      status="withdrawn" if spec["withdrawn"] else "submitted",
                      submitted_at=T0 + dt.timedelta(minutes=spec["minutes"]),
                      quality_mark=spec["mark"] if policy.kind == "weighted" else None,
                      members=[BidMember(lot_id=lot.id, organization_id=pool[member][0], share_basis_points=share, is_lead=index == 0,
                                         confirmed_at=T0 if confirmed else None)
                               for index, (member, share, confirmed) in enumerate(spec["group"])])
            rows.append((spec, bid))
        db.session.add_all(bid for _spec, bid in rows)
        db.session.flush()
        for spec, bid in rows:
            if spec["withdrawn"]:
                continue
            group = spec["group"]
            share = sum(part for member, part, _confirmed in group if pool[member][1]) if group else None
            expected.append(evaluation.Bid(
                bid.id, Money(bid.price_minor, "EUR"), pool[spec["bidder"]][1] if share is None else
                evaluation.group_is_cooperative(share), bid.submitted_at, bid.quality_mark, bid.organization_id, share,
                sum(1 for _member, _part, confirmed in group if not confirmed)))
        by_id = {bid.bid_id: bid for bid in expected}
        truth = [(by_id[entry.bid_id], entry) for entry in evaluation.evaluate(policy, expected)]
        final, ranked = ranking.evaluate_lot(policy, lot)
        assert final
        assert list(ranked) == truth
        assert len(ranked) == len(truth) and ranked[1:4] == truth[1:4] and ranked[-2:] == truth[-2:]
        if truth:
            assert ranked[-1] == truth[-1]
        assert ranking.standing_bids(lot) == sorted(expected)
        savepoint.rollback()


def test_a_margin_tie_goes_to_the_cooperative_then_the_earlier_then_the_lower_id(app, market):
    """90.95 + 10 % = 100.045, evaluated at 100.05 (half up): level with the cooperatives' 100.05, which rank first."""
    lot, pool = market
    cooperatives = [bidder for bidder, cooperative in pool if cooperative]
    others = [bidder for bidder, cooperative in pool if not cooperative]
    with app.app_context():
        bids = [Bid(tender_id=lot.tender_id, lot_id=lot.id, organization_id=organization, price_minor=price, currency="EUR",
                    delivery_days=5, submitted_at=T0 + dt.timedelta(minutes=minutes))
                for organization, price, minutes in ((others[0], 9_095, 0), (cooperatives[0], 10_005, 5),
                                                     (others[1], 9_095, 0), (cooperatives[1], 10_005, 1))]
        db.session.add_all(bids)
        db.session.flush()
        _final, ranked = ranking.evaluate_lot(evaluation.Policy("price_margin", Decimal(10)), lot)
        assert [entry.bid_id for _bid, entry in ranked] == [bids[3].id, bids[1].id, bids[0].id, bids[2].id]
        assert [entry.rank for _bid, entry in ranked] == [1, 2, 3, 4]
        assert ranked[2][1].explanation == "price 90.95 EUR + 10 % margin (not a cooperative) = 100.05 EUR"


def test_a_group_half_held_by_verified_cooperatives_counts_as_one_and_one_short_of_half_does_not(app, market):
    lot, pool = market
    cooperatives = [bidder for bidder, cooperative in pool if cooperative]
    others = [bidder for bidder, cooperative in pool if not cooperative]
    with app.app_context():
        bids = [Bid(tender_id=lot.tender_id, lot_id=lot.id, organization_id=lead, price_minor=10_000, currency="EUR",
                    delivery_days=5, submitted_at=T0,
                    members=[BidMember(lot_id=lot.id, organization_id=lead, share_basis_points=10_000 - share, is_lead=True,
                                       confirmed_at=T0),
                             BidMember(lot_id=lot.id, organization_id=member, share_basis_points=share,
                                       confirmed_at=T0)])
                for lead, member, share in ((others[0], cooperatives[0], 5_000), (others[1], cooperatives[1], 4_999))]
        db.session.add_all(bids)
        db.session.flush()
        _final, ranked = ranking.evaluate_lot(evaluation.Policy("reserved"), lot)
        assert [(bid.cooperative_share, bid.verified_cooperative, entry.rank) for bid, entry in ranked] == [
            (5_000, True, 1), (4_999, False, None)]
