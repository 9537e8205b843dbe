"""Index management and the calls the app makes: bulk writes, queries, alias swaps."""
import logging
import time
from dataclasses import dataclass, field

from opensearchpy import exceptions as os_errors

from search.campaign_queries import campaign_search_body
from search.client import build_client
from search.mappings import KINDS, SEARCH_SETTINGS, index_body, kept_meta, mapping_meta, new_properties, rebuild_reasons
from search.queries import listing_search_requests, parse_results, suggest_bodies
from search.rfq_queries import rfq_search_body
from search.tender_queries import tender_search_body

log = logging.getLogger(__name__)

MSEARCH_FIELDS = ",".join(f"responses.{path}" for path in (
    "hits.total", "hits.hits._source", "hits.hits.highlight", "aggregations", "suggest", "error", "status"))


#: Of a bulk answer, only what the outcome is read from (not shards, sequence numbers, versions).
BULK_FIELDS = "items.*._id,items.*.status,items.*.error"


class SearchUnavailable(Exception):
    """The engine cannot be reached or cannot answer now; the caller degrades, it never fails a write."""


@dataclass
class BulkOutcome:
    """What happened to each document of a bulk request."""

    done: list = field(default_factory=list)       # ids written or deleted
    stale: list = field(default_factory=list)      # ids refused because the index already has a newer version
    rejected: dict = field(default_factory=dict)   # id -> reason the engine gave for refusing the document
    retry: dict = field(default_factory=dict)      # id -> transient reason (overload, shard not ready)


def _unavailable(error):
    return SearchUnavailable(f"{type(error).__name__}: {str(error)[:300]}")


class SearchEngine:
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

    # Names and indices -----------------------------------------------------------------------

    def alias(self, kind):
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        return f"{self.prefix}-{kind}"

    def _call(self, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (os_errors.ConnectionError, os_errors.ConnectionTimeout) as error:
            raise _unavailable(error) from error
        except os_errors.TransportError as error:
            if isinstance(error.status_code, int) and error.status_code >= 500 or error.status_code == 429:
                raise _unavailable(error) from error
            raise

    def create_index(self, kind):
        """A new, empty, versioned index for the kind (not yet behind the alias)."""
        name = f"{self.alias(kind)}-{time.time_ns()}"
        self._call(self.client.indices.create, index=name, body=index_body(kind, replicas=self.replicas))
        return name

    def indices_behind(self, kind):
        alias = self.alias(kind)
        try:
            return sorted(self._call(self.client.indices.get_alias, name=alias))
        except os_errors.NotFoundError:
            return []

    def ensure_index(self, kind):
        """Create the first index and its alias if the kind has none yet; bring an existing one up to date with the
        code's mapping when that can be done in place (see update_mapping)."""
        if kind in self._ready:
            return
        self._documents_behind.discard(kind)
        if not self.indices_behind(kind):
            name = self.create_index(kind)
            try:
                self._call(self.client.indices.update_aliases, body={"actions": [
                    {"add": {"index": name, "alias": self.alias(kind), "is_write_index": True}}]})
            except (SearchUnavailable, os_errors.TransportError):
                # Another process created the first index at the same moment: keep theirs.
                self.delete_indices([name])
                if not self.indices_behind(kind):
                    raise
        else:
            self.update_mapping(kind)
        self._ready.add(kind)

    def update_mapping(self, kind):
        """Compare the kind's indices with the code's mapping (the digests in their `_meta`, mappings.mapping_meta),
        after giving them the kind's SEARCH_SETTINGS (dynamic, set in place). New fields are added in place (the
        mappings are strict: a document with a field its index lacks is refused); the documents written before lack
        them, and a changed field, analysis or fixed setting cannot be changed in place: each is logged with the
        command that rebuilds the index. Returns the names of the indices that still need `flask search reindex`."""
        self._documents_behind.discard(kind)
        if kind in SEARCH_SETTINGS:
            self._call(self.client.indices.put_settings, index=self.alias(kind), body={"index": SEARCH_SETTINGS[kind]})
        wanted = mapping_meta(kind)
        outdated = []
        for name, answer in self._call(self.client.indices.get_mapping, index=self.alias(kind)).items():
            meta = answer["mappings"].get("_meta") or {}
            if meta == wanted:
                continue
            kept = kept_meta(kind, meta)
            if kept["documents"] != wanted["documents"]:
                self._documents_behind.add(kind)
            if meta.get("fields") != wanted["fields"]:
                try:
                    self._call(self.client.indices.put_mapping, index=name, body={**KINDS[kind], "_meta": kept})
                    log.warning("search index %s: brought up to date with the %s mapping in place", name, kind)
                except os_errors.RequestError as error:
                    # The new fields at least, so that documents written until the rebuild are not refused.
                    added = new_properties(answer["mappings"].get("properties", {}), KINDS[kind]["properties"])
                    if added:
                        self._call(self.client.indices.put_mapping, index=name, body={"properties": added})
                    log.error("search index %s cannot take the %s mapping in place (%s)%s: run `flask search reindex %s`",
                              name, kind, str(error.info)[:300] if error.info else error,
                              f"; its new fields were added ({', '.join(sorted(added))})" if added else "", kind)
                    outdated.append(name)
                    continue
            if why := rebuild_reasons(kind, kept):
                log.error("search index %s: %s: run `flask search reindex %s`", name, "; ".join(why), kind)
                outdated.append(name)
        return outdated

    def swap_alias(self, kind, new_index):
        """Point the alias at `new_index` in one atomic step; returns the indices it left."""
        alias = self.alias(kind)
        old = self.indices_behind(kind)
        actions = [{"remove": {"index": name, "alias": alias}} for name in old]
        actions.append({"add": {"index": new_index, "alias": alias, "is_write_index": True}})
        self._call(self.client.indices.update_aliases, body={"actions": actions})
        return [name for name in old if name != new_index]

    def delete_indices(self, names):
        if names:
            self._call(self.client.indices.delete, index=",".join(names), ignore_unavailable=True)

    def drop(self, kind):
        """Remove every index of the kind (tests and resets), not those of kinds named after it (listings-alerts)."""
        alias = self.alias(kind)
        longer = [f"-{self.alias(other)}-*" for other in KINDS if self.alias(other).startswith(f"{alias}-")]
        pattern = ",".join([f"{alias}-*", *longer])
        self._call(self.client.indices.delete, index=pattern, ignore_unavailable=True, allow_no_indices=True)
        self._ready.discard(kind)

    def drop_all(self):
        """Remove every index of every kind of this environment (tests and resets)."""
        for kind in KINDS:
            self.drop(kind)

    def refresh_now(self, kind):
        self._call(self.client.indices.refresh, index=self.alias(kind), request_timeout=self.bulk_timeout)

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
        # Only what the callers read comes back: less JSON to send and parse on every search.
        return self._read(kinds, lambda: _raise_first_error(self._call(
            self.client.msearch, body=lines, filter_path=MSEARCH_FIELDS)))

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
