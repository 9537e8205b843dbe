"""A saved search as the engine's percolator query: the same query the search page sends, without what depends on the
moment of searching (open, live, page, sort), plus what makes a document worth an alert (a tender not yet awarded, a
campaign taking money)."""
import dataclasses

from marshmallow import fields

from app.campaigns import search_service as campaign_search
from app.campaigns.search_schemas import CampaignSearchQuerySchema
from app.catalog import search_service as listing_search
from app.catalog.search_schemas import ListingSearchQuerySchema
from app.models_base import utcnow
from app.tenders import search_service as tender_search
from app.tenders.search_schemas import TenderSearchQuerySchema
from app.trade import search_service as rfq_search
from app.trade.schemas import RfqSearchQuerySchema
from search.alert_queries import alert_words
from search.campaign_queries import campaign_search_body
from search.queries import FUZZY_FIELD, listing_search_body
from search.rfq_queries import rfq_search_body
from search.tender_queries import tender_search_body

#: Parameters of the search pages that say how to show results, not which documents: not part of a saved search.
NOT_SAVED = ("page", "per_page", "sort", "status", "ending_within_days")

SCHEMAS = {"listings": ListingSearchQuerySchema, "tenders": TenderSearchQuerySchema, "rfqs": RfqSearchQuerySchema,
           "campaigns": CampaignSearchQuerySchema}


def schema_for(kind):
    """The kind's search schema without the parameters a saved search leaves out."""
    schema_class = SCHEMAS[kind]
    return schema_class(exclude=[name for name in NOT_SAVED if name in schema_class._declared_fields])


def saved_parameters(kind, raw):
    """The parameters as given, checked by the kind's search schema (raises marshmallow.ValidationError); empty ones
    are dropped, list parameters given once become lists."""
    schema = schema_for(kind)
    given = {}
    for name, value in (raw or {}).items():
        if value in ("", None, []):
            continue
        field = schema.fields.get(name)
        given[name] = [value] if isinstance(field, fields.List) and not isinstance(value, list) else value
    schema.load(given)
    return given


def _loaded(kind, saved):
    return {**SCHEMAS[kind]().load({}), **schema_for(kind).load(saved)}


def percolator_query(kind, saved):
    """The engine query matching the documents the saved search finds."""
    params = _loaded(kind, saved)
    now = utcnow()
    if kind == "listings":
        body = listing_search_body(listing_search.build_query(params, 0))
        extra = []
    elif kind == "tenders":
        body = tender_search_body(dataclasses.replace(tender_search.build_query(params, now), open_at=None))
        extra = [{"term": {"awarded": False}}]
    elif kind == "rfqs":
        body = rfq_search_body(dataclasses.replace(rfq_search.build_query(params, now), open_at=None))
        extra = []
    else:
        query = dataclasses.replace(campaign_search.build_query(params, now), live_only=False, ending_before=None,
                                    sort="relevance")
        body = campaign_search_body(query)
        extra = [{"term": {"status": "live"}}]
    return {"bool": {"filter": [_matching_only(body["query"]), body["post_filter"], *extra]}}


def _matching_only(query):
    """The query without what only scores (a relevance function, the title phrase: a phrase match is also a match of
    its words) or costs the percolator most for least (the typo-tolerant match, which it can neither pre-select nor
    skip: every saved search with words would be run against every batch of documents), its words looked for in the
    percolator's one text field (search.alert_queries) — the search's two ways of matching them become one."""
    if isinstance(query, list):
        kept = []
        for part in query:
            part = _matching_only(part)
            if not _scoring_only(part) and part not in kept:
                kept.append(part)
        return kept
    if not isinstance(query, dict):
        return query
    if "function_score" in query:
        return _matching_only(query["function_score"]["query"])
    if "multi_match" in query:
        return alert_words(query["multi_match"])
    return {name: _matching_only(part) for name, part in query.items()}


def _scoring_only(clause):
    return isinstance(clause, dict) and ("match_phrase" in clause or FUZZY_FIELD in clause.get("match", {}))


def parameters_from_query_string(kind, query_string):
    """The parameters of a search page's address (repeated ones for list parameters), as a saved search keeps them;
    what a saved search leaves out (page, sort…) is dropped."""
    from urllib.parse import parse_qsl

    from werkzeug.datastructures import MultiDict

    given = MultiDict(parse_qsl(query_string, keep_blank_values=False))
    schema = schema_for(kind)
    return {name: given.getlist(name) if isinstance(schema.fields.get(name), fields.List) else given.get(name)
            for name in given if name not in NOT_SAVED}
