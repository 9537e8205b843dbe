"""The loop of the `flask … --watch` workers (search sync, mail delivery, payments, campaign settlement), and how long
a failed piece of work waits before its next try."""
import gc
import time

from flask import current_app

from app.extensions import db

MAX_BACKOFF_SECONDS = 60


def backoff(attempts):
    """Seconds to wait before the next try: 1, 2, 4 … capped at a minute."""
    return min(MAX_BACKOFF_SECONDS, 2 ** max(attempts - 1, 0))


def run(step, report, *, watch, interval):
    """Run `step()` and `report(result)` once, or every `interval` seconds with `watch`. A watching worker logs a
    failed run and tries again at the next one: it does not die (run once, the error is raised)."""
    if watch:
        # The app and its modules live as long as the worker: out of the collector's full passes (a quarter of a
        # second each on a busy machine: an event would wait for it), as wsgi.py does for the web workers.
        gc.freeze()
    while True:
        try:
            report(step())
        except Exception:  # noqa: BLE001
            if not watch:
                raise
            current_app.logger.exception("%s failed; trying again in %s s", getattr(step, "__name__", "worker"), interval)
        if not watch:
            return
        db.session.remove()
        time.sleep(interval)


def claim(statement, write_lock):
    """Run `statement` (a SELECT of due work) for rows no other worker holds: on PostgreSQL they are locked, SKIP LOCKED,
    so several workers share the work; SQLite has no row locks, so `write_lock` (an UPDATE that changes nothing) takes
    the database's write lock first, and workers go one at a time."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    elif dialect == "sqlite":
        db.session.execute(write_lock)
    return db.session.execute(statement)
