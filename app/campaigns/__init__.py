"""Crowd-funding campaigns: donations through Stripe, match funding, and an open ledger of where the money went."""
from flask import Blueprint

bp = Blueprint("campaigns", __name__)

from app.campaigns import (  # noqa: E402,F401
    api,
    donor_pages,
    donors_api,
    manage,
    payment_events,
    routes,
    search_api,
    search_routes,
)
