"""Moderation: platform admins suspend and reinstate organisations and users."""
from flask import Blueprint

bp = Blueprint("moderation", __name__)

from app.moderation import api, routes  # noqa: E402,F401
