"""Saved searches and alerts: any search page can be saved; the engine's percolator matches each new or changed
document against every saved search as the sync worker indexes it, and new matches are mailed (at once, or in a
daily or weekly digest) and listed in an Atom feed per search."""
from flask import Blueprint

bp = Blueprint("alerts", __name__)


def init_app(app):
    """Saved searches are written to the percolator indexes and percolate what the sync worker writes."""
    from app.alerts import defaults, documents, matching, unsubscribing
    from app.indexing.sync import AFTER_REMOVE, AFTER_WRITE, SETTLED_TOGETHER, TASKS
    from search import ALERT_KINDS

    documents.register()
    for kind in ALERT_KINDS:
        hooks = AFTER_WRITE.setdefault(kind, [])
        if matching.HOOKS[kind] not in hooks:
            hooks.append(matching.HOOKS[kind])
    TASKS.update(matching.TASKS)
    TASKS[defaults.TASK_KIND] = defaults.refresh
    SETTLED_TOGETHER.add(defaults.TASK_KIND)
    if defaults.queue_refresh not in AFTER_WRITE["listings"]:
        AFTER_WRITE["listings"].append(defaults.queue_refresh)
        AFTER_REMOVE.setdefault("listings", []).append(defaults.queue_refresh_without)
    unsubscribing.register()


from app.alerts import api, routes  # noqa: E402,F401
