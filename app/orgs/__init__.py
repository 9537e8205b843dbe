"""Organisations: profiles and verification of cooperative identity."""
from flask import Blueprint

bp = Blueprint("orgs", __name__)

from app.orgs import api, routes  # noqa: E402,F401
