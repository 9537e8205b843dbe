"""Tender search: from validated parameters to results a page, the API or a supplier's dashboard can show.

Whether a tender is open is decided at the moment of the search, from its deadline: the engine filters on it, and
the database confirms the tenders of the page. No job rewrites a document when a deadline passes.
"""
import datetime as dt

from sqlalchemy import select

from app.catalog.search_service import facet_labels, indexed_money, indexed_organization, labelled_facets
from app.catalog.services import listing_divisions
from app.extensions import db
from app.indexing import search_engine
from app.models_base import utcnow
from app.orgs.models import Organization
from app.tenders.labels import POLICY_LABELS
from app.tenders.models import Tender
from search import TENDER_FACET_FIELDS, TenderQuery

#: How many open tenders a supplier's dashboard offers.
DASHBOARD_MATCHES = 10


def build_query(params, now):
    """A TenderQuery from the search schema's output; `now` decides which tenders are still open."""
    return TenderQuery(
        text=params["q"],
        cpv=tuple(code.split("-")[0] for code in params["cpv"]),
        selections={name: tuple(params.get(name) or ()) for name in TENDER_FACET_FIELDS},
        open_at=now if params["status"] == "open" else None,
        deadline_from=params["deadline_from"],
        deadline_to=params["deadline_to"],
        currency=tuple(params["currency"]),
        budget_min=params["budget_min"],
        budget_max=params["budget_max"],
        sort=params["sort"],
        page=params["page"],
        per_page=params["per_page"],
    )


def _state(deadline, awarded, now):
    """Tender.state() of a published tender."""
    if now < deadline:
        return "open"
    return "awarded" if awarded else "closed"


def _hits(documents, open_only, now):
    """The page's tenders as the database has them now (one query on their ids). The index lags behind the database
    by the worker's delay, longer when the engine was down: a tender cancelled or closed meanwhile is never offered
    as open (or at all, once cancelled)."""
    ids = [document["tender_id"] for document in documents]
    current = {}
    if ids:
        statement = select(Tender.id, Tender.status, Tender.deadline).where(Tender.id.in_(ids))
        current = {row.id: row for row in db.session.execute(statement)}
    hits = []
    for document in documents:
        row = current.get(document["tender_id"])
        if row is None or row.status != "published":
            continue
        state = _state(row.deadline, document["awarded"], now)
        if open_only and state != "open":
            continue
        hits.append({
            "id": row.id,
            "title": document["title"],
            "highlight": document.get("highlight"),
            "cpv_code": document["cpv"]["code"],
            "policy": document["policy"],
            "budget": indexed_money(document.get("budget")),
            "deadline": row.deadline,
            "published_at": dt.datetime.fromisoformat(document["published_at"]),
            "state": state,
            "buyer": indexed_organization(document["buyer"]),
        })
    return hits


def _labels(locale):
    return {"cpv_division": facet_labels(locale)["cpv_division"],
            "policy": {policy: str(label) for policy, label in POLICY_LABELS.items()}}


def search_tenders(params, locale="en"):
    """Run the search; raises search.SearchUnavailable when the engine cannot answer.

    The total leaves out the tenders of the page the database no longer offers; the facet counts are the index's."""
    now = utcnow()
    found = search_engine().search_tenders(build_query(params, now))
    items = _hits(found["items"], params["status"] == "open", now)
    return {
        "total": found["total"] - (len(found["items"]) - len(items)),
        "page": params["page"],
        "per_page": params["per_page"],
        "items": items,
        "facets": labelled_facets(found["facets"], params, _labels(locale)),
    }


def open_tenders_for_supplier(organization_id):
    """Other buyers' open tenders in the CPV divisions of the organisation's listings, closing soonest first
    ([] when it lists nothing). Raises search.SearchUnavailable when the engine cannot answer."""
    divisions = listing_divisions(organization_id)
    if not divisions:
        return []
    now = utcnow()
    query = TenderQuery(selections={"cpv_division": tuple(divisions)}, open_at=now, excluded_buyers=(organization_id,),
                        facets=(), sort="deadline", per_page=DASHBOARD_MATCHES)
    return _hits(search_engine().search_tenders(query)["items"], True, now)


def _database_hit(tender):
    """An open tender as a search hit, read from the database (the buyer is the Organization itself)."""
    return {"id": tender.id, "title": tender.title, "highlight": None, "cpv_code": tender.cpv.code, "policy": tender.policy,
            "budget": tender.budget, "deadline": tender.deadline, "state": "open", "buyer": tender.organization}


def closing_soon(limit=12):
    """Open tenders closing soonest, from the database, as hits: what the tender page shows when the engine is down."""
    statement = (
        select(Tender).join(Tender.organization)
        .where(Tender.status == "published", Tender.deadline > utcnow(), Organization.is_active.is_(True))
        .order_by(Tender.deadline, Tender.id).limit(limit)
    )
    return [_database_hit(tender) for tender in db.session.scalars(statement)]
