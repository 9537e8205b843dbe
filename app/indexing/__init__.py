"""Keeping the search index in step with the database: outbox, documents, sync worker, reindex."""
from contextlib import contextmanager

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.errors import ServiceUnavailable
from search import SearchUnavailable

UNAVAILABLE = _l("Search is temporarily unavailable; please try again in a moment.")


def search_engine():
    """The app's SearchEngine (built once from configuration in the factory)."""
    return current_app.extensions["search"]


@contextmanager
def engine_answers():
    """For the API: an engine that cannot answer is a 503 problem for the client, never a 500."""
    try:
        yield
    except SearchUnavailable:
        raise ServiceUnavailable(UNAVAILABLE) from None


def queue(kind, ids):
    """Queue documents whose rows were changed by a Core UPDATE that also bumped their search_version (such an UPDATE
    fires no flush listener), in the current transaction: e.g. `queue("campaigns", [campaign_id])` after settling."""
    from app.extensions import db
    from app.indexing import listeners

    listeners.queue(db.session, kind, ids)


def init_app(app):
    from app.indexing import listeners, sync
    from search import SearchEngine

    app.extensions["search"] = SearchEngine.from_config(app.config)
    listeners.register()
    sync.register_drain_after_request(app)
