"""The figures of a report, from SQL aggregates over the rows themselves: trade (orders bought and sold), contracts (won
as supplier, awarded as buyer) and campaign money (the ledger), for a period, in total, by month and by SDG, each in one
currency (amounts of two currencies are never added).

What counts:
- an order counts when it was placed in the period and is not cancelled (now), for its full value;
- a contract counts when it was awarded in the period, whatever became of it later (completed or terminated);
- campaign money is the ledger's entries written in the period: raised (donations paid), matched, refunded (donations
  and their matches given back), fees and spent (expenses and disbursements), and net, their sum; the balance is
  everything the campaigns hold at the end of the period.

SDGs: an order line counts under the SDGs of its listing (a free-text line, a listing without SDGs or one deleted since:
"no SDG"), a contract under those of its supplier, campaign money under its campaign's, as each declares them now. A
value counts in full under each of its SDGs, so the SDG rows do not add up to the total.
"""
import dataclasses
import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import case, distinct, func, or_, select, true

from app.campaigns.models import CAMPAIGN_LEDGER_KINDS, Campaign, LedgerEntry, campaign_sdgs
from app.catalog.models import listing_sdgs
from app.extensions import db
from app.orgs.models import organization_sdgs
from app.tenders.models import Contract, ContractShare
from app.trade.models import Order, OrderLine

#: Money figures, in minor units of one currency.
MEASURES = ("bought", "sold", "won", "awarded", "raised", "matched", "refunded", "fees", "spent")
#: How many orders, contracts and campaigns the money figures come from.
COUNTS = ("bought_orders", "sold_orders", "won_contracts", "awarded_contracts", "campaigns")
#: A month's key: "YYYY-MM".
MONTH, SDG = "month", "sdg"


@dataclasses.dataclass(frozen=True)
class Period:
    """From the first day to the last one, both included (UTC days)."""

    first: dt.date
    last: dt.date

    @classmethod
    def ending(cls, last):
        """The twelve months up to `last`: its month and the eleven before it."""
        months = max(last.year * 12 + last.month - 1 - 11, 12)
        return cls(dt.date(months // 12, months % 12 + 1, 1), last)

    @classmethod
    def starting(cls, first):
        """The twelve months from `first`: up to the day before its anniversary."""
        if first.year == dt.MAXYEAR:
            return cls(first, dt.date.max)
        try:
            anniversary = first.replace(year=first.year + 1)
        except ValueError:  # 29 February
            anniversary = dt.date(first.year + 1, 3, 1)
        return cls(first, anniversary - dt.timedelta(days=1))

    @property
    def starts_at(self):
        return dt.datetime.combine(self.first, dt.time.min, dt.UTC)

    @property
    def ends_before(self):
        """The first moment after the period (None after the last day a date can name)."""
        return None if self.last == dt.date.max else dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time.min,
                                                                         dt.UTC)

    def within(self, column):
        """SQL conditions: `column` falls in the period."""
        conditions = [column >= self.starts_at]
        if self.ends_before is not None:
            conditions.append(column < self.ends_before)
        return conditions


class Scope:
    """Whose figures: one organisation (an id), the organisations of a select of ids, or everyone (None)."""

    def __init__(self, organizations=None):
        self.organizations = organizations

    def of(self, column):
        if self.organizations is None:
            return true()
        if isinstance(self.organizations, int):
            return column == self.organizations
        return column.in_(self.organizations)


@dataclasses.dataclass
class Figures:
    """A report's figures: {currency: Counter} in total (with the campaigns' `balance`), {(month, currency): Counter}
    and {(SDG number or None, currency): Counter}; counters hold MEASURES and COUNTS, absent ones are 0."""

    totals: dict = dataclasses.field(default_factory=lambda: defaultdict(Counter))
    by_month: dict = dataclasses.field(default_factory=lambda: defaultdict(Counter))
    by_sdg: dict = dataclasses.field(default_factory=lambda: defaultdict(Counter))

    @property
    def currencies(self):
        return sorted(self.totals)

    def add(self, grouping, rows):
        """Add result rows (mappings with "currency", "key" unless in total, and figures) to the grouping's counters."""
        target = {None: self.totals, MONTH: self.by_month, SDG: self.by_sdg}[grouping]
        for row in rows:
            counter = target[row["currency"] if grouping is None else (row["key"], row["currency"])]
            for name, value in row.items():
                if name not in ("currency", "key"):
                    counter[name] += int(value or 0)


def month_of(column):
    """The UTC month of a timestamp column, "YYYY-MM"."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _grouped(statement, currency_column, grouping, key):
    """`statement` selecting the currency (and `key`, unless in total), grouped by them."""
    keys = [currency_column.label("currency")] + ([] if grouping is None else [key.label("key")])
    return statement.add_columns(*keys).group_by(currency_column, *([] if grouping is None else [key]))


def _in_currency(column, currency):
    return [column == currency] if currency else []


def _trade(side, scope, period, currency, grouping):
    party = Order.buyer_organization_id if side == "bought" else Order.seller_organization_id
    conditions = [Order.status != "cancelled", scope.of(party), *_in_currency(Order.currency, currency)]
    conditions += period.within(Order.placed_at) if period else []
    if grouping == SDG:
        statement = (select(func.count(distinct(Order.id)).label(f"{side}_orders"),
                            func.sum(OrderLine.total_minor).label(side))
                     .select_from(OrderLine).join(Order, Order.id == OrderLine.order_id)
                     .outerjoin(listing_sdgs, listing_sdgs.c.listing_id == OrderLine.listing_id))
        return _grouped(statement.where(*conditions), Order.currency, grouping, listing_sdgs.c.sdg_number)
    statement = select(func.count(Order.id).label(f"{side}_orders"), func.sum(Order.total_minor).label(side))
    return _grouped(statement.where(*conditions), Order.currency, grouping,
                    month_of(Order.placed_at) if grouping == MONTH else None)


def _contracts(side, scope, period, currency, grouping):
    party = Contract.supplier_id if side == "won" else Contract.buyer_id
    conditions = [scope.of(party), *_in_currency(Contract.currency, currency)]
    conditions += period.within(Contract.awarded_at) if period else []
    if side == "won":  # a joint bid's contract is won in parts (_joint_parts)
        conditions.append(Contract.joint_bid.is_(False))
    statement = select(func.count(distinct(Contract.id)).label(f"{side}_contracts"),
                       func.sum(Contract.value_minor).label(side))
    if grouping == SDG:
        statement = statement.select_from(Contract).outerjoin(
            organization_sdgs, organization_sdgs.c.organization_id == Contract.supplier_id)
        return _grouped(statement.where(*conditions), Contract.currency, grouping, organization_sdgs.c.sdg_number)
    return _grouped(statement.where(*conditions), Contract.currency, grouping,
                    month_of(Contract.awarded_at) if grouping == MONTH else None)


def _joint_parts(scope, period, currency, grouping):
    """What joint bids' members won: each member's part of the contract, by its declared share."""
    conditions = [scope.of(ContractShare.organization_id), *_in_currency(Contract.currency, currency)]
    conditions += period.within(Contract.awarded_at) if period else []
    statement = (select(func.count(distinct(Contract.id)).label("won_contracts"), func.sum(ContractShare.value_minor).label("won"))
                 .select_from(ContractShare).join(Contract, Contract.id == ContractShare.contract_id))
    if grouping == SDG:
        statement = statement.outerjoin(organization_sdgs, organization_sdgs.c.organization_id == ContractShare.organization_id)
        return _grouped(statement.where(*conditions), Contract.currency, grouping, organization_sdgs.c.sdg_number)
    return _grouped(statement.where(*conditions), Contract.currency, grouping,
                    month_of(Contract.awarded_at) if grouping == MONTH else None)


def _sum_of(condition, negated=False):
    """The sum of the entries meeting `condition` (negated: money out, as a positive figure)."""
    amount = -LedgerEntry.amount_minor if negated else LedgerEntry.amount_minor
    return func.sum(case((condition, amount), else_=0))


def _campaigns(scope, period, currency, grouping):
    kind = LedgerEntry.kind
    conditions = [kind.in_(CAMPAIGN_LEDGER_KINDS), scope.of(Campaign.organization_id),
                  *_in_currency(LedgerEntry.currency, currency)]
    conditions += period.within(LedgerEntry.created_at) if period else []
    statement = (select(func.count(distinct(LedgerEntry.campaign_id)).label("campaigns"),
                        _sum_of(kind == "donation").label("raised"), _sum_of(kind == "match").label("matched"),
                        _sum_of(kind == "refund", negated=True).label("refunded"),
                        _sum_of(kind == "fee", negated=True).label("fees"),
                        _sum_of(or_(kind == "expense", kind == "disbursement"), negated=True).label("spent"))
                 .select_from(LedgerEntry).join(Campaign, Campaign.id == LedgerEntry.campaign_id))
    if grouping == SDG:
        statement = statement.outerjoin(campaign_sdgs, campaign_sdgs.c.campaign_id == LedgerEntry.campaign_id)
        return _grouped(statement.where(*conditions), LedgerEntry.currency, grouping, campaign_sdgs.c.sdg_number)
    return _grouped(statement.where(*conditions), LedgerEntry.currency, grouping,
                    month_of(LedgerEntry.created_at) if grouping == MONTH else None)


def _balances(scope, period, currency):
    """What the campaigns hold at the end of the period, per currency."""
    conditions = [LedgerEntry.kind.in_(CAMPAIGN_LEDGER_KINDS), scope.of(Campaign.organization_id),
                  *_in_currency(LedgerEntry.currency, currency)]
    if period and period.ends_before is not None:
        conditions.append(LedgerEntry.created_at < period.ends_before)
    statement = (select(func.sum(LedgerEntry.amount_minor).label("balance"))
                 .select_from(LedgerEntry).join(Campaign, Campaign.id == LedgerEntry.campaign_id).where(*conditions))
    return _grouped(statement, LedgerEntry.currency, None, None)


def _statements(scope, period, currency, grouping):
    yield _trade("bought", scope, period, currency, grouping)
    yield _trade("sold", scope, period, currency, grouping)
    yield _contracts("won", scope, period, currency, grouping)
    yield _joint_parts(scope, period, currency, grouping)
    yield _contracts("awarded", scope, period, currency, grouping)
    yield _campaigns(scope, period, currency, grouping)


def compute(scope, period, currency=None):
    """The Figures of `scope` in `period` (None: all time), in `currency` or in every currency."""
    figures = Figures()
    for grouping in (None, MONTH, SDG):
        for statement in _statements(scope, period, currency, grouping):
            figures.add(grouping, db.session.execute(statement).mappings())
    figures.add(None, db.session.execute(_balances(scope, period, currency)).mappings())
    return figures


def platform_by_sdg(currency):
    """All time, for every organisation: {SDG number or None: Counter} of contract value (`won`), trade value (`sold`)
    and campaign money in `currency`."""
    figures, scope = Figures(), Scope()
    for statement in (_trade("sold", scope, None, currency, SDG), _contracts("won", scope, None, currency, SDG),
                      _joint_parts(scope, None, currency, SDG), _campaigns(scope, None, currency, SDG)):
        figures.add(SDG, db.session.execute(statement).mappings())
    return {sdg: counter for (sdg, _currency), counter in figures.by_sdg.items()}


def net(counter):
    """Money in less money out: raised + matched − refunded − fees − spent."""
    return counter["raised"] + counter["matched"] - counter["refunded"] - counter["fees"] - counter["spent"]

