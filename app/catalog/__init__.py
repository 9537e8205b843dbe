"""Catalogue: listings of goods and services."""
from flask import Blueprint

bp = Blueprint("catalog", __name__)

from app.catalog import api, routes  # noqa: E402,F401
