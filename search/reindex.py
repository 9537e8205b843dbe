"""Zero-downtime rebuild of an index: fill a new one, replay what changed meanwhile, swap the alias."""


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
        engine.client.indices.refresh(index=new_index)
        old = engine.swap_alias(kind, new_index)
    except Exception:
        engine.delete_indices([new_index])
        raise
    replay(new_index)
    engine.delete_indices(old)
    return new_index, totals
