"""Tenders that give cooperative suppliers preference: lots, sealed bids, evaluation, awards, contracts."""
from flask import Blueprint

bp = Blueprint("tenders", __name__)

from app.tenders import api, document_routes, documents_api, manage, routes, search_api  # noqa: E402,F401
