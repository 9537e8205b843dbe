"""Query bodies for marketplace search, built from plain values (no user text ever reaches a query parser).

Listings here, with the pieces every kind shares (clean text, ranges, highlights, parsing the answer; facets in
search.facets); tenders in search.tender_queries, campaigns in search.campaign_queries, RFQs in search.rfq_queries."""
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal

from search.facets import (
    RETURNED_FACETS,
    chosen_facets,
    facet_aggregations,
    facet_counts,
    facet_filters,
    listing_facet_aggregations,
    terms,
    unselected_facets,
)

TEXT_FIELDS = [
    "title^3", "title.en^2", "title.fr^2", "title.es^2",
    "description", "description.en", "description.fr", "description.es",
    "cpv.label_en^1.5", "cpv.label_fr^1.5", "cpv.label_es^1.5",
    "cpv.parents_en^0.5", "cpv.parents_fr^0.5", "cpv.parents_es^0.5",
    "organization.name",
]
#: Typos are looked for in one field that holds the folded words of the title, description and CPV labels ('cofee'
#: finds listings coded under coffee): see search.mappings.TYPO_FIELD.
FUZZY_FIELD = "typo"
#: Words of 4 letters or fewer are taken as typed (one letter makes another word: miel/mill, cafe/cake, sal/sol);
#: 5 to 7 letters may have one typo, 8 or more two.
FUZZINESS = "AUTO:5,7"
#: How many of a query's words a result must have: all of up to three, 80 % of longer needs. Looser rules (all but
#: one of three, 60 % of four or more) found more on the judged multi-word needs but let in half again as much junk;
#: what long needs lacked was words spread over several fields, which the cross_fields clause of text_query finds.
MINIMUM_SHOULD_MATCH = "3<80%"
MAX_TEXT = 200
MAX_TOKENS = 32
_IDEOGRAPHS = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
#: An ideograph, a run of other word characters, or one symbol (emoji, punctuation): never fewer pieces than words.
_PIECE = re.compile(f"[{_IDEOGRAPHS}]|[^\\W{_IDEOGRAPHS}]+|[^\\w\\s]")
SORTS = ("relevance", "newest", "price_asc", "price_desc")

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


def range_filter(field_name, low, high):
    """Filters keeping `field_name` between `low` and `high` (both inclusive; None: no bound)."""
    bounds = {name: value for name, value in (("gte", low), ("lte", high)) if value is not None}
    return [{"range": {field_name: bounds}}] if bounds else []


def money_filters(money_field, currencies, low, high):
    """Money in `currencies`, between amounts given in major units (as users give them)."""
    filters = [terms(f"{money_field}.currency", currencies)] if currencies else []
    low, high = (None if amount is None else float(amount) for amount in (low, high))
    return filters + range_filter(f"{money_field}.amount", low, high)


def cpv_filters(codes):
    """Documents coded under any of `codes` or anything beneath them."""
    return [terms("cpv.ancestors", codes)] if codes else []


def _base_filters(query):
    filters = cpv_filters(query.cpv)
    if query.cooperative is not None:
        filters.append({"term": {"organization.is_cooperative": query.cooperative}})
    if query.verified is not None:
        filters.append({"term": {"organization.verified": query.verified}})
    return filters + money_filters("price", query.currency, query.price_min, query.price_max)


def text_query(text, text_fields=TEXT_FIELDS):
    """Exact (stemmed, accent-folded) matches score well above typo-tolerant ones; a phrase in the title scores most."""
    words = {"query": text, "fields": text_fields, "type": "best_fields", "minimum_should_match": MINIMUM_SHOULD_MATCH}
    return {
        "bool": {
            "should": [
                {"multi_match": {**words, "boost": 3}},
                # A need in several words may be spread over the title, the description and the category.
                {"multi_match": {**words, "type": "cross_fields",
                                 "fields": [name for name in text_fields if not name.startswith("cpv.parents")]}},
                {"match": {FUZZY_FIELD: {"query": text, "fuzziness": FUZZINESS, "prefix_length": 1, "max_expansions": 30,
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


def _sort(name, text, cooperative_boost):
    """Relevance without text (browsing) is the order search.mappings.INDEX_SORTS keeps listings in: co-operatives
    first, as the preference would rank them (every score equal but its weight), then the newest. The engine reads a
    page of each segment and stops."""
    if name == "relevance" and not text:
        by_tier = [{"cooperative_tier": "desc"}] if cooperative_boost > 0 else []
        return [*by_tier, {"created_at": "desc"}, {"listing_id": "asc"}]
    return {
        "relevance": ["_score", {"created_at": "desc"}, {"listing_id": "asc"}],
        "newest": [{"created_at": "desc"}, {"listing_id": "desc"}],
        "price_asc": [{"price.order": {"order": "asc", "missing": "_last"}}, {"listing_id": "asc"}],
        "price_desc": [{"price.order": {"order": "desc", "missing": "_last"}}, {"listing_id": "asc"}],
    }[name]


def highlight_request(text, body_fields=("description",)):
    """Matched words of the title or of a body field (description; a campaign's summary or story), HTML-escaped, in
    <mark> tags (typos included)."""
    return {
        "encoder": "html", "pre_tags": ["<mark>"], "post_tags": ["</mark>"], "require_field_match": False,
        "fields": {
            "title": {"number_of_fragments": 0},
            **{name: {"fragment_size": 160, "number_of_fragments": 1} for name in body_fields},
        },
        "highlight_query": {"multi_match": {"query": text, "fields": ["title", *body_fields],
                                            "fuzziness": FUZZINESS, "prefix_length": 1}},
    }


#: The engine pages through this many results at most (its index.max_result_window).
MAX_RESULT_WINDOW = 10_000


def page_window(page, per_page):
    """`from` and `size` of a page, cut at the engine's result window: a page beyond it is empty (its total and facets
    still count everything), never an error of the engine."""
    start = min((page - 1) * per_page, MAX_RESULT_WINDOW)
    return {"from": start, "size": max(0, min(per_page, MAX_RESULT_WINDOW - start))}


def _selections(query):
    """The query's facet selections that hold values."""
    return {name: values for name, values in query.selections.items() if values}


def _page_body(query, text, selections):
    """One page of listings for `query` (its `text` cleaned), narrowed by `selections` in a post filter (facets are
    counted before it), with highlights and a spelling suggestion when there is text; no facets."""
    must = [text_query(text)] if text else [{"match_all": {}}]
    inner = {"bool": {"must": must, "filter": _base_filters(query)}}
    body = {
        "query": cooperative_preference(inner, query.cooperative_boost) if text else inner,
        "post_filter": {"bool": {"filter": facet_filters(selections)}},
        "sort": _sort(query.sort, text, query.cooperative_boost),
        **page_window(query.page, query.per_page),
        "track_total_hits": True,
        "_source": ["listing_id", "title", "cpv.code", "price", "organization"],
    }
    if text:
        body["highlight"] = highlight_request(text)
        body["suggest"] = {"text": text, "spelling": {"term": {"field": "title", "suggest_mode": "missing",
                                                               "min_word_length": 3, "max_edits": 2}}}
    return body


def listing_search_body(query, together=True):
    """The search request for one page of listings with facets (listing_facet_aggregations), highlights and a spelling
    suggestion."""
    selections = _selections(query)
    return {**_page_body(query, clean_text(query.text), selections),
            "aggs": listing_facet_aggregations(selections, together)}


def listing_search_requests(query, together=True):
    """The search as the requests to send in one _msearch.

    Browsing (no text) is requests the engine runs side by side: the page of hits, which does not count them (the
    engine stops after a page in each segment, see _sort); the hits counted with the facets no selection widens, every
    selection in its query; and, when values are selected, the facets they belong to. The counting requests have no
    hits (size 0): the engine's request cache keeps them until the index next changes, so popular browse states cost
    nothing the second time. Browsing everything, the engine reads the counts from its index statistics instead of
    from each listing (it does so for a request's one aggregation, with no post filter): 2 ms at a million listings.
    A text search stays one request: its facets would match the words again."""
    text, selections = clean_text(query.text), _selections(query)
    body = _page_body(query, text, selections)
    if text:
        return [{**body, "aggs": listing_facet_aggregations(selections, together)}]
    chosen = chosen_facets(selections)
    body["track_total_hits"] = False
    narrowing = body.pop("post_filter")["bool"]["filter"]
    if narrowing:
        body["post_filter"] = {"bool": {"filter": narrowing}}
    inner = body["query"]["bool"]
    counts = {"size": 0, "track_total_hits": True, "query": {"bool": {**inner, "filter": inner["filter"] + narrowing}},
              "aggs": unselected_facets(chosen, {}, together)}  # every selection is in its query
    selected = [{"size": 0, "track_total_hits": False, "query": body["query"],
                 "aggs": facet_aggregations(chosen, selections)}] if chosen else []
    return [body, counts, *selected]


def suggestion_check_body(query, suggestion):
    """Does the corrected text find anything under the same filters? The spelling dictionary still holds the words
    of listings withdrawn since the index last merged its segments: a suggestion must lead to a result."""
    checked = replace(query, text=suggestion, page=1, per_page=0)
    body = _page_body(checked, clean_text(suggestion), _selections(checked))
    return {"size": 0, "track_total_hits": 1, "query": body["query"], "post_filter": body["post_filter"]}


def parse_results(response, *facets_responses, facet_names=RETURNED_FACETS):
    """Plain data from the engine's answer: total, hits with highlights, facet counts, a corrected query.

    The facet counts (and the total) come from `facets_responses` when the search was sent as
    listing_search_requests."""
    items = []
    hits = response["hits"]
    for hit in hits["hits"]:
        highlight = hit.get("highlight") or {}
        fragment = next((highlight[name][0] for name in _HIGHLIGHT_ORDER if highlight.get(name)), None)
        items.append({**hit["_source"], "highlight": fragment})
    aggregations = {}
    for answer in facets_responses or (response,):
        aggregations.update(answer.get("aggregations") or {})
    facets = {name: facet_counts(aggregations, name) for name in facet_names}
    counted = response if "total" in hits else facets_responses[0]
    return {"total": counted["hits"]["total"]["value"], "items": items, "facets": facets,
            "suggestion": _corrected(response)}


def _corrected(response):
    """The query with each unknown word replaced by the engine's best guess, or None if nothing was corrected."""
    entries = (response.get("suggest") or {}).get("spelling") or []
    if not any(entry["options"] for entry in entries):
        return None
    return " ".join(entry["options"][0]["text"] if entry["options"] else entry["text"] for entry in entries)


def moment(value):
    """An aware datetime as the engine takes it (ISO 8601), or None."""
    return None if value is None else value.isoformat()


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
