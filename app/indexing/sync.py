"""Draining the outbox into the engine: bulk, collapsed, versioned, with retries and parking."""
import datetime as dt
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, or_, select, update

from app.extensions import db
from app.indexing import listeners, search_engine
from app.indexing.documents import ids_in, listing_writes
from app.indexing.models import SearchOutbox
from app.models_base import utcnow
from search import SearchUnavailable

MAX_BACKOFF_SECONDS = 60


@dataclass
class DrainResult:
    rows: int = 0
    written: int = 0
    stale: int = 0
    parked: int = 0
    retried: int = 0
    unavailable: bool = False


def backoff(attempts):
    """Seconds to wait before the next try: 1, 2, 4 … capped at a minute."""
    return min(MAX_BACKOFF_SECONDS, 2 ** max(attempts - 1, 0))


def _due_rows(limit):
    now = utcnow()
    statement = (
        select(SearchOutbox)
        .where(SearchOutbox.parked_at.is_(None),
               or_(SearchOutbox.next_attempt_at.is_(None), SearchOutbox.next_attempt_at <= now))
        .order_by(SearchOutbox.id)
        .limit(limit)
    )
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        # Several workers share the outbox: each takes rows no other worker holds.
        statement = statement.with_for_update(skip_locked=True)
    elif dialect == "sqlite":
        # SQLite has no row locks: take the database's write lock first, so drains run one at a time.
        db.session.execute(update(SearchOutbox).where(SearchOutbox.id == -1).values(attempts=0))
    return list(db.session.scalars(statement))


def drain(limit=1000):
    """Deliver up to `limit` due outbox rows in one bulk request; the caller commits."""
    rows = _due_rows(limit)
    result = DrainResult(rows=len(rows))
    if not rows:
        return result
    by_doc = {}
    for row in rows:
        by_doc.setdefault((row.kind, row.doc_id), []).append(row)
    found = listing_writes([doc_id for kind, doc_id in by_doc if kind == "listings"])
    # A listing no longer in the database is deleted, with a version above any it was written with.
    writes = [found.get(doc_id) or (doc_id, time.time_ns(), None) for (_kind, doc_id) in by_doc]
    try:
        outcome = search_engine().bulk("listings", writes)
    except SearchUnavailable as error:
        _retry_later(rows, str(error))
        result.unavailable = True
        result.retried = len(rows)
        return result
    finished = {int(doc_id) for doc_id in outcome.done + outcome.stale}
    result.written, result.stale = len(outcome.done), len(outcome.stale)
    done_rows = [row.id for key, group in by_doc.items() if key[1] in finished for row in group]
    if done_rows:
        # No session sync: the delivered rows are not used again, and matching thousands of loaded objects
        # against thousands of ids in Python costs more than the DELETE itself.
        db.session.execute(delete(SearchOutbox).where(ids_in(SearchOutbox.id, done_rows))
                           .execution_options(synchronize_session=False))
        # The index now holds a newer state of documents parked earlier: their parked rows are settled too.
        db.session.execute(delete(SearchOutbox).where(
            SearchOutbox.kind == "listings", ids_in(SearchOutbox.doc_id, sorted(finished)), SearchOutbox.parked_at.is_not(None))
            .execution_options(synchronize_session=False))
    for doc_id, reason in outcome.rejected.items():
        _park(by_doc[("listings", int(doc_id))], reason)
        result.parked += 1
    for doc_id, reason in outcome.retry.items():
        _retry_later(by_doc[("listings", int(doc_id))], reason)
        result.retried += 1
    db.session.flush()
    return result


def _retry_later(rows, reason):
    now = utcnow()
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + dt.timedelta(seconds=backoff(row.attempts))
        row.error = reason[:2000]
    db.session.flush()


def _park(rows, reason):
    """The engine refused the document itself: keep it aside with the reason instead of retrying forever."""
    ids = [row.id for row in rows]
    db.session.execute(
        update(SearchOutbox).where(SearchOutbox.id.in_(ids)).values(parked_at=utcnow(), error=reason[:2000])
    )


def drain_all(batch=1000):
    """Drain until nothing is due; commits after each batch. Returns the summed result."""
    total = DrainResult()
    while True:
        result = drain(batch)
        db.session.commit()
        for name in ("rows", "written", "stale", "parked", "retried"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
        total.unavailable = total.unavailable or result.unavailable
        if result.rows < batch or result.unavailable or result.rows == result.retried + result.parked:
            return total


def outbox_status():
    from sqlalchemy import func

    pending = db.session.scalar(select(func.count(SearchOutbox.id)).where(SearchOutbox.parked_at.is_(None)))
    parked = db.session.scalar(select(func.count(SearchOutbox.id)).where(SearchOutbox.parked_at.is_not(None)))
    return {"pending": pending, "parked": parked}


def register_drain_after_request(app):
    """Development and tests: deliver a request's changes before answering, so search shows them at once."""

    @app.after_request
    def _drain_changes(response):
        if not current_app.config.get("SEARCH_SYNC_ON_COMMIT") or not listeners.has_pending_changes(db.session):
            return response
        listeners.clear_pending_flag(db.session)
        try:
            drain_all()
        except Exception:  # noqa: BLE001 - the write already succeeded; the worker will deliver later
            db.session.rollback()
            current_app.logger.exception("Search sync after request failed; the outbox keeps the changes")
        return response
