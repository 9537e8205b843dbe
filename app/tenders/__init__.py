"""Tenders that give cooperative suppliers preference: lots, sealed bids, evaluation, awards, contracts."""
from flask import Blueprint

bp = Blueprint("tenders", __name__)

from app.tenders import api, award_api, award_pages, manage, routes, search_api  # noqa: E402,F401
