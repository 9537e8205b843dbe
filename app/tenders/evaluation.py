"""Evaluation of the bids for one lot under a published preference policy.

Pure rules, no database: every figure is exact (integers of minor units; weighted scores compared as integers, see _SCALE), and each
ranked bid carries the one-line explanation a bidder reads.

Policies (DESIGN.md):
- `none`: lowest price wins.
- `reserved`: only verified cooperatives (and verified federations) may win; other bids are not eligible.
- `price_margin`: for comparison only, a bid that is not from a verified cooperative is evaluated at
  price × (1 + margin %); the winner is paid its own price. Evaluated prices are rounded half up to
  the currency's minor unit.
- `weighted`: price score = lowest price ÷ this price × price weight; quality score = the buyer's
  0–100 mark × quality weight ÷ 100; cooperative score = the full cooperative weight for a verified
  cooperative, else 0. Scores are shown with two decimals; the ranking uses their exact values.

Joint bids: a group counts as a verified cooperative (for every policy and the tie-break) when verified cooperatives
hold at least 50 % of its declared shares (JOINT_BID_RULE); a group with a member that did not confirm its
participation before the deadline is not counted at all. Each explanation of a joint bid gives its cooperative share.

Ties break toward the cooperative, then the earlier submission (then the lower bid id, so the
ranking never depends on the order bids are given in). Quality and cooperative scores are whole hundredths; the
price score and the total are shown rounded half up to hundredths.
"""
import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from flask_babel import gettext as _

from app.money import Money

POLICIES = ("none", "reserved", "price_margin", "weighted")
MAX_MARGIN_PERCENT = Decimal(30)
#: The share of a joint bid (in hundredths of a percent) verified cooperatives must hold for it to count as one.
JOINT_BID_COOPERATIVE_BASIS_POINTS = 5_000
JOINT_BID_RULE = ("A joint bid counts as a verified cooperative when verified cooperatives hold at least 50 % of its "
                  "declared shares; a joint bid counts only if every member confirmed before the deadline.")


def group_is_cooperative(cooperative_basis_points):
    """Whether a joint bid whose verified cooperatives hold this share counts as a verified cooperative."""
    return cooperative_basis_points >= JOINT_BID_COOPERATIVE_BASIS_POINTS


class PolicyError(ValueError):
    """A policy that cannot be published: unknown kind, margin out of range, weights not summing to 100. `field` names
    the part of the preference at fault; the message is in the reader's language (English outside a request)."""

    def __init__(self, message, field):
        super().__init__(message)
        self.field = field


class EvaluationIncomplete(ValueError):
    """A weighted evaluation needs a quality mark for every eligible bid first."""


@dataclass(frozen=True)
class Policy:
    kind: str = "none"
    margin_percent: Decimal = Decimal(0)
    price_weight: int = 100
    quality_weight: int = 0
    cooperative_weight: int = 0

    def __post_init__(self):
        if self.kind not in POLICIES:
            raise PolicyError(_("Unknown policy %(policy)s.", policy=repr(self.kind)), "policy")
        if not (Decimal(0) <= Decimal(self.margin_percent) <= MAX_MARGIN_PERCENT):
            raise PolicyError(_("The margin of preference is between 0 and 30 %."), "margin_percent")
        if Decimal(self.margin_percent).as_tuple().exponent < -2:
            raise PolicyError(_("The margin of preference has at most two decimals."), "margin_percent")
        weights = (self.price_weight, self.quality_weight, self.cooperative_weight)
        if self.kind == "weighted" and (any(w < 0 for w in weights) or sum(weights) != 100):
            raise PolicyError(_("The weights of price, quality and the cooperative criterion must sum to 100."), "weights")

    @functools.cached_property
    def margin_terms(self):
        """(the margin in basis points, the reason of a bid evaluated with it), worked out once per policy."""
        return _basis_points(self.margin_percent), ("margin", percent_text(self.margin_percent))


class Bid(NamedTuple):
    bid_id: int
    price: Money
    verified_cooperative: bool
    submitted_at: dt.datetime
    quality_mark: int | None = None
    organization_id: int | None = None
    #: A joint bid's share held by verified cooperatives, in hundredths of a percent; None for a bid by one organisation.
    cooperative_share: int | None = None
    #: A joint bid's members that did not confirm before the deadline: the bid is not counted.
    unconfirmed: int = 0


class RankedBid(NamedTuple):
    bid_id: int
    rank: int | None              # None: not eligible under the policy
    price: Money
    evaluated_price: Money | None  # price_margin (and none/reserved: the price itself)
    score: Decimal | None          # weighted: total 0–100, two decimals
    #: What the explanation says, as facts: (kind, *figures). Printed on demand: a lot may rank thousands of bids and a
    #: page shows a few dozen of them.
    reason: tuple
    cooperative_share: int | None = None  # joint bids: as Bid.cooperative_share

    @property
    def explanation(self):
        """The one-line explanation a bidder reads."""
        return self._explained() + ("" if self.cooperative_share is None else
                                    f"; joint bid: {percent_text(_hundredths(self.cooperative_share))} % by verified cooperatives")

    def _explained(self):
        kind, *facts = self.reason
        if kind == "weighted":
            price_score, mark, quality, cooperative = facts
            return (f"price {self.price}: {_hundredths(price_score)} + quality {mark}/100: {_hundredths(quality)}"
                    f" + cooperative: {_hundredths(cooperative)} = {self.score}")
        if kind == "margin":
            return f"price {self.price} + {facts[0]} % margin (not a cooperative) = {self.evaluated_price}"
        return f"price {self.price}{_REASONS[kind]}"


_REASONS = {
    "cooperative": " (verified cooperative)",
    "price": "",
    "reserved": ": not eligible, the lot is reserved for verified cooperatives",
    "unmarked": ": quality mark missing",
    "marked": ": quality mark given",
    "unconfirmed": ": not counted, a member of the group did not confirm its participation before the deadline",
}


def margin_price(price, margin_percent):
    """price × (1 + margin %), rounded half up to the minor unit."""
    return _with_margin(price, _basis_points(margin_percent))


def _basis_points(margin_percent):
    """The margin in hundredths of a percent (margins have at most two decimals)."""
    basis_points = int(Decimal(margin_percent) * 100)
    if basis_points != Decimal(margin_percent) * 100:
        raise ValueError("A margin has at most two decimals.")
    return basis_points


def _with_margin(price, basis_points):
    return Money(_margin_minor(price.minor, basis_points), price.currency)


def _margin_minor(minor, basis_points):
    # Integers only, rounded half up.
    return (2 * minor * (10_000 + basis_points) + 10_000) // 20_000


def percent_text(value):
    """7.50 → '7.5', 10 → '10' (never '1E+1')."""
    value = Decimal(value).normalize()
    return f"{value:f}"


#: The weighted ranking compares floor(total score × 100 × _SCALE), an integer. Totals are lowest × weight ÷ price plus
#: whole hundredths, with prices below 10^13 minor units: two different totals differ by more than 10^-26, so their keys
#: differ too, and equal totals get equal keys. Exact, without a fraction per bid.
_SCALE = 10**30


def _hundredths(value):
    """An integer number of hundredths as a Decimal with two decimals."""
    return Decimal(value).scaleb(-2)


_COOPERATIVE, _PRICE, _RESERVED, _UNCONFIRMED = ("cooperative",), ("price",), ("reserved",), ("unconfirmed",)


def _not_counted(bids):
    """(counted bids, RankedBids of the joint bids not counted: a member did not confirm)."""
    counted = [bid for bid in bids if not bid.unconfirmed]
    if len(counted) == len(bids):
        return bids, []
    return counted, [RankedBid(bid.bid_id, None, bid.price, None, None, _UNCONFIRMED, bid.cooperative_share)
                     for bid in bids if bid.unconfirmed]


def evaluate(policy, bids):
    """Rank the bids of one lot; all bids must be in one currency."""
    bids = list(bids)
    currencies = {bid.price.currency for bid in bids}
    if len(currencies) > 1:
        raise ValueError("All bids of a lot are in the tender's currency.")
    if not bids:
        return []
    bids, not_counted = _not_counted(bids)
    if policy.kind == "weighted":
        return _weighted(policy, bids) + sorted(not_counted)
    eligible, ineligible = [], not_counted
    for bid in bids:
        if is_eligible(policy, bid):
            eligible.append((evaluated_minor(policy, bid), not bid.verified_cooperative, bid.submitted_at, bid.bid_id, bid))
        else:
            ineligible.append(linear_entry(policy, bid, None))
    # Lowest evaluated price first; ties toward the cooperative (False sorts first), then the earlier submission, then the
    # lower bid id (unique: the order bids are given in never matters).
    eligible.sort()
    return [linear_entry(policy, bid, rank) for rank, (*_key, bid) in enumerate(eligible, start=1)] + sorted(ineligible)


def is_eligible(policy, bid):
    """Whether a bid may be ranked under a linear policy (none, reserved, price_margin)."""
    return not bid.unconfirmed and (policy.kind != "reserved" or bid.verified_cooperative)


def evaluated_minor(policy, bid):
    """The price a bid is compared at under a linear policy, in minor units."""
    if policy.kind == "price_margin" and not bid.verified_cooperative:
        return _margin_minor(bid.price.minor, policy.margin_terms[0])
    return bid.price.minor


def linear_entry(policy, bid, rank):
    """A bid's RankedBid under a linear policy, at its rank (None: not eligible): what evaluate gives it, for rankings
    ordered elsewhere too (app.tenders.ranking)."""
    price, group = bid.price, bid.cooperative_share
    if bid.unconfirmed:
        return RankedBid(bid.bid_id, None, price, None, None, _UNCONFIRMED, group)
    if rank is None:
        return RankedBid(bid.bid_id, None, price, None, None, _RESERVED, group)
    if bid.verified_cooperative:
        return RankedBid(bid.bid_id, rank, price, price, None, _COOPERATIVE, group)
    if policy.kind == "price_margin":
        basis_points, why = policy.margin_terms
        evaluated = _margin_minor(price.minor, basis_points)
        return RankedBid(bid.bid_id, rank, price, price if evaluated == price.minor else Money(evaluated, price.currency),
                         None, why, group)
    return RankedBid(bid.bid_id, rank, price, price, None, _PRICE, group)


def _weighted(policy, bids):
    if not bids:
        return []
    missing = sum(1 for bid in bids if bid.quality_mark is None)
    if missing:
        raise EvaluationIncomplete(f"Give a quality mark to every bid first (missing: {missing}).")
    lowest = min(bid.price.minor for bid in bids)
    # In hundredths of a point: price score = 100 × lowest × price weight ÷ price; quality = mark × quality weight;
    # cooperative = 100 × cooperative weight (verified cooperatives only).
    price_numerator = 100 * lowest * policy.price_weight
    scored = []
    for bid in bids:
        mark, price = bid.quality_mark, bid.price.minor
        if not 0 <= mark <= 100:
            raise ValueError("Quality marks are between 0 and 100.")
        quality = mark * policy.quality_weight
        cooperative = 100 * policy.cooperative_weight if bid.verified_cooperative else 0
        key = price_numerator * _SCALE // price + (quality + cooperative) * _SCALE
        # Rounded half up to whole hundredths: floor(exact + 1/2), exactly.
        total = (2 * price_numerator + price * (2 * (quality + cooperative) + 1)) // (2 * price)
        price_score = (2 * price_numerator + price) // (2 * price)
        why = ("weighted", price_score, mark, quality, cooperative)
        scored.append((-key, not bid.verified_cooperative, bid.submitted_at, bid.bid_id, bid.price, total, why,
                       bid.cooperative_share))
    scored.sort()
    return [RankedBid(bid_id, rank, price, None, _hundredths(total), why, group)
            for rank, (_key, _not_cooperative, _at, bid_id, price, total, why, group) in enumerate(scored, start=1)]
