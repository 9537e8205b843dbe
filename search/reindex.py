"""Zero-downtime rebuild of an index: fill a new one, replay what changed meanwhile, swap the alias."""
import time


def rebuild(engine, kind, batches, replay, progress=lambda n: None, batch_callback=None):
    """Rebuild `kind` from `batches` (lists of (id, version, document)) into a fresh index.

    Queries keep hitting the old index through the alias until the atomic swap. `replay(index_name)` is
    called before and after the swap with the new index's name; it must write every document changed
    since the rebuild began (external versions make writing a document twice harmless). Returns the new
    index name and the bulk totals.
    """
    new_index = engine.create_index(kind)
    totals = {"indexed": 0, "stale": 0, "rejected": 0}
    try:
        for batch in batches:
            outcome = engine.bulk(kind, batch, index=new_index)
            totals["indexed"] += len(outcome.done)
            totals["stale"] += len(outcome.stale)
            totals["rejected"] += len(outcome.rejected)
            if batch_callback:
                batch_callback(outcome)
            progress(len(batch))
        replay(new_index)
        # A refresh after a whole index's bulk writes its last segment (seconds on a sorted index of a million): the
        # bulk requests' timeout, not the searches'.
        engine.client.indices.refresh(index=new_index, request_timeout=engine.bulk_timeout)
        old = engine.swap_alias(kind, new_index)
    except Exception:
        engine.delete_indices([new_index])
        raise
    replay(new_index)
    retire(engine, old)
    return new_index, totals


#: Searches that resolved the alias just before the swap still run on the old index; deleting it under them
#: fails them ("all shards failed"). Wait until the old index serves none, for at least MIN_GRACE seconds
#: (a search may have resolved the alias without having reached the shard yet) and at most MAX_GRACE.
MIN_GRACE = 0.5
MAX_GRACE = 30.0


def retire(engine, names, min_grace=MIN_GRACE, max_grace=MAX_GRACE):
    """Delete indices the alias has left, once the searches still running on them are done."""
    if not names:
        return
    started = time.monotonic()
    time.sleep(min_grace)
    while time.monotonic() - started < max_grace and _searches_running(engine, names):
        time.sleep(0.05)
    engine.delete_indices(names)


def _searches_running(engine, names):
    try:
        stats = engine.client.indices.stats(index=",".join(names), metric="search", params={"ignore_unavailable": "true"})
    except Exception:  # noqa: BLE001 - the swap is done; not knowing only ends the wait
        return False
    totals = [index["total"]["search"] for index in stats.get("indices", {}).values()]
    return any(search["open_contexts"] or search["query_current"] or search["fetch_current"] for search in totals)
