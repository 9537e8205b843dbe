"""Small pieces of HTTP shared by pages and the API."""
import io
from functools import wraps

from flask import Request as FlaskRequest
from flask import make_response


class Request(FlaskRequest):
    """Uploaded files stay in memory until the view has checked them (werkzeug spools those over 500 KB to a temporary
    file on disk first): every body is bounded by MAX_CONTENT_LENGTH, so memory is too."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        if self.max_content_length is None:
            return super()._get_file_stream(total_content_length, content_type, filename, content_length)
        return io.BytesIO()


def no_store(view):
    """The answer shows a secret (a new API token, recovery codes): no cache, the browser's included, may keep it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    return wrapper
