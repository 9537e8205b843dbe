"""Saved searches as the percolator indexes hold them, written by the search sync worker like any other document."""
from sqlalchemy import select

from app.alerts.models import SavedSearch
from app.alerts.queries import percolator_query
from app.extensions import db
from app.indexing import reindex
from app.indexing.documents import WRITERS, ids_in
from search import ALERT_KINDS


def _writer(kind):
    def saved_search_writes(ids):
        """{id: (id, version, percolator document)} of the saved searches of `kind` among `ids`."""
        if not ids:
            return {}
        rows = db.session.scalars(select(SavedSearch).where(ids_in(SavedSearch.id, ids), SavedSearch.kind == kind))
        return {row.id: (row.id, row.search_version, {"query": percolator_query(kind, row.query),
                                                      **scope_of(row.query), "saved_search_id": row.id,
                                                      "user_id": row.user_id})
                for row in rows}

    return saved_search_writes


def scope_of(saved):
    """The countries and CPV divisions a saved search is limited to ("*": any), for the percolator to skip the others."""
    divisions = set(saved.get("cpv_division") or ()) | {code[:2] for code in saved.get("cpv") or ()}
    return {"scope_countries": sorted(saved.get("country") or ()) or ["*"], "scope_divisions": sorted(divisions) or ["*"]}


def register():
    """The percolator kinds are written by the sync worker and rebuilt by `flask search reindex` like the others."""
    for kind, alerts in ALERT_KINDS.items():
        WRITERS[alerts] = _writer(kind)
        reindex.register(alerts, SavedSearch, lambda kind=kind: select(SavedSearch.id).where(SavedSearch.kind == kind))
