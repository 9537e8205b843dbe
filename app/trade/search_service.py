"""Search of public requests for quotation: from validated parameters to results a page or the API can show.

Whether a request still takes quotes is decided at the moment of the search, from its deadline: the engine filters on
it, and the database confirms the requests of the page (one cancelled meanwhile is never offered)."""
from sqlalchemy import select

from app.catalog.search_service import facet_labels, indexed_organization, labelled_facets
from app.extensions import db
from app.indexing import search_engine
from app.models_base import utcnow
from app.trade.models import Rfq
from search import RFQ_FACET_FIELDS, RfqQuery


def build_query(params, now):
    """An RfqQuery from the search schema's output; `now` decides which requests still take quotes."""
    return RfqQuery(
        text=params["q"],
        cpv=tuple(code.split("-")[0] for code in params["cpv"]),
        selections={name: tuple(params.get(name) or ()) for name in RFQ_FACET_FIELDS},
        open_at=now, page=params["page"], per_page=params["per_page"],
    )


def _hits(documents, now):
    ids = [document["rfq_id"] for document in documents]
    current = {}
    if ids:
        statement = select(Rfq.id, Rfq.status, Rfq.quotes_due, Rfq.visibility).where(Rfq.id.in_(ids))
        current = {row.id: row for row in db.session.execute(statement)}
    hits = []
    for document in documents:
        row = current.get(document["rfq_id"])
        if row is None or row.status != "published" or row.visibility != "public" or row.quotes_due <= now:
            continue
        hits.append({
            "id": row.id, "title": document["title"], "highlight": document.get("highlight"),
            "cpv_code": document["cpv"]["code"], "quantity": f"{document['quantity']:g}", "unit": document["unit"],
            "delivery_country": document["delivery_country"], "needed_by": document["needed_by"],
            "quotes_due": row.quotes_due.isoformat(), "cooperatives_only": document["cooperatives_only"],
            "buyer": indexed_organization(document["buyer"]),
        })
    return hits


def search_rfqs(params, locale="en"):
    """Run the search; raises search.SearchUnavailable when the engine cannot answer."""
    now = utcnow()
    found = search_engine().search_rfqs(build_query(params, now))
    items = _hits(found["items"], now)
    labels = facet_labels(locale)
    return {
        "total": found["total"] - (len(found["items"]) - len(items)),
        "page": params["page"],
        "per_page": params["per_page"],
        "items": items,
        "facets": labelled_facets(found["facets"], params, {"cpv_division": labels["cpv_division"],
                                                            "country": labels["country"]}),
    }
