"""Keeping people informed: notices in the app, mail in each recipient's language as they chose (at once, in a daily
digest, or not at all), and one-click unsubscribe. Features tell with `app.notices.telling.tell` and `Phrase`."""
from flask import Blueprint

bp = Blueprint("notices", __name__)

from app.notices import api, routes  # noqa: E402,F401
