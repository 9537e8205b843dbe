"""Draining the outbox into the engine: bulk, collapsed, versioned, with retries and parking."""
import datetime as dt
import time
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, or_, select, update

from app.extensions import db
from app.indexing import listeners, search_engine
from app.indexing.documents import WRITERS, ids_in
from app.indexing.models import SearchOutbox
from app.models_base import utcnow
from app.workers import backoff, claim
from search import SearchUnavailable

#: kind -> functions given {doc_id: document} of the documents of that kind just written (not deleted), before their
#: outbox rows go: saved-search alerts percolate them. One that raises SearchUnavailable has the rows tried again
#: (the write then comes back as stale, and is given to it again).
AFTER_WRITE: dict[str, list] = {}
#: kind -> functions given the ids of the documents of that kind just removed from the index (withdrawn, deleted):
#: a supplier's default alerts are worked out again without a listing it withdrew.
AFTER_REMOVE: dict[str, list] = {}
#: Outbox kinds that are work to do about documents already written, not documents to write: kind -> function given
#: the doc ids of its due rows. One that raises SearchUnavailable has the rows tried again. Saved-search alerts
#: percolate this way, in a worker of their own, so that indexing never waits for them.
TASKS: dict[str, object] = {}
#: Task kinds queued again and again for the same document (a supplier's default alerts: once per batch of its
#: listings): one run reads the state of now, so it also settles the later rows of that document queued so far.
SETTLED_TOGETHER: set[str] = set()


@dataclass
class DrainResult:
    rows: int = 0
    written: int = 0
    stale: int = 0
    parked: int = 0
    retried: int = 0
    #: kind of task -> documents it ran for
    tasks: dict = field(default_factory=dict)
    unavailable: bool = False

    @property
    def ran(self):
        """Documents the tasks ran for, of every kind."""
        return sum(self.tasks.values())


#: SQLite's stand-in for row locks (see app.workers.claim): an UPDATE that changes nothing.
_WRITE_LOCK = update(SearchOutbox).where(SearchOutbox.id == -1).values(attempts=0)


def _due_rows(limit, kinds):
    now = utcnow()
    # Plain rows, not ORM objects: a worker takes thousands at a time and only reads these columns.
    statement = (
        select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.doc_id, SearchOutbox.attempts)
        .where(SearchOutbox.parked_at.is_(None),
               or_(SearchOutbox.next_attempt_at.is_(None), SearchOutbox.next_attempt_at <= now))
        .order_by(SearchOutbox.id)
        .limit(limit)
    )
    if kinds is not None:
        statement = statement.where(SearchOutbox.kind.in_(kinds))
    return claim(statement, _WRITE_LOCK).all()


def _same_tasks(rows):
    """The later rows of the SETTLED_TOGETHER tasks among `rows`, for the same documents, that no other worker holds (a
    bulk upload would otherwise have its supplier's default alerts worked out once per batch). Not for every task:
    without an index on (kind, doc_id) the look-up reads the outbox's later rows, and percolation rows seldom repeat."""
    later = []
    for kind in sorted({row.kind for row in rows if row.kind in SETTLED_TOGETHER}):
        claimed = [row for row in rows if row.kind == kind]
        later += claim(
            select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.doc_id, SearchOutbox.attempts)
            .where(SearchOutbox.kind == kind, ids_in(SearchOutbox.doc_id, sorted({row.doc_id for row in claimed})),
                   SearchOutbox.id > max(row.id for row in claimed), SearchOutbox.parked_at.is_(None))
            .order_by(SearchOutbox.id), _WRITE_LOCK).all()
    return later


def drain(limit=1000, kinds=None):
    """Deliver up to `limit` due outbox rows (of `kinds`, or all), one bulk request per kind of document, one call
    per kind of task; the caller commits."""
    rows = _due_rows(limit, kinds)
    if not rows:
        return DrainResult()
    rows += _same_tasks(rows)
    result = DrainResult(rows=len(rows))
    by_doc = {}
    for row in rows:
        by_doc.setdefault((row.kind, row.doc_id), []).append(row)
    for kind in sorted({kind for kind, _doc_id in by_doc}):
        rows_by_doc = {doc_id: group for (row_kind, doc_id), group in by_doc.items() if row_kind == kind}
        (_run if kind in TASKS else _deliver)(kind, rows_by_doc, result)
        if result.unavailable:
            break
    db.session.flush()
    return result


def _deliver(kind, rows_by_doc, result):
    """One bulk request for the documents of one kind; records the outcome in `result`."""
    writer = WRITERS.get(kind)
    if writer is None:
        for doc_rows in rows_by_doc.values():
            _park(doc_rows, f"no index for kind {kind!r}")
            result.parked += 1
        return
    found = writer(list(rows_by_doc))
    # A document no longer in the database is deleted, with a version above any it was written with.
    writes = [found.get(doc_id) or (doc_id, time.time_ns(), None) for doc_id in rows_by_doc]
    try:
        outcome = search_engine().bulk(kind, writes)
        finished = {int(doc_id) for doc_id in outcome.done + outcome.stale}
        written = {doc_id: found[doc_id][2] for doc_id in sorted(finished)
                   if doc_id in found and found[doc_id][2] is not None}
        for after_write in AFTER_WRITE.get(kind, ()):
            after_write(written)
        removed = [doc_id for doc_id in sorted(finished) if doc_id not in written]
        for after_remove in AFTER_REMOVE.get(kind, ()) if removed else ():
            after_remove(removed)
    except SearchUnavailable as error:
        _engine_unavailable(rows_by_doc, error, result)
        return
    result.written += len(outcome.done)
    result.stale += len(outcome.stale)
    done_rows = [row.id for doc_id, group in rows_by_doc.items() if doc_id in finished for row in group]
    if done_rows:
        # No session sync: the delivered rows are not used again, and matching thousands of loaded objects
        # against thousands of ids in Python costs more than the DELETE itself.
        db.session.execute(delete(SearchOutbox).where(ids_in(SearchOutbox.id, done_rows))
                           .execution_options(synchronize_session=False))
        # The index now holds a newer state of documents parked earlier: their parked rows are settled too.
        db.session.execute(delete(SearchOutbox).where(
            SearchOutbox.kind == kind, ids_in(SearchOutbox.doc_id, sorted(finished)), SearchOutbox.parked_at.is_not(None))
            .execution_options(synchronize_session=False))
    for doc_id, reason in outcome.rejected.items():
        _park(rows_by_doc[int(doc_id)], reason)
        result.parked += 1
    for doc_id, reason in outcome.retry.items():
        _retry_later(rows_by_doc[int(doc_id)], reason)
        result.retried += 1


def _run(kind, rows_by_doc, result):
    """Run a task for the documents of its due rows; the rows go once it has run."""
    try:
        TASKS[kind](sorted(rows_by_doc))
    except SearchUnavailable as error:
        _engine_unavailable(rows_by_doc, error, result)
        return
    result.tasks[kind] = result.tasks.get(kind, 0) + len(rows_by_doc)
    db.session.execute(delete(SearchOutbox).where(ids_in(SearchOutbox.id, [row.id for group in rows_by_doc.values()
                                                                           for row in group]))
                       .execution_options(synchronize_session=False))


def _engine_unavailable(rows_by_doc, error, result):
    """The engine could not answer: every row of the batch is tried again later, and the drain stops."""
    for doc_rows in rows_by_doc.values():
        _retry_later(doc_rows, str(error))
        result.retried += len(doc_rows)
    result.unavailable = True


def _retry_later(rows, reason):
    """Try these rows again later: 1, 2, 4 … seconds after their latest attempt."""
    now, ids_by_attempts = utcnow(), {}
    for row in rows:
        ids_by_attempts.setdefault(row.attempts + 1, []).append(row.id)
    for attempts, ids in ids_by_attempts.items():
        db.session.execute(
            update(SearchOutbox).where(ids_in(SearchOutbox.id, ids))
            .values(attempts=attempts, next_attempt_at=now + dt.timedelta(seconds=backoff(attempts)), error=reason[:2000])
            .execution_options(synchronize_session=False)
        )


def _park(rows, reason):
    """The engine refused the document itself: keep it aside with the reason instead of retrying forever."""
    ids = [row.id for row in rows]
    db.session.execute(
        update(SearchOutbox).where(SearchOutbox.id.in_(ids)).values(parked_at=utcnow(), error=reason[:2000])
        .execution_options(synchronize_session=False)
    )


def writes_due():
    """Whether documents wait to be written to the engine (not tasks): the alert worker lets the sync worker go first."""
    now = utcnow()
    return db.session.scalar(select(SearchOutbox.id).where(
        SearchOutbox.kind.not_in(sorted(TASKS)), SearchOutbox.parked_at.is_(None),
        or_(SearchOutbox.next_attempt_at.is_(None), SearchOutbox.next_attempt_at <= now)).limit(1)) is not None


def drain_all(batch=1000, kinds=None, give_way=None):
    """Drain (rows of `kinds`, or all) until nothing is due, or until `give_way()` says to stop before a batch;
    commits after each batch. Returns the summed result."""
    total = DrainResult()
    while True:
        if give_way is not None and give_way():
            db.session.commit()
            return total
        listeners.clear_pending_flag(db.session)
        result = drain(batch, kinds)
        # What the after-write hooks queued (a supplier's default alerts) is delivered in the same run.
        queued_meanwhile = listeners.has_pending_changes(db.session)
        db.session.commit()
        for name in ("rows", "written", "stale", "parked", "retried"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
        for kind, count in result.tasks.items():
            total.tasks[kind] = total.tasks.get(kind, 0) + count
        total.unavailable = total.unavailable or result.unavailable
        if result.unavailable or result.rows == result.retried + result.parked:
            return total
        if result.rows < batch and not queued_meanwhile:
            return total


def drain_writes(batch=1000):
    """What the sync worker (`flask search sync`) does: write the due documents, leaving the tasks about them (alerts)
    to the alert worker."""
    return drain_all(batch, kinds=sorted(set(WRITERS) - set(TASKS)))


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
