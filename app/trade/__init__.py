"""Trade between organisations: conversations, requests for quotation, quotes and orders."""
from flask import Blueprint

bp = Blueprint("trade", __name__)

from app.trade import api, deal_api, deal_routes, routes  # noqa: E402,F401
