"""Query bodies for tender search (the shared pieces are in search.queries)."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from search.facets import facet_aggregations, facet_filters, terms
from search.queries import (
    clean_text,
    cpv_filters,
    highlight_request,
    moment,
    money_filters,
    page_window,
    range_filter,
    text_query,
)

TENDER_FACET_FIELDS = {
    "cpv_division": "cpv.division",
    "country": "buyer.country",
    "region": "buyer.region",
    "policy": "policy",
}
TENDER_FACETS = ("policy", "region", "cpv_division")
TENDER_TEXT_FIELDS = [
    "title^3", "title.en^2", "title.fr^2", "title.es^2",
    "description", "description.en", "description.fr", "description.es",
    "lots", "lots.en", "lots.fr", "lots.es",
    "cpv.label_en^1.5", "cpv.label_fr^1.5", "cpv.label_es^1.5",
    "cpv.parents_en^0.5", "cpv.parents_fr^0.5", "cpv.parents_es^0.5",
    "buyer.name",
]
TENDER_SORTS = ("relevance", "deadline", "newest")


@dataclass(frozen=True)
class TenderQuery:
    text: str = ""
    cpv: tuple = ()
    selections: dict = field(default_factory=dict)
    #: Only tenders whose deadline is after this moment (the open ones); None: every published tender.
    open_at: dt.datetime | None = None
    deadline_from: dt.datetime | None = None
    deadline_to: dt.datetime | None = None
    currency: tuple = ()
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    #: Buyers whose tenders are left out (a supplier is not offered its own organisation's tenders).
    excluded_buyers: tuple = ()
    facets: tuple = TENDER_FACETS
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


def _tender_filters(query):
    filters = cpv_filters(query.cpv)
    filters += range_filter("deadline", moment(query.deadline_from), moment(query.deadline_to))
    if query.open_at is not None:
        # Decided now, from the deadline: a tender is never shown open after it, however late the index is.
        filters.append({"range": {"deadline": {"gt": moment(query.open_at)}}})
    return filters + money_filters("budget", query.currency, query.budget_min, query.budget_max)


def _tender_sort(name):
    return {
        "relevance": ["_score", {"deadline": "asc"}, {"tender_id": "asc"}],
        "deadline": [{"deadline": "asc"}, {"tender_id": "asc"}],
        "newest": [{"published_at": "desc"}, {"tender_id": "desc"}],
    }[name]


def tender_search_body(query):
    """The search request for one page of tenders with the facets the query asks for and highlights."""
    text = clean_text(query.text)
    must = [text_query(text, TENDER_TEXT_FIELDS)] if text else [{"match_all": {}}]
    must_not = [terms("buyer.id", query.excluded_buyers)] if query.excluded_buyers else []
    selections = {name: values for name, values in query.selections.items() if values}
    body = {
        "query": {"bool": {"must": must, "filter": _tender_filters(query), "must_not": must_not}},
        "post_filter": {"bool": {"filter": facet_filters(selections, facet_fields=TENDER_FACET_FIELDS)}},
        "aggs": facet_aggregations(query.facets, selections, TENDER_FACET_FIELDS),
        "sort": _tender_sort(query.sort),
        **page_window(query.page, query.per_page),
        "track_total_hits": True,
        "_source": ["tender_id", "title", "cpv.code", "policy", "budget", "deadline", "published_at", "awarded", "buyer"],
    }
    if text:
        body["highlight"] = highlight_request(text)
    return body
