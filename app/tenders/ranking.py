"""A lot's evaluation read from the database: its standing bids as evaluation rows, and their ranking.

Under a linear policy (none, reserved, price_margin) the database orders the bids as app.tenders.evaluation.evaluate
does, from the same integers (tests/tenders/test_ranking.py holds the two equal), and each entry is built, with its
bid's submission time, when it is read: a lot may hold thousands of bids and a page shows a few dozen. Weighted scores
are ranked by evaluate itself.
"""
import functools
from collections.abc import Sequence

from sqlalchemy import Boolean, Integer, and_, bindparam, case, func, select, text, type_coerce

from app.extensions import db
from app.money import Money
from app.orgs.models import VERIFIED_COOPERATIVE, Organization
from app.tenders import evaluation
from app.tenders.models import Bid, BidMember

LINEAR_POLICIES = ("none", "reserved", "price_margin")


@functools.cache
def _standing():
    """The standing bids of the lot given at execution (lot_id), one row each: (id, price_minor, cooperative,
    quality_mark, organization_id, share, unconfirmed, submitted_at), the cooperative test in SQL; share and
    unconfirmed are None but for joint bids.

    Nothing runs per bid: the verified cooperatives (read from their partial index) and joint bids' shares (one GROUP
    BY) are joined once, in joins the planner may hash or batch however many cooperatives there are. The lot is written
    into the statement, not bound, so that no prepared statement's generic plan, made for a lot of a few bids, loops
    over thousands."""
    bids, members = Bid.__table__.c, BidMember.__table__.c
    lot_id = bindparam("lot_id", type_=Integer, literal_execute=True)
    member_cooperatives = _cooperatives("member_cooperatives")
    groups = (
        select(members.bid_id,
               func.sum(case((member_cooperatives.c.id.is_not(None), members.share_basis_points), else_=0))
               .label("share"),
               func.sum(case((members.confirmed_at.is_(None), 1), else_=0)).label("unconfirmed"))
        .outerjoin_from(BidMember.__table__, member_cooperatives, member_cooperatives.c.id == members.organization_id)
        .where(members.lot_id == lot_id)  # withdrawn bids' groups too: the join below leaves them out
        .group_by(members.bid_id)
        .subquery("groups")
    )
    cooperatives = _cooperatives("cooperatives")
    share = groups.c.share
    cooperative = case((share.is_not(None), share >= evaluation.JOINT_BID_COOPERATIVE_BASIS_POINTS),
                       else_=cooperatives.c.id.is_not(None))
    return (
        select(bids.id, bids.price_minor, type_coerce(cooperative, Boolean).label("cooperative"), bids.quality_mark,
               bids.organization_id, share, groups.c.unconfirmed, bids.submitted_at)
        .outerjoin_from(Bid.__table__, cooperatives, cooperatives.c.id == bids.organization_id)
        .outerjoin(groups, groups.c.bid_id == bids.id)
        .where(bids.lot_id == lot_id, bids.status == "submitted")
        .subquery("standing")
    )


def _cooperatives(name):
    """The verified cooperatives' ids, a subquery named `name`."""
    organizations = Organization.__table__.c
    return select(organizations.id).where(text(VERIFIED_COOPERATIVE)).subquery(name)


def standing_bids(lot):
    """The lot's standing bids as evaluation rows (with organization_id), by bid id."""
    currency = lot.tender.currency  # bids are in the tender's currency (submit_bid and replace_bid refuse any other)
    return [_bid(row[:-1], currency, row[-1]) for row in db.session.connection().execute(_by_id(), {"lot_id": lot.id})]


@functools.cache
def _by_id():
    standing = _standing()
    return select(standing).order_by(standing.c.id)


def _bid(facts, currency, submitted_at):
    bid_id, minor, cooperative, quality_mark, organization_id, share, unconfirmed = facts
    return evaluation.Bid(bid_id, Money(minor, currency), cooperative, submitted_at, quality_mark, organization_id,
                          share, unconfirmed or 0)


@functools.cache
def _ranked(kind, basis_points):
    """The standing rows in the order evaluate ranks them under a linear policy (`basis_points`: its margin): the
    eligible bids by evaluated price, the cooperative first, the earlier submission, the lower id; then the others by
    id. Without their submission times: only the order needs them (half the cost of reading a bid row is its time)."""
    standing = _standing()
    row = standing.c
    eligible = func.coalesce(row.unconfirmed, 0) == 0
    if kind == "reserved":
        eligible = and_(eligible, row.cooperative)
    evaluated = row.price_minor
    if kind == "price_margin":
        # evaluation._margin_minor: price × (1 + margin), rounded half up, in integers.
        evaluated = case((row.cooperative, row.price_minor),
                         else_=(2 * row.price_minor * (10_000 + basis_points) + 10_000) // 20_000)
    # One integer for (evaluated price, not a cooperative): most comparisons end at the first key.
    key = case((eligible, 2 * evaluated + case((row.cooperative, 0), else_=1)))
    return (select(row.id, row.price_minor, row.cooperative, row.quality_mark, row.organization_id, row.share,
                   row.unconfirmed)
            .order_by(key.asc().nulls_last(), case((eligible, row.submitted_at)), row.id))


class Ranking(Sequence):
    """[(evaluation.Bid, RankedBid)] of a lot under a linear policy, from its rows in ranked order (the eligible bids
    first, ranked by their place); the entries read are built then, with their bids' submission times."""

    def __init__(self, policy, rows, lot):
        self._policy, self._rows, self._lot = policy, rows, lot

    def __len__(self):
        return len(self._rows)

    def __iter__(self):
        return iter(self._all)

    @functools.cached_property
    def _all(self):
        """Every entry, built once: the award reads them all, more than once."""
        return self._entries(range(len(self._rows)))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._entries(range(*index.indices(len(self._rows))))
        return self._entries([range(len(self._rows))[index]])[0]

    def _entries(self, places):
        rows = [self._rows[place] for place in places]
        if not rows:
            return []
        times = _submission_times(self._lot, [row[0] for row in rows] if len(rows) <= _FEW else None)
        currency, policy = self._lot.tender.currency, self._policy
        entries = []
        for place, row in zip(places, rows, strict=True):
            bid = _bid(row, currency, times[row[0]])
            entries.append((bid, evaluation.linear_entry(policy, bid, place + 1 if evaluation.is_eligible(policy, bid)
                                                         else None)))
        return entries


#: Up to this many bids, their submission times are read by id; more, the whole lot's.
_FEW = 500


def _submission_times(lot, bid_ids=None):
    """{bid id: submitted_at} of the bids in `bid_ids`, or of all the lot's standing bids. By id alone: a generic plan
    for "this lot and these ids" would walk the lot's thousands of bids to find a page of them."""
    bids = Bid.__table__.c
    if bid_ids is None:
        statement = select(bids.id, bids.submitted_at).where(bids.lot_id == lot.id, bids.status == "submitted")
    else:
        statement = select(bids.id, bids.submitted_at).where(bids.id.in_(bid_ids))
    return dict(db.session.connection().execute(statement).all())


def evaluate_lot(policy, lot):
    """(final, [(evaluation.Bid, RankedBid)]) for a lot under the policy; not final while a weighted evaluation misses
    quality marks."""
    if policy.kind in LINEAR_POLICIES:
        statement = _ranked(policy.kind, policy.margin_terms[0])
        rows = db.session.connection().execute(statement, {"lot_id": lot.id}).all()
        return True, Ranking(policy, rows, lot)
    bids = standing_bids(lot)
    try:
        ranking = evaluation.evaluate(policy, bids)
    except evaluation.EvaluationIncomplete:
        pending = [evaluation.RankedBid(bid.bid_id, None, bid.price, None, None,
                                        ("unconfirmed",) if bid.unconfirmed else
                                        ("unmarked",) if bid.quality_mark is None else ("marked",), bid.cooperative_share)
                   for bid in bids]
        return False, list(zip(bids, pending, strict=True))
    by_id = {bid.bid_id: bid for bid in bids}
    return True, [(by_id[entry.bid_id], entry) for entry in ranking]
