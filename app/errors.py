"""Domain errors raised by services, and the one place that turns any error into a response."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.i18n import localize


class DomainError(Exception):
    """A rule of the domain was not met; carries an HTTP status and field messages.

    The message and the field messages are given translated (`_()`, during a request) or lazy (`_l()`), and may hold
    marshmallow's messages (a schema's `ValidationError.messages` passed on); `message` and `fields` read them as plain
    text in the current request's language (app.i18n.localize)."""

    status = 400
    code = "bad_request"

    def __init__(self, message, fields=None, code=None):
        super().__init__(message)
        self._message = message
        self._fields = fields or {}
        if code:
            self.code = code

    @property
    def message(self):
        return localize(self._message)

    @property
    def fields(self):
        return localize(self._fields)


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"


class ServiceUnavailable(DomainError):
    status = 503
    code = "unavailable"


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    414: "uri_too_long",
    422: "validation_failed",
    429: "too_many_requests",
    503: "unavailable",
}


def wants_json():
    """API paths always answer JSON; so do clients that ask for it over HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def problem(status, code, message, fields=None, headers=None):
    """The JSON body of every error: the message and field messages as text in the reader's language."""
    body = {"error": {"code": code, "message": localize(message), "fields": localize(fields or {})}}
    response = jsonify(body)
    response.status_code = status
    if headers:
        response.headers.extend(headers)
    return response


def error_page(status, message):
    return render_template("errors/error.html", status=status, message=localize(message)), status


def _webargs_fields(error):
    """Flatten webargs' {location: {field: messages}} into {field: messages}."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    fields = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            fields.update(location_messages)
    return fields


def handle_domain_error(error):
    if wants_json():
        return problem(error.status, error.code, error.message, error.fields)
    return error_page(error.status, error.message)


def handle_http_exception(error):
    status = error.code or 500
    code = _HTTP_CODES.get(status, "error")
    fields = _webargs_fields(error)
    if status == 422 or fields:
        message = _("Some fields are not valid.")
    elif status == 429:
        message = _("Too many attempts. Please wait a minute and try again.")
    else:
        message = error.description
    if wants_json():
        headers = error.get_response().headers if status in (405, 429) else None
        return problem(status, code, message, fields, headers=_retry_headers(headers))
    return error_page(status, message)


def _retry_headers(headers):
    if not headers:
        return None
    return [(k, v) for k, v in headers.items() if k in ("Allow", "Retry-After") or k.startswith("X-RateLimit")]


def handle_unexpected(error):
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    from flask import current_app

    current_app.logger.exception("Unhandled error")
    if wants_json():
        return problem(500, "internal_error", _("Something went wrong on our side."))
    return error_page(500, _("Something went wrong on our side."))


def register_errorhandlers(app):
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
