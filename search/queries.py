"""Query bodies for marketplace search, built from plain values (no user text ever reaches a query parser)."""
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal

#: facet name -> indexed field. Selections inside one facet are OR-ed, facets are AND-ed.
FACET_FIELDS = {
    "cpv_division": "cpv.division",
    "country": "organization.country",
    "region": "organization.region",
    "sector": "organization.sector",
    "legal_form": "organization.legal_form",
    "sdg": "sdgs",
    "size": "organization.size",
}
RETURNED_FACETS = ("cpv_division", "country", "region", "sector", "legal_form", "sdg")
FACET_SIZES = {"country": 100, "cpv_division": 60}
TEXT_FIELDS = [
    "title^3", "title.en^2", "title.fr^2", "title.es^2",
    "description", "description.en", "description.fr", "description.es",
    "cpv.label_en^1.5", "cpv.label_fr^1.5", "cpv.label_es^1.5",
    "organization.name",
]
#: Typos are looked for in one field that holds the folded words of the title, description, CPV labels ('cofee'
#: finds listings coded under coffee) and organisation name: see search.mappings.TYPO_FIELD.
FUZZY_FIELD = "typo"
MAX_TEXT = 200
MAX_TOKENS = 32
_IDEOGRAPHS = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
#: An ideograph, a run of other word characters, or one symbol (emoji, punctuation): never fewer pieces than words.
_PIECE = re.compile(f"[{_IDEOGRAPHS}]|[^\\W{_IDEOGRAPHS}]+|[^\\w\\s]")
SORTS = ("relevance", "newest", "price_asc", "price_desc")

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
    "buyer.name",
]
TENDER_SORTS = ("relevance", "deadline", "newest")

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
#: Which highlighted field a hit shows, the first that has a fragment.
_HIGHLIGHT_ORDER = ("title", "description", "summary", "story")


@dataclass(frozen=True)
class ListingQuery:
    text: str = ""
    cpv: tuple = ()
    selections: dict = field(default_factory=dict)
    cooperative: bool | None = None
    verified: bool | None = None
    currency: tuple = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    cooperative_boost: float = 0.5


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


def clean_text(text):
    """Collapse white space and cut to a length the engine handles quickly.

    Every word becomes clauses on each text field, and the engine refuses a query of more than 1,024 clauses
    (a 500 error). Characters alone do not bound the words: the tokenizer makes a word of each emoji or
    ideograph. So the text is also cut after MAX_TOKENS pieces, counted so that each piece makes at most one word.
    """
    # Pictographs and other symbols carry no searchable meaning, but each would count as a required word.
    text = "".join(" " if unicodedata.category(ch) in ("So", "Sk", "Cs", "Co", "Cn") else ch for ch in text or "")
    text = " ".join(text.split())[:MAX_TEXT]
    for count, piece in enumerate(_PIECE.finditer(text), start=1):
        if count == MAX_TOKENS:
            return text[:piece.end()]
    return text


def _terms(field_name, values):
    return {"terms": {field_name: list(values)}}


def _facet_filters(selections, leave_out=None, facet_fields=FACET_FIELDS):
    return [
        _terms(facet_fields[name], values)
        for name, values in sorted(selections.items())
        if values and name != leave_out
    ]


def _range(field_name, low, high):
    """Filters keeping `field_name` between `low` and `high` (both inclusive; None: no bound)."""
    bounds = {name: value for name, value in (("gte", low), ("lte", high)) if value is not None}
    return [{"range": {field_name: bounds}}] if bounds else []


def _money_filters(money_field, currencies, low, high):
    """Money in `currencies`, between amounts given in major units (as users give them)."""
    filters = [_terms(f"{money_field}.currency", currencies)] if currencies else []
    low, high = (None if amount is None else float(amount) for amount in (low, high))
    return filters + _range(f"{money_field}.amount", low, high)


def _cpv_filters(codes):
    """Documents coded under any of `codes` or anything beneath them."""
    return [_terms("cpv.ancestors", codes)] if codes else []


def _base_filters(query):
    filters = _cpv_filters(query.cpv)
    if query.cooperative is not None:
        filters.append({"term": {"organization.is_cooperative": query.cooperative}})
    if query.verified is not None:
        filters.append({"term": {"organization.verified": query.verified}})
    return filters + _money_filters("price", query.currency, query.price_min, query.price_max)


def _text_query(text, text_fields=TEXT_FIELDS):
    """Exact (stemmed, accent-folded) matches score well above typo-tolerant ones; a phrase in the title scores most."""
    words = {"query": text, "fields": text_fields, "type": "best_fields", "minimum_should_match": "3<80%"}
    return {
        "bool": {
            "should": [
                {"multi_match": {**words, "boost": 3}},
                {"match": {FUZZY_FIELD: {"query": text, "fuzziness": "AUTO", "prefix_length": 1, "max_expansions": 30,
                                         "minimum_should_match": words["minimum_should_match"]}}},
                {"match_phrase": {"title": {"query": text, "slop": 2, "boost": 4}}},
            ],
            "minimum_should_match": 1,
        }
    }


def cooperative_preference(inner, strength):
    """Multiply relevance: verified cooperatives by 1 + strength, unverified ones by 1 + strength / 2."""
    if strength <= 0:
        return inner
    return {
        "function_score": {
            "query": inner,
            "functions": [
                {"filter": {"bool": {"filter": [{"term": {"organization.is_cooperative": True}},
                                                {"term": {"organization.verified": True}}]}},
                 "weight": 1 + strength},
                {"filter": {"term": {"organization.is_cooperative": True}}, "weight": 1 + strength / 2},
            ],
            "score_mode": "first",
            "boost_mode": "multiply",
        }
    }


def _sort(name):
    return {
        "relevance": ["_score", {"created_at": "desc"}, {"listing_id": "asc"}],
        "newest": [{"created_at": "desc"}, {"listing_id": "desc"}],
        "price_asc": [{"price.amount": {"order": "asc", "missing": "_last"}}, {"listing_id": "asc"}],
        "price_desc": [{"price.amount": {"order": "desc", "missing": "_last"}}, {"listing_id": "asc"}],
    }[name]


def _facet_aggregation(name, selections, facet_fields=FACET_FIELDS):
    """Counts of a facet's values under every other facet's selection; the values selected in it are always
    counted, even when they are not among the most frequent (a checked box must never vanish)."""
    aggs = {"values": {"terms": {"field": facet_fields[name], "size": FACET_SIZES.get(name, 30)}}}
    selected = list(dict.fromkeys(selections.get(name) or ()))
    if selected:
        aggs["selected"] = {"terms": {"field": facet_fields[name], "include": selected, "size": len(selected)}}
    return {"filter": {"bool": {"filter": _facet_filters(selections, name, facet_fields)}}, "aggs": aggs}


def _highlight(text, body_fields=("description",)):
    """Matched words of the title or of a body field (description; a campaign's summary or story), HTML-escaped, in
    <mark> tags (typos included)."""
    return {
        "encoder": "html", "pre_tags": ["<mark>"], "post_tags": ["</mark>"], "require_field_match": False,
        "fields": {
            "title": {"number_of_fragments": 0},
            **{name: {"fragment_size": 160, "number_of_fragments": 1} for name in body_fields},
        },
        "highlight_query": {"multi_match": {"query": text, "fields": ["title", *body_fields],
                                            "fuzziness": "AUTO", "prefix_length": 1}},
    }


def listing_search_body(query):
    """The search request for one page of listings with facets, highlights and a spelling suggestion."""
    text = clean_text(query.text)
    must = [_text_query(text)] if text else [{"match_all": {}}]
    inner = {"bool": {"must": must, "filter": _base_filters(query)}}
    selections = {name: values for name, values in query.selections.items() if values}
    body = {
        "query": cooperative_preference(inner, query.cooperative_boost),
        "post_filter": {"bool": {"filter": _facet_filters(selections)}},
        "aggs": {name: _facet_aggregation(name, selections) for name in RETURNED_FACETS},
        "sort": _sort(query.sort),
        "from": (query.page - 1) * query.per_page,
        "size": query.per_page,
        "track_total_hits": True,
        "_source": ["listing_id", "title", "cpv.code", "price", "organization"],
    }
    if text:
        body["highlight"] = _highlight(text)
        body["suggest"] = {"text": text, "spelling": {"term": {"field": "title", "suggest_mode": "missing",
                                                               "min_word_length": 3, "max_edits": 2}}}
    return body


def listing_search_requests(query):
    """The search as the requests to send in one _msearch.

    Browsing (no text) is two requests the engine runs side by side: the page of hits, and the facet counts with
    no hits (size 0), which the engine's request cache keeps until the index next changes, so popular browse
    states cost nothing the second time. A text search stays one request: its facets would match the words again."""
    body = listing_search_body(query)
    if clean_text(query.text):
        return [body]
    facets = {"size": 0, "track_total_hits": False, "query": body["query"], "aggs": body.pop("aggs")}
    return [body, facets]


def suggestion_check_body(query, suggestion):
    """Does the corrected text find anything under the same filters? The spelling dictionary still holds the words
    of listings withdrawn since the index last merged its segments: a suggestion must lead to a result."""
    body = listing_search_body(replace(query, text=suggestion, page=1, per_page=0))
    return {"size": 0, "track_total_hits": 1, "query": body["query"], "post_filter": body["post_filter"]}


def parse_results(response, facets_response=None, facet_names=RETURNED_FACETS):
    """Plain data from the engine's answer: total, hits with highlights, facet counts, a corrected query.

    The facet counts come from `facets_response` when the search was sent as listing_search_requests."""
    items = []
    for hit in response["hits"].get("hits", []):  # filter_path drops an empty list
        highlight = hit.get("highlight") or {}
        fragment = next((highlight[name][0] for name in _HIGHLIGHT_ORDER if highlight.get(name)), None)
        items.append({**hit["_source"], "highlight": fragment})
    aggregations = (facets_response or response).get("aggregations") or {}
    facets = {name: _facet_counts(aggregations[name]) for name in facet_names}
    return {"total": response["hits"]["total"]["value"], "items": items, "facets": facets,
            "suggestion": _corrected(response)}


def _moment(value):
    return None if value is None else value.isoformat()


def _tender_filters(query):
    filters = _cpv_filters(query.cpv)
    filters += _range("deadline", _moment(query.deadline_from), _moment(query.deadline_to))
    if query.open_at is not None:
        # Decided now, from the deadline: a tender is never shown open after it, however late the index is.
        filters.append({"range": {"deadline": {"gt": _moment(query.open_at)}}})
    return filters + _money_filters("budget", query.currency, query.budget_min, query.budget_max)


def _tender_sort(name):
    return {
        "relevance": ["_score", {"deadline": "asc"}, {"tender_id": "asc"}],
        "deadline": [{"deadline": "asc"}, {"tender_id": "asc"}],
        "newest": [{"published_at": "desc"}, {"tender_id": "desc"}],
    }[name]


def tender_search_body(query):
    """The search request for one page of tenders with the facets the query asks for and highlights."""
    text = clean_text(query.text)
    must = [_text_query(text, TENDER_TEXT_FIELDS)] if text else [{"match_all": {}}]
    must_not = [_terms("buyer.id", query.excluded_buyers)] if query.excluded_buyers else []
    selections = {name: values for name, values in query.selections.items() if values}
    body = {
        "query": {"bool": {"must": must, "filter": _tender_filters(query), "must_not": must_not}},
        "post_filter": {"bool": {"filter": _facet_filters(selections, facet_fields=TENDER_FACET_FIELDS)}},
        "aggs": {name: _facet_aggregation(name, selections, TENDER_FACET_FIELDS) for name in query.facets},
        "sort": _tender_sort(query.sort),
        "from": (query.page - 1) * query.per_page,
        "size": query.per_page,
        "track_total_hits": True,
        "_source": ["tender_id", "title", "cpv.code", "policy", "budget", "deadline", "published_at", "awarded", "buyer"],
    }
    if text:
        body["highlight"] = _highlight(text)
    return body


def _live(moment):
    """Campaigns live at `moment`: not settled, and their deadline after it (so never shown live once it has passed,
    however late the index is)."""
    return [{"term": {"status": "live"}}, {"range": {"deadline": {"gt": _moment(moment)}}}]


def _campaign_filters(query):
    filters = _live(query.at) if query.live_only or query.ending_before is not None else []
    return filters + _range("deadline", None, _moment(query.ending_before))


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
    words = [_text_query(text, CAMPAIGN_TEXT_FIELDS)] if text else []
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
        "post_filter": {"bool": {"filter": _facet_filters(selections, facet_fields=CAMPAIGN_FACET_FIELDS)}},
        "aggs": {name: _facet_aggregation(name, selections, CAMPAIGN_FACET_FIELDS) for name in query.facets},
        "sort": _campaign_sort(query.sort),
        "from": (query.page - 1) * query.per_page,
        "size": query.per_page,
        "track_total_hits": True,
        "_source": ["campaign_id", "title", "summary", "goal", "funding_model", "status", "sdgs", "deadline",
                    "published_at", "organization"],
    }
    if text:
        body["highlight"] = _highlight(text, ("summary", "story"))
    return body


def _facet_counts(aggregation):
    """(value, count) pairs, most frequent first, then selected values that were not among them."""
    counts = [(bucket["key"], bucket["doc_count"]) for bucket in aggregation["values"]["buckets"]]
    shown = {value for value, _count in counts}
    counts += [(bucket["key"], bucket["doc_count"]) for bucket in aggregation.get("selected", {}).get("buckets", [])
               if bucket["key"] not in shown]
    return counts


def _corrected(response):
    """The query with each unknown word replaced by the engine's best guess, or None if nothing was corrected."""
    entries = (response.get("suggest") or {}).get("spelling") or []
    if not any(entry["options"] for entry in entries):
        return None
    return " ".join(entry["options"][0]["text"] if entry["options"] else entry["text"] for entry in entries)


def suggest_bodies(text, size=5):
    """Two searches as you type: listing titles (in the listings index), organisation names (in the organisations index)."""
    text = clean_text(text)[:60]

    def prefix(field_name):
        return {"multi_match": {"query": text, "type": "bool_prefix",
                                "fields": [field_name, f"{field_name}._2gram", f"{field_name}._3gram"]}}

    return {
        "listings": {"size": size, "query": {"match_bool_prefix": {"title": text}}, "collapse": {"field": "title.raw"},
                     "_source": ["listing_id", "title"]},
        "organizations": {"size": size, "query": prefix("name_suggest"), "_source": ["organization_id", "name"]},
    }
