"""Keeping the search index in step with the database: outbox, documents, sync worker, reindex."""
from flask import current_app


def search_engine():
    """The app's SearchEngine (built once from configuration in the factory)."""
    return current_app.extensions["search"]


def init_app(app):
    from app.indexing import listeners, sync
    from search import SearchEngine

    app.extensions["search"] = SearchEngine.from_config(app.config)
    listeners.register()
    sync.register_drain_after_request(app)
