"""The calls the app makes: bulk writes, queries, percolation (the indices themselves: search.indices)."""
from dataclasses import dataclass, field

from opensearchpy import exceptions as os_errors

from search.campaign_queries import campaign_search_body
from search.client import build_client
from search.indices import Indices, SearchUnavailable
from search.queries import listing_search_requests, parse_results, suggest_bodies
from search.rfq_queries import rfq_search_body
from search.tender_queries import tender_search_body

#: Of a bulk answer, only what the outcome is read from (not shards, sequence numbers, versions).
BULK_FIELDS = "items.*._id,items.*.status,items.*.error"


@dataclass
class BulkOutcome:
    """What happened to each document of a bulk request."""

    done: list = field(default_factory=list)       # ids written or deleted
    stale: list = field(default_factory=list)      # ids refused because the index already has a newer version
    rejected: dict = field(default_factory=dict)   # id -> reason the engine gave for refusing the document
    retry: dict = field(default_factory=dict)      # id -> transient reason (overload, shard not ready)


class SearchEngine(Indices):
    """One engine per app: the client, the index prefix of the environment, and refresh policy."""

    def __init__(self, client, prefix, refresh=False, replicas=0, bulk_timeout=60):
        self.client = client
        self.prefix = prefix
        self.refresh = refresh
        self.replicas = replicas
        self.bulk_timeout = bulk_timeout
        self._ready = set()
        self._documents_behind = set()  # kinds whose index holds documents written by older code (see update_mapping)

    @classmethod
    def from_config(cls, config):
        return cls(
            build_client(config),
            prefix=config["SEARCH_INDEX_PREFIX"],
            refresh=config.get("SEARCH_REFRESH", False),
            replicas=config.get("SEARCH_REPLICAS", 0),
            bulk_timeout=config.get("SEARCH_BULK_TIMEOUT", 60),
        )

    def ping(self):
        try:
            return bool(self.client.ping())
        except Exception:  # noqa: BLE001 - any failure to answer means 'not available'
            return False

    # Writes ----------------------------------------------------------------------------------

    def bulk(self, kind, writes, index=None):
        """Index or delete documents with external versions, so an older write never replaces a newer one.

        `writes` holds (doc_id, version, document) tuples; a document of None deletes.
        """
        target = index or self.alias(kind)
        lines = []
        for doc_id, version, document in writes:
            meta = {"_index": target, "_id": str(doc_id), "version": version, "version_type": "external"}
            if document is None:
                lines.append({"delete": meta})
            else:
                lines.extend(({"index": meta}, document))
        outcome = BulkOutcome()
        if not lines:
            return outcome
        if index is None:
            self.ensure_index(kind)
        items = self._send_bulk(lines, alias=index is None)
        if index is None and any(_alias_missing(item) for item in items):
            # The index was removed behind our back (a reset, an operator): make it again and send once more.
            self._ready.discard(kind)
            self.ensure_index(kind)
            items = self._send_bulk(lines, alias=True)
        for item in items:
            (action, result), = item.items()
            doc_id, status = result["_id"], result["status"]
            if status < 300 or (action == "delete" and status == 404 and not _alias_missing(item)):
                outcome.done.append(doc_id)
            elif status == 409:
                outcome.stale.append(doc_id)
            elif status == 429 or status >= 500:
                outcome.retry[doc_id] = _reason(result)
            else:
                outcome.rejected[doc_id] = _reason(result)
        return outcome

    def _send_bulk(self, lines, alias):
        # require_alias: an index write to a missing alias fails instead of auto-creating a stray index.
        params = {"require_alias": "true"} if alias else {}
        # A search gives up quickly so a page can degrade; a bulk write waits longer: a node that is merging
        # or compiling its hot paths may take seconds for thousands of documents, and a timed-out bulk is sent again.
        response = self._call(self.client.bulk, body=lines, refresh=self.refresh, params=params,
                              request_timeout=self.bulk_timeout, filter_path=BULK_FIELDS)
        return response["items"]

    # Reads -----------------------------------------------------------------------------------

    def search(self, kind, body):
        return self._read(kind, lambda: self._call(self.client.search, index=self.alias(kind), body=body))

    def msearch(self, kind, bodies):
        """Several searches of one kind in one round trip."""
        return self.msearch_kinds([(kind, body) for body in bodies])

    def msearch_kinds(self, searches):
        """Several searches, each (kind, body), in one round trip; the answers in the same order."""
        lines = []
        for kind, body in searches:
            lines.extend(({"index": self.alias(kind)}, body))
        kinds = list(dict.fromkeys(kind for kind, _body in searches))
        # The whole answer, no filter_path: the node filtering it cost more than the fifth of the bytes it saved
        # (0.04-0.12 ms more per search at a million listings; README, "The cuts").
        return self._read(kinds, lambda: _raise_first_error(self._call(self.client.msearch, body=lines)))

    def _read(self, kinds, call):
        """Run a read; if an index vanished behind our back, create it again and retry once."""
        kinds = [kinds] if isinstance(kinds, str) else kinds
        for kind in kinds:
            self.ensure_index(kind)
        try:
            return call()
        except os_errors.NotFoundError:
            for kind in kinds:
                self._ready.discard(kind)
                self.ensure_index(kind)
            return call()

    def count(self, kind):
        self.ensure_index(kind)
        return self._call(self.client.count, index=self.alias(kind))["count"]

    def search_listings(self, query):
        """One page of listings for a ListingQuery, as plain data. Until an index written by older code is rebuilt, its
        documents may lack the facets' one field: each facet is then counted on its own (slower, as right)."""
        self.ensure_index("listings")
        together = "listings" not in self._documents_behind
        return parse_results(*self.msearch("listings", listing_search_requests(query, together)))

    def search_tenders(self, query):
        """One page of tenders for a TenderQuery, as plain data."""
        (response,) = self.msearch("tenders", [tender_search_body(query)])
        return parse_results(response, facet_names=query.facets)

    def search_campaigns(self, query):
        """One page of campaigns for a CampaignQuery, as plain data."""
        (response,) = self.msearch("campaigns", [campaign_search_body(query)])
        return parse_results(response, facet_names=query.facets)

    def search_rfqs(self, query):
        """One page of requests for quotation for an RfqQuery, as plain data."""
        (response,) = self.msearch("rfqs", [rfq_search_body(query)])
        return parse_results(response, facet_names=query.facets)

    def suggest(self, text, size=5):
        """Listing titles and organisation names that start like `text`."""
        bodies = suggest_bodies(text, size)
        titles, organizations = self.msearch_kinds(list(bodies.items()))
        suggestions = [
            {"text": hit["_source"]["title"], "kind": "listing", "id": hit["_source"]["listing_id"]}
            for hit in titles["hits"].get("hits", [])
        ]
        suggestions += [
            {"text": hit["_source"]["name"], "kind": "organization", "id": hit["_source"]["organization_id"]}
            for hit in organizations["hits"].get("hits", [])
        ]
        return suggestions

    def percolate(self, kind, documents, scopes=None, page=10_000):
        """The saved searches of `kind` (a percolator kind) that match any of `documents`: {saved_search_id: [indexes
        into documents]}. `scopes` gives each document's (country, CPV division): the documents of one scope go in
        one percolate request, tried only against the saved searches limited to that country and division or not
        limited (`scope_countries`, `scope_divisions`); all the requests go in one _msearch. A request matched by
        `page` searches or more is read again by scrolling. Waits as long as a bulk write (a worker's, not a page's)."""
        if not documents:
            return {}
        alias = self.alias(kind)
        groups = {}
        for slot, scope in enumerate(scopes or [None] * len(documents)):
            groups.setdefault(scope, []).append(slot)
        requests = [(slots, _within_scope({"percolate": {"field": "query", "documents": [documents[n] for n in slots]}},
                                          scope)) for scope, slots in groups.items()]
        lines = []
        for _slots, query in requests:
            lines.extend(({"index": alias}, {"query": query, "size": page, "_source": ["saved_search_id"],
                                             "track_total_hits": False}))
        responses = self._read(kind, lambda: _raise_first_error(self._call(
            self.client.msearch, body=lines, request_timeout=self.bulk_timeout,
            filter_path="responses.hits.hits._source,responses.hits.hits.fields,responses.error,responses.status")))
        matches = {}
        for (slots, query), response in zip(requests, responses, strict=True):
            hits = response.get("hits", {}).get("hits", [])
            if len(hits) >= page:
                hits = self._scroll_percolate(alias, query, page)
            for hit in hits:
                # The documents of the request it matched (a request of one document names none).
                matched = hit.get("fields", {}).get("_percolator_document_slot", [0])
                matches.setdefault(hit["_source"]["saved_search_id"], []).extend(slots[n] for n in matched)
        return matches

    def _scroll_percolate(self, alias, query, page):
        """Every saved search matching a percolate query, scrolled in index order (each stored query runs once)."""
        body = {"query": query, "size": page, "sort": ["_doc"], "_source": ["saved_search_id"]}
        fields = "_scroll_id,hits.hits._source,hits.hits.fields"
        answer = self._call(self.client.search, index=alias, body=body, scroll="2m", request_timeout=self.bulk_timeout,
                            filter_path=fields)
        found = []
        try:
            while True:
                hits = answer.get("hits", {}).get("hits", [])
                found.extend(hits)
                if len(hits) < page:
                    return found
                answer = self._call(self.client.scroll, body={"scroll_id": answer["_scroll_id"], "scroll": "2m"},
                                    request_timeout=self.bulk_timeout, filter_path=fields)
        finally:
            if answer.get("_scroll_id"):
                self._call(self.client.clear_scroll, body={"scroll_id": answer["_scroll_id"]}, ignore=(404,))

    def sources(self, kind, doc_ids):
        """The stored documents of these ids, {id: document}; ids the index does not hold are left out. Real-time:
        a document just written is read even before the next refresh."""
        if not doc_ids:
            return {}
        answer = self._read(kind, lambda: self._call(
            self.client.mget, index=self.alias(kind), body={"ids": [str(doc_id) for doc_id in doc_ids]},
            request_timeout=self.bulk_timeout, filter_path="docs._id,docs.found,docs._source"))
        return {int(doc["_id"]): doc["_source"] for doc in answer.get("docs", []) if doc.get("found")}

    def get_version(self, kind, doc_id):
        """The stored version of a document, or None."""
        try:
            return self._call(self.client.get, index=self.alias(kind), id=str(doc_id), _source=False)["_version"]
        except os_errors.NotFoundError:
            return None


def _within_scope(percolate, scope):
    """The percolate query limited to the saved searches whose countries and divisions include the document's."""
    if not scope:
        return percolate
    country, division = scope
    return {"bool": {"must": [percolate], "filter": [{"terms": {"scope_countries": [country or "*", "*"]}},
                                                     {"terms": {"scope_divisions": [division or "*", "*"]}}]}}


def _raise_first_error(answer):
    """msearch answers 200 even when its searches fail; raise the first failure as the single search would."""
    responses = answer["responses"]
    for response in responses:
        if "error" in response:
            error = response["error"]
            kind = error.get("type") if isinstance(error, dict) else str(error)
            status = response.get("status", 500)
            if status == 404 and kind == "index_not_found_exception":
                raise os_errors.NotFoundError(status, kind, response)
            if status >= 500 or status == 429:
                raise SearchUnavailable(f"msearch: {kind}: {str(error)[:300]}")
            raise os_errors.RequestError(status, kind, response)
    return responses


def _alias_missing(item):
    (result,) = item.values()
    error = result.get("error")
    return result["status"] == 404 and isinstance(error, dict) and error.get("type") == "index_not_found_exception"


def _reason(result):
    error = result.get("error") or {}
    if isinstance(error, dict):
        return f"{error.get('type', 'error')}: {error.get('reason', '')}"[:500]
    return str(error)[:500]
