"""Reference data: CPV 2008 codes, countries with ICA regions, the 17 SDGs."""
from flask import Blueprint

bp = Blueprint("reference", __name__)

from app.reference import api, cli  # noqa: E402,F401
