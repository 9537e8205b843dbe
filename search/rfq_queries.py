"""Query bodies for the search of requests for quotation (the shared pieces are in search.queries)."""
import datetime as dt
from dataclasses import dataclass, field

from search.facets import facet_aggregations, facet_filters
from search.queries import (
    clean_text,
    cpv_filters,
    highlight_request,
    moment,
    page_window,
    text_query,
)

RFQ_FACET_FIELDS = {
    "cpv_division": "cpv.division",
    "country": "delivery_country",
    "region": "delivery_region",
}
RFQ_FACETS = ("cpv_division", "country", "region")
RFQ_TEXT_FIELDS = [
    "title^3", "title.en^2", "title.fr^2", "title.es^2",
    "description", "description.en", "description.fr", "description.es",
    "cpv.label_en^1.5", "cpv.label_fr^1.5", "cpv.label_es^1.5",
    "cpv.parents_en^0.5", "cpv.parents_fr^0.5", "cpv.parents_es^0.5",
    "buyer.name",
]


@dataclass(frozen=True)
class RfqQuery:
    text: str = ""
    cpv: tuple = ()
    selections: dict = field(default_factory=dict)
    #: Only requests whose deadline for quotes is after this moment (the ones still taking quotes).
    open_at: dt.datetime | None = None
    facets: tuple = RFQ_FACETS
    page: int = 1
    per_page: int = 20


def rfq_search_body(query):
    """The search request for one page of requests for quotation, with facets and highlights; the most relevant first,
    then the soonest due."""
    text = clean_text(query.text)
    must = [text_query(text, RFQ_TEXT_FIELDS)] if text else [{"match_all": {}}]
    filters = cpv_filters(query.cpv)
    if query.open_at is not None:
        filters.append({"range": {"quotes_due": {"gt": moment(query.open_at)}}})
    selections = {name: values for name, values in query.selections.items() if values}
    body = {
        "query": {"bool": {"must": must, "filter": filters}},
        "post_filter": {"bool": {"filter": facet_filters(selections, facet_fields=RFQ_FACET_FIELDS)}},
        "aggs": facet_aggregations(query.facets, selections, RFQ_FACET_FIELDS),
        "sort": ["_score", {"quotes_due": "asc"}, {"rfq_id": "asc"}],
        **page_window(query.page, query.per_page),
        "track_total_hits": True,
        "_source": ["rfq_id", "title", "cpv.code", "quantity", "unit", "delivery_country", "needed_by", "quotes_due",
                    "cooperatives_only", "buyer"],
    }
    if text:
        body["highlight"] = highlight_request(text)
    return body
