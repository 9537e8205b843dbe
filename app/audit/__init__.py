"""Audit trail: an append-only record of sensitive actions (who, when, what, for which organisation).

Every feature records into it (`app.audit.services.record`), so loading this package loads nothing of theirs: its
pages and API are attached when the app registers its blueprints (`attach_views`)."""
from flask import Blueprint

bp = Blueprint("audit", __name__)


def attach_views():
    from app.audit import api, routes  # noqa: F401  (their routes land on bp and api.blp)
