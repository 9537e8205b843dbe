"""Crowd-funding campaigns: donations through Stripe, match funding, and an open ledger of where the money went."""
from flask import Blueprint

bp = Blueprint("campaigns", __name__)

from app.campaigns import api, manage, payment_events, routes, search_api, search_routes  # noqa: E402,F401
