"""Trade on the transparency dashboard: the value of orders not cancelled, by the seller's region, sector and the month
the order was placed, with the share sold by verified co-operatives and the inter-cooperation share (bought and sold by
verified co-operatives both, the sixth co-operative principle at work).

Figures come from what each order recorded when it was placed, so they never move when an organisation changes later;
every figure is for one currency. Placing an order adds it to the running totals (TradeTotal) in its transaction and
cancelling takes it out in that one; `rebuild()` recomputes them from the orders (`flask trade rebuild-totals`).
"""
from sqlalchemy import case, delete, func, insert, literal, select

from app.database import upsert
from app.extensions import db
from app.money import Money
from app.tenders.transparency import UNKNOWN, share
from app.trade.models import Order, TradeTotal

DIMENSIONS = ("region", "sector", "month")


def _keys(order):
    return {"all": "all", "region": order.seller_region or UNKNOWN, "sector": order.seller_sector,
            "month": order.placed_at.strftime("%Y-%m")}


def record(order, sign):
    """Add the order to the running totals (sign +1), or take it out (-1); call in the order's transaction."""
    value = sign * order.total_minor
    cooperative = value if order.seller_verified_cooperative else 0
    inter = value if order.seller_verified_cooperative and order.buyer_verified_cooperative else 0
    for dimension, key in _keys(order).items():
        statement = upsert(TradeTotal).values(currency=order.currency, dimension=dimension, key=key, orders=sign,
                                              value_minor=value, cooperative_minor=cooperative,
                                              inter_cooperative_minor=inter)
        # An atomic increment: concurrent orders add up instead of overwriting each other.
        db.session.execute(statement.on_conflict_do_update(
            index_elements=["currency", "dimension", "key"],
            set_={"orders": TradeTotal.orders + sign,
                  "value_minor": TradeTotal.value_minor + statement.excluded.value_minor,
                  "cooperative_minor": TradeTotal.cooperative_minor + statement.excluded.cooperative_minor,
                  "inter_cooperative_minor": TradeTotal.inter_cooperative_minor
                  + statement.excluded.inter_cooperative_minor}))


def _month():
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Order.placed_at), "YYYY-MM")
    return func.strftime("%Y-%m", Order.placed_at)


def rebuild():
    """Recompute every running total from the orders themselves; returns the number of rows written."""
    db.session.execute(delete(TradeTotal))
    cooperative = func.sum(case((Order.seller_verified_cooperative.is_(True), Order.total_minor), else_=0))
    inter = func.sum(case((Order.seller_verified_cooperative.is_(True) & Order.buyer_verified_cooperative.is_(True),
                           Order.total_minor), else_=0))
    columns = {"all": literal("all"), "region": func.coalesce(Order.seller_region, UNKNOWN),
               "sector": Order.seller_sector, "month": _month()}
    written = 0
    for dimension, column in columns.items():
        totals = (
            select(Order.currency, literal(dimension), column, func.count(Order.id), func.sum(Order.total_minor),
                   cooperative, inter)
            .where(Order.status != "cancelled")
            .group_by(Order.currency, *([] if dimension == "all" else [column]))
        )
        result = db.session.execute(insert(TradeTotal).from_select(
            ["currency", "dimension", "key", "orders", "value_minor", "cooperative_minor", "inter_cooperative_minor"],
            totals))
        written += result.rowcount
    return written


def currencies():
    """Currencies with orders, the most used first."""
    statement = (select(TradeTotal.currency).where(TradeTotal.dimension == "all", TradeTotal.orders > 0)
                 .order_by(TradeTotal.orders.desc(), TradeTotal.currency))
    return list(db.session.scalars(statement))


def _figures(key, count, value, cooperative, inter, currency):
    return {"key": key, "orders": count, "value": Money(value, currency),
            "cooperative_value": Money(cooperative, currency), "cooperative_share": share(cooperative, value),
            "inter_cooperation_value": Money(inter, currency), "inter_cooperation_share": share(inter, value)}


def dashboard(currency):
    """{"currency", "totals", "by_region", "by_sector", "by_month"} for the orders in `currency`."""
    rows = db.session.scalars(select(TradeTotal).where(TradeTotal.currency == currency, TradeTotal.orders > 0))
    result = {"currency": currency, "totals": _figures("all", 0, 0, 0, 0, currency),
              **{f"by_{dimension}": [] for dimension in DIMENSIONS}}
    for row in rows:
        figures = _figures(row.key, row.orders, row.value_minor, row.cooperative_minor, row.inter_cooperative_minor,
                           currency)
        if row.dimension == "all":
            result["totals"] = figures
        else:
            result[f"by_{row.dimension}"].append(figures)
    for dimension in ("region", "sector"):
        result[f"by_{dimension}"].sort(key=lambda row: (-row["value"].minor, row["key"]))
    result["by_month"].sort(key=lambda row: row["key"])
    return result
