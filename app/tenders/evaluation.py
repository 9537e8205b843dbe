"""Evaluation of the bids for one lot under a published preference policy.

Pure rules, no database: every figure is exact (integers of minor units; scores as 60-digit quotients, see _EXACT), and each
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

Ties break toward the cooperative, then the earlier submission (then the lower bid id, so the
ranking never depends on the order bids are given in).
"""
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import NamedTuple

from app.money import Money

POLICIES = ("none", "reserved", "price_margin", "weighted")
MAX_MARGIN_PERCENT = Decimal(30)


class PolicyError(ValueError):
    """A policy that cannot be published: unknown kind, margin out of range, weights not summing to 100."""


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
            raise PolicyError(f"Unknown policy {self.kind!r}.")
        if not (Decimal(0) <= Decimal(self.margin_percent) <= MAX_MARGIN_PERCENT):
            raise PolicyError("The margin of preference is between 0 and 30 %.")
        if Decimal(self.margin_percent).as_tuple().exponent < -2:
            raise PolicyError("The margin of preference has at most two decimals.")
        weights = (self.price_weight, self.quality_weight, self.cooperative_weight)
        if self.kind == "weighted" and (any(w < 0 for w in weights) or sum(weights) != 100):
            raise PolicyError("The weights of price, quality and the cooperative criterion must sum to 100.")


class Bid(NamedTuple):
    bid_id: int
    price: Money
    verified_cooperative: bool
    submitted_at: dt.datetime
    quality_mark: int | None = None


class RankedBid(NamedTuple):
    bid_id: int
    rank: int | None              # None: not eligible under the policy
    price: Money
    evaluated_price: Money | None  # price_margin (and none/reserved: the price itself)
    score: Decimal | None          # weighted: total 0–100, two decimals
    explanation: str


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
    # Integers only, rounded half up.
    return Money((2 * price.minor * (10_000 + basis_points) + 10_000) // 20_000, price.currency)


def _percent(value):
    value = Decimal(value).normalize()
    return f"{value:f}"


#: Scores are quotients of integers below 10^20. Two different such quotients (at most 100) differ by more than
#: 10^-40, and one that is not a tie of a rounding to hundredths is more than 10^-22 away from it; so quotients
#: carried to 60 significant digits order and round exactly like the exact fractions, and compare at C speed.
_EXACT = Context(prec=60)


def _quotient(numerator, denominator):
    return _EXACT.divide(Decimal(numerator), Decimal(denominator))


def _two_decimals(value):
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _hundredths(value):
    """An integer number of hundredths with two decimals (quality and cooperative scores are always such)."""
    return Decimal(value).scaleb(-2).quantize(Decimal("0.01"))


def _tie_break(bid):
    return (not bid.verified_cooperative, bid.submitted_at, bid.bid_id)


def evaluate(policy, bids):
    """Rank the bids of one lot; all bids must be in one currency."""
    bids = list(bids)
    if len({bid.price.currency for bid in bids}) > 1:
        raise ValueError("All bids of a lot are in the tender's currency.")
    if policy.kind == "weighted":
        return _weighted(policy, bids)
    eligible, ineligible = [], []
    margin, basis_points = _percent(policy.margin_percent), _basis_points(policy.margin_percent)
    for bid in bids:
        if policy.kind == "reserved" and not bid.verified_cooperative:
            ineligible.append(RankedBid(bid.bid_id, None, bid.price, None, None,
                                        f"price {bid.price}: not eligible, the lot is reserved for verified cooperatives"))
            continue
        if policy.kind == "price_margin" and not bid.verified_cooperative:
            evaluated = _with_margin(bid.price, basis_points)
            why = f"price {bid.price} + {margin} % margin (not a cooperative) = {evaluated}"
        else:
            evaluated = bid.price
            why = f"price {bid.price}" + (" (verified cooperative)" if bid.verified_cooperative else "")
        eligible.append((bid, evaluated, why))
    eligible.sort(key=lambda item: (item[1].minor, *_tie_break(item[0])))
    ranked = [RankedBid(bid.bid_id, rank, bid.price, evaluated, None, why)
              for rank, (bid, evaluated, why) in enumerate(eligible, start=1)]
    return ranked + sorted(ineligible, key=lambda r: r.bid_id)


def _weighted(policy, bids):
    missing = [bid.bid_id for bid in bids if bid.quality_mark is None]
    if missing:
        raise EvaluationIncomplete(f"Give a quality mark to every bid first (missing: {len(missing)}).")
    if not bids:
        return []
    lowest = min(bid.price.minor for bid in bids)
    scored = []
    for bid in bids:
        if not 0 <= bid.quality_mark <= 100:
            raise ValueError("Quality marks are between 0 and 100.")
        price = bid.price.minor
        cooperative = policy.cooperative_weight if bid.verified_cooperative else 0
        # Each score over the common denominator 100 × price: one quotient per bid.
        price_part = 100 * lowest * policy.price_weight
        quality_part = bid.quality_mark * policy.quality_weight * price
        total = _quotient(price_part + quality_part + 100 * cooperative * price, 100 * price)
        why = (f"price {bid.price}: {_two_decimals(_quotient(price_part, 100 * price))} + quality {bid.quality_mark}/100: "
               f"{_hundredths(bid.quality_mark * policy.quality_weight)} + cooperative: {_hundredths(100 * cooperative)}"
               f" = {_two_decimals(total)}")
        scored.append((bid, total, why))
    scored.sort(key=lambda item: (-item[1], *_tie_break(item[0])))
    return [RankedBid(bid.bid_id, rank, bid.price, None, _two_decimals(total), why)
            for rank, (bid, total, why) in enumerate(scored, start=1)]
