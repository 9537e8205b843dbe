"""Evaluation of the bids for one lot under a published preference policy.

Pure rules, no database: every figure is exact (integers of minor units and fractions), and each
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
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

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
        weights = (self.price_weight, self.quality_weight, self.cooperative_weight)
        if self.kind == "weighted" and (any(w < 0 for w in weights) or sum(weights) != 100):
            raise PolicyError("The weights of price, quality and the cooperative criterion must sum to 100.")


@dataclass(frozen=True)
class Bid:
    bid_id: int
    price: Money
    verified_cooperative: bool
    submitted_at: dt.datetime
    quality_mark: int | None = None


@dataclass(frozen=True)
class RankedBid:
    bid_id: int
    rank: int | None              # None: not eligible under the policy
    price: Money
    evaluated_price: Money | None  # price_margin (and none/reserved: the price itself)
    score: Decimal | None          # weighted: total 0–100, two decimals
    explanation: str


def margin_price(price, margin_percent):
    """price × (1 + margin %), rounded half up to the minor unit."""
    exact = Decimal(price.minor) * (Decimal(100) + Decimal(margin_percent)) / Decimal(100)
    return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)), price.currency)


def _percent(value):
    value = Decimal(value).normalize()
    return f"{value:f}"


def _two_decimals(fraction):
    return (Decimal(fraction.numerator) / Decimal(fraction.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


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
    for bid in bids:
        if policy.kind == "reserved" and not bid.verified_cooperative:
            ineligible.append(RankedBid(bid.bid_id, None, bid.price, None, None,
                                        f"price {bid.price}: not eligible, the lot is reserved for verified cooperatives"))
            continue
        if policy.kind == "price_margin" and not bid.verified_cooperative:
            evaluated = margin_price(bid.price, policy.margin_percent)
            why = f"price {bid.price} + {_percent(policy.margin_percent)} % margin (not a cooperative) = {evaluated}"
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
        price_score = Fraction(lowest, bid.price.minor) * policy.price_weight
        quality_score = Fraction(bid.quality_mark * policy.quality_weight, 100)
        cooperative_score = Fraction(policy.cooperative_weight if bid.verified_cooperative else 0)
        total = price_score + quality_score + cooperative_score
        why = (f"price {bid.price}: {_two_decimals(price_score)} + quality {bid.quality_mark}/100: "
               f"{_two_decimals(quality_score)} + cooperative: {_two_decimals(cooperative_score)} = {_two_decimals(total)}")
        scored.append((bid, total, why))
    scored.sort(key=lambda item: (-item[1], *_tie_break(item[0])))
    return [RankedBid(bid.bid_id, rank, bid.price, None, _two_decimals(total), why)
            for rank, (bid, total, why) in enumerate(scored, start=1)]
