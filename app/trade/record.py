"""A supplier's public track record: the tender contracts it completed and the orders it fulfilled, with the average
of the ratings its buyers gave for both."""
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.tenders.models import Contract
from app.trade.models import Order


def track_records(organization_ids):
    """{organization id: {"contracts", "orders", "completed", "rating", "ratings"}} for each of the ids."""
    ids = list(set(organization_ids))
    records = {i: {"contracts": 0, "orders": 0, "completed": 0, "rating": None, "ratings": 0} for i in ids}
    if not ids:
        return records
    sums = {i: 0 for i in ids}
    for model, supplier, name in ((Contract, Contract.supplier_id, "contracts"),
                                  (Order, Order.seller_organization_id, "orders")):
        statement = (select(supplier, func.count(model.id), func.count(model.rating), func.coalesce(func.sum(model.rating), 0))
                     .where(supplier.in_(ids), model.status == "completed").group_by(supplier))
        for organization_id, completed, rated, rating_sum in db.session.execute(statement):
            records[organization_id][name] = completed
            records[organization_id]["completed"] += completed
            records[organization_id]["ratings"] += rated
            sums[organization_id] += rating_sum
    for organization_id, record in records.items():
        record["rating"] = average_rating(sums[organization_id], record["ratings"])
    return records


def average_rating(total, count):
    """The mean of `count` ratings summing to `total`, to one decimal rounded half up (4.25 → 4.3); None for none."""
    if not count:
        return None
    return float((Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def track_record(organization_id):
    return track_records([organization_id])[organization_id]
