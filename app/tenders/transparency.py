"""How much contract value goes to verified cooperatives: totals and breakdowns over the awarded contracts.

Figures come from what each contract recorded at its award (the supplier's verification, region and sector then),
so they never move when an organisation changes later. Money of different currencies is never added up: every
figure is for one currency.
"""
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select

from app.extensions import db
from app.money import Money
from app.tenders.models import Contract

DIMENSIONS = ("region", "sector", "policy", "month")


def _month():
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Contract.awarded_at), "YYYY-MM")
    return func.strftime("%Y-%m", Contract.awarded_at)


def _columns():
    return {"region": Contract.supplier_region, "sector": Contract.supplier_sector, "policy": Contract.policy,
            "month": _month()}


def currencies():
    """Currencies with contracts, the most used first."""
    statement = (select(Contract.currency, func.count(Contract.id)).group_by(Contract.currency)
                 .order_by(func.count(Contract.id).desc(), Contract.currency))
    return [currency for currency, _count in db.session.execute(statement)]


def chosen_currency(asked, available):
    """The currency asked for, else the one with most contracts (EUR while there are none)."""
    return asked or (available[0] if available else "EUR")


def share(part, whole):
    """part / whole as a percentage with one decimal, rounded half up; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _figures(key, count, value, cooperative, currency):
    return {"key": key, "contracts": count, "value": Money(value or 0, currency),
            "cooperative_value": Money(cooperative or 0, currency), "cooperative_share": share(cooperative or 0, value or 0)}


def dashboard(currency):
    """{"currency", "totals", "by_region", "by_sector", "by_policy", "by_month"} for the contracts in `currency`."""
    cooperative = func.sum(case((Contract.supplier_verified_cooperative.is_(True), Contract.value_minor), else_=0))
    measures = (func.count(Contract.id), func.sum(Contract.value_minor), cooperative)
    in_currency = Contract.currency == currency
    totals = db.session.execute(select(*measures).where(in_currency)).one()
    result = {"currency": currency, "totals": _figures("all", *totals, currency)}
    for name, column in _columns().items():
        statement = select(column, *measures).where(in_currency).group_by(column).order_by(column)
        rows = [_figures(key or "unknown", *figures, currency) for key, *figures in db.session.execute(statement)]
        if name != "month":
            rows.sort(key=lambda row: (-row["value"].minor, row["key"]))
        result[f"by_{name}"] = rows
    return result


def csv_rows(data):
    """The dashboard as CSV rows (a header first): one line per dimension and value, amounts in major units."""
    yield ["dimension", "key", "currency", "contracts", "value", "cooperative_value", "cooperative_share_percent"]
    for dimension in ("all", *DIMENSIONS):
        rows = [data["totals"]] if dimension == "all" else data[f"by_{dimension}"]
        for row in rows:
            yield [dimension, row["key"], data["currency"], row["contracts"], row["value"].as_decimal_string(),
                   row["cooperative_value"].as_decimal_string(),
                   "" if row["cooperative_share"] is None else f"{row['cooperative_share']}"]
