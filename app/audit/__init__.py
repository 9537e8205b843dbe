"""Audit trail: an append-only record of sensitive actions (who, when, what, for which organisation)."""
from flask import Blueprint

bp = Blueprint("audit", __name__)

from app.audit import api, routes  # noqa: E402,F401
