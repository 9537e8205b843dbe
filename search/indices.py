"""The indices of each kind behind their alias: made, brought up to date with the code, swapped, dropped."""
import logging
import time

from opensearchpy import exceptions as os_errors

from search.mappings import KINDS, SEARCH_SETTINGS, index_body, kept_meta, mapping_meta, new_properties, rebuild_reasons

log = logging.getLogger(__name__)


class SearchUnavailable(Exception):
    """The engine cannot be reached or cannot answer now; the caller degrades, it never fails a write."""


def _unavailable(error):
    return SearchUnavailable(f"{type(error).__name__}: {str(error)[:300]}")


class Indices:
    """What SearchEngine does with its indices; it holds the client, prefix, replicas, bulk timeout and the sets of
    kinds checked (`_ready`) and of kinds whose documents are older than the code (`_documents_behind`)."""

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
        self._search_settings(kind)
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

    def _search_settings(self, kind):
        """Give the kind's indices its SEARCH_SETTINGS where they lack them. They only make searches faster: a cluster
        that cannot take them now (no master elected yet) is told again by the next process that starts."""
        wanted = {f"index.{key}": str(value) for key, value in SEARCH_SETTINGS.get(kind, {}).items()}
        if not wanted:
            return
        try:
            found = self._call(self.client.indices.get_settings, index=self.alias(kind), flat_settings=True)
            behind = [name for name, answer in found.items()
                      if any(answer["settings"].get(key) != value for key, value in wanted.items())]
            if behind:
                self._call(self.client.indices.put_settings, index=",".join(behind), body=wanted)
        except (SearchUnavailable, os_errors.TransportError) as error:
            log.warning("search index %s: its search settings could not be set (%s)", self.alias(kind), error)

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
        self._documents_behind.discard(kind)

    def drop_all(self):
        """Remove every index of every kind of this environment (tests and resets)."""
        for kind in KINDS:
            self.drop(kind)

    def refresh_now(self, kind):
        self._call(self.client.indices.refresh, index=self.alias(kind), request_timeout=self.bulk_timeout)
