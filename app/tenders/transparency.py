"""How much contract value goes to verified cooperatives: totals and breakdowns over the awarded contracts.

Figures come from what each contract recorded at its award (the supplier's verification, region and sector then),
so they never move when an organisation changes later. A joint bid's contract is split by the members' declared
shares (ContractShare, exact: the parts sum to the value); only the parts of verified cooperatives count as theirs.
Money of different currencies is never added up: every figure is for one currency. The award adds its contract to
running totals (ContractTotal) in the same transaction; `rebuild()` recomputes them from the contracts (`flask tenders rebuild-totals`).
"""
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, delete, func, insert, literal, select

from app.database import upsert
from app.extensions import db
from app.money import Money
from app.tenders.models import Contract, ContractShare, ContractTotal

DIMENSIONS = ("region", "sector", "policy", "month")
UNKNOWN = "unknown"


def _keys(contract):
    """{dimension: key} of one contract."""
    return {
        "all": "all", "region": contract.supplier_region or UNKNOWN, "sector": contract.supplier_sector,
        "policy": contract.policy, "month": contract.awarded_at.strftime("%Y-%m"),
    }


def split(value_minor, shares):
    """`value_minor` split by `shares` (hundredths of a percent summing to 10,000) in whole minor units, by largest
    remainder: each part is its exact share rounded down, and the units left go to the largest remainders (the earlier
    share on a tie), so the parts always sum to the value."""
    exact = [divmod(value_minor * share, 10_000) for share in shares]
    parts = [whole for whole, _remainder in exact]
    left = value_minor - sum(parts)
    for index in sorted(range(len(shares)), key=lambda i: (-exact[i][1], i))[:left]:
        parts[index] += 1
    return parts


def cooperative_value(contract):
    """The part of the contract's value won by verified cooperatives (at the award)."""
    if contract.shares:
        return sum(share.value_minor for share in contract.shares if share.verified_cooperative)
    return contract.value_minor if contract.supplier_verified_cooperative else 0


def record(contract):
    """Add an awarded contract to the running totals (call in the award's transaction)."""
    cooperative = cooperative_value(contract)
    for dimension, key in _keys(contract).items():
        statement = upsert(ContractTotal).values(
            currency=contract.currency, dimension=dimension, key=key, contracts=1,
            value_minor=contract.value_minor, cooperative_minor=cooperative)
        # An atomic increment: concurrent awards add up instead of overwriting each other.
        db.session.execute(statement.on_conflict_do_update(
            index_elements=["currency", "dimension", "key"],
            set_={"contracts": ContractTotal.contracts + 1,
                  "value_minor": ContractTotal.value_minor + statement.excluded.value_minor,
                  "cooperative_minor": ContractTotal.cooperative_minor + statement.excluded.cooperative_minor}))


def _month():
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Contract.awarded_at), "YYYY-MM")
    return func.strftime("%Y-%m", Contract.awarded_at)


def rebuild():
    """Recompute every running total from the contracts themselves; returns the number of rows written."""
    db.session.execute(delete(ContractTotal))
    shared = (select(ContractShare.contract_id,
                     func.sum(case((ContractShare.verified_cooperative.is_(True), ContractShare.value_minor), else_=0))
                     .label("cooperative"))
              .group_by(ContractShare.contract_id).subquery())
    cooperative = func.sum(func.coalesce(
        shared.c.cooperative, case((Contract.supplier_verified_cooperative.is_(True), Contract.value_minor), else_=0)))
    columns = {"all": literal("all"), "region": func.coalesce(Contract.supplier_region, UNKNOWN),
               "sector": Contract.supplier_sector, "policy": Contract.policy, "month": _month()}
    written = 0
    for dimension, column in columns.items():
        select_totals = (
            select(Contract.currency, literal(dimension), column, func.count(Contract.id), func.sum(Contract.value_minor),
                   cooperative)
            .select_from(Contract).outerjoin(shared, shared.c.contract_id == Contract.id)
            .group_by(Contract.currency, *([] if dimension == "all" else [column]))
        )
        result = db.session.execute(insert(ContractTotal).from_select(
            ["currency", "dimension", "key", "contracts", "value_minor", "cooperative_minor"], select_totals))
        written += result.rowcount
    return written


def currencies():
    """Currencies with contracts, the most used first."""
    statement = (select(ContractTotal.currency).where(ContractTotal.dimension == "all")
                 .order_by(ContractTotal.contracts.desc(), ContractTotal.currency))
    return list(db.session.scalars(statement))


def chosen_currency(asked, available):
    """The currency asked for, else the one with most contracts (EUR while there are none)."""
    return asked or (available[0] if available else "EUR")


def share(part, whole):
    """part / whole as a percentage with one decimal, rounded half up; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _figures(key, count, value, cooperative, currency):
    return {"key": key, "contracts": count, "value": Money(value, currency),
            "cooperative_value": Money(cooperative, currency), "cooperative_share": share(cooperative, value)}


def dashboard(currency):
    """{"currency", "totals", "by_region", "by_sector", "by_policy", "by_month"} for the contracts in `currency`."""
    rows = db.session.execute(select(ContractTotal).where(ContractTotal.currency == currency)).scalars()
    result = {"currency": currency, "totals": _figures("all", 0, 0, 0, currency),
              **{f"by_{dimension}": [] for dimension in DIMENSIONS}}
    for row in rows:
        figures = _figures(row.key, row.contracts, row.value_minor, row.cooperative_minor, currency)
        if row.dimension == "all":
            result["totals"] = figures
        else:
            result[f"by_{row.dimension}"].append(figures)
    for dimension in ("region", "sector", "policy"):
        result[f"by_{dimension}"].sort(key=lambda row: (-row["value"].minor, row["key"]))
    result["by_month"].sort(key=lambda row: row["key"])
    return result


def csv_rows(data):
    """The dashboard as CSV rows (a header first): one line per dimension and value, amounts in major units."""
    yield ["dimension", "key", "currency", "contracts", "value", "cooperative_value", "cooperative_share_percent"]
    for dimension in ("all", *DIMENSIONS):
        rows = [data["totals"]] if dimension == "all" else data[f"by_{dimension}"]
        for row in rows:
            yield [dimension, row["key"], data["currency"], row["contracts"], row["value"].amount,
                   row["cooperative_value"].amount, row["cooperative_share"]]
