"""Query bodies for campaign search (the shared pieces are in search.queries)."""
import datetime as dt
from dataclasses import dataclass, field

from search.facets import facet_aggregations, facet_filters
from search.queries import (
    clean_text,
    highlight_request,
    moment,
    page_window,
    range_filter,
    text_query,
)

CAMPAIGN_FACET_FIELDS = {
    "sdg": "sdgs",
    "country": "organization.country",
    "region": "organization.region",
    "funding_model": "funding_model",
}
CAMPAIGN_FACETS = ("sdg", "region", "funding_model")
CAMPAIGN_TEXT_FIELDS = [
    "title^3", "title.en^2", "title.fr^2", "title.es^2",
    "summary^2", "summary.en^1.5", "summary.fr^1.5", "summary.es^1.5",
    "story", "story.en", "story.fr", "story.es",
    "organization.name",
]
CAMPAIGN_SORTS = ("relevance", "ending_soon", "newest")

@dataclass(frozen=True)
class CampaignQuery:
    #: The moment of the search: a campaign is live at it when its status is live and its deadline is after it.
    at: dt.datetime
    text: str = ""
    selections: dict = field(default_factory=dict)
    #: Only the campaigns live at `at`; False: every campaign past its draft (ended, settled and closed ones too).
    live_only: bool = True
    #: Only campaigns live at `at` whose deadline is at this moment or before it ("ending within N days").
    ending_before: dt.datetime | None = None
    facets: tuple = CAMPAIGN_FACETS
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


def _live(at):
    """Campaigns live at `at`: not settled, and their deadline after it (so never shown live once it has passed,
    however late the index is)."""
    return [{"term": {"status": "live"}}, {"range": {"deadline": {"gt": moment(at)}}}]


def _campaign_filters(query):
    filters = _live(query.at) if query.live_only or query.ending_before is not None else []
    return filters + range_filter("deadline", None, moment(query.ending_before))


def _campaign_sort(name):
    return {
        "relevance": ["_score", {"deadline": "asc"}, {"campaign_id": "asc"}],
        # The score is 1 for a campaign live at the moment of the search, 0 for one that ended (see campaign_search_body).
        "ending_soon": ["_score", {"deadline": "asc"}, {"campaign_id": "asc"}],
        "newest": [{"published_at": "desc"}, {"campaign_id": "desc"}],
    }[name]


def campaign_search_body(query):
    """The search request for one page of campaigns with the facets the query asks for and highlights.

    Sorted by ending_soon, the words only filter: live campaigns score 1 and ended ones 0, so with every status asked
    for the live ones still come first, the nearest deadline first."""
    text = clean_text(query.text)
    words = [text_query(text, CAMPAIGN_TEXT_FIELDS)] if text else []
    filters = _campaign_filters(query)
    if query.sort == "ending_soon":
        running = {"constant_score": {"filter": {"bool": {"filter": _live(query.at)}}}}
        # A filter clause always: a bool query of should clauses alone matches only what one of them matches.
        inner = {"bool": {"filter": words + filters or [{"match_all": {}}], "should": [running]}}
    else:
        inner = {"bool": {"must": words or [{"match_all": {}}], "filter": filters}}
    selections = {name: values for name, values in query.selections.items() if values}
    body = {
        "query": inner,
        "post_filter": {"bool": {"filter": facet_filters(selections, facet_fields=CAMPAIGN_FACET_FIELDS)}},
        "aggs": facet_aggregations(query.facets, selections, CAMPAIGN_FACET_FIELDS),
        "sort": _campaign_sort(query.sort),
        **page_window(query.page, query.per_page),
        "track_total_hits": True,
        "_source": ["campaign_id", "title", "summary", "goal", "funding_model", "status", "sdgs", "deadline",
                    "published_at", "organization"],
    }
    if text:
        body["highlight"] = highlight_request(text, ("summary", "story"))
    return body
