"""A supplier's public track record: the tender contracts it completed and the orders it fulfilled, with the average
of the ratings its buyers gave for both."""
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
        if record["ratings"]:
            record["rating"] = round(sums[organization_id] / record["ratings"], 1)
    return records


def track_record(organization_id):
    return track_records([organization_id])[organization_id]
