"""Tenders that give cooperative suppliers preference: lots, sealed bids, evaluation, awards, contracts."""
from flask import Blueprint

bp = Blueprint("tenders", __name__)

from app.tenders import (  # noqa: E402,F401
    api,
    award_api,
    award_pages,
    document_routes,
    documents_api,
    manage,
    routes,
    search_api,
)
