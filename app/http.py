"""Small pieces of HTTP shared by pages and the API."""
from functools import wraps

from flask import make_response


def no_store(view):
    """The answer shows a secret (a new API token, recovery codes): no cache, the browser's included, may keep it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    return wrapper
