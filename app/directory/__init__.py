"""The movement's directory (federations, co-operative banks, sectoral organisations) and federation membership."""
from flask import Blueprint

bp = Blueprint("directory", __name__)

from app.directory import api, routes  # noqa: E402,F401
