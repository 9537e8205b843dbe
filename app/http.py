"""Small pieces of HTTP shared by pages and the API."""
import io
from functools import wraps

import orjson
from flask import Request as FlaskRequest
from flask import abort, current_app, make_response, request
from flask.json.provider import DefaultJSONProvider
from flask.json.provider import _default as flask_default
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import RAISE, ValidationError
from webargs.flaskparser import FlaskParser

#: The longest address (path and query) the app reads, gunicorn's own limit (gunicorn.conf.py): behind any server, a
#: longer one is a 414 problem.
MAX_URL_LENGTH = 8190
#: The methods that change nothing.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def refuse_long_url():
    """414 (a problem, for the API) for an address longer than MAX_URL_LENGTH, before anything reads it."""
    if len(request.path) + len(request.query_string) + 1 > MAX_URL_LENGTH:
        abort(414)


class JSONProvider(DefaultJSONProvider):
    """JSON answers written by orjson, as Flask's own provider writes them (dates as HTTP dates, decimals and UUIDs as
    strings, keys in the order given) but several times faster: a search answer is 20 listings and their facets. What
    orjson cannot write (an integer beyond 64 bits) and the indented answers of debug mode go to Flask's provider."""

    OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
    sort_keys = False

    def dumps(self, obj, **kwargs):
        if kwargs:
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=flask_default, option=self.OPTIONS).decode()
        except orjson.JSONEncodeError:
            return super().dumps(obj)

    def response(self, *args, **kwargs):
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)
        return self._app.response_class(f"{self.dumps(self._prepare_response_obj(args, kwargs))}\n",
                                        mimetype=self.mimetype)


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, without its work for a request that brings no cookie (every API call, a first
    visit): no signing serializer is built to read a cookie that is not there, and no cookie setting is read to write
    one that will not be. The same cookies and headers as Flask's own, a twentieth of a millisecond sooner."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


class Request(FlaskRequest):
    """Uploaded files stay in memory until the view has checked them (werkzeug spools those over 500 KB to a temporary
    file on disk first): every body is bounded by MAX_CONTENT_LENGTH, so memory is too."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        if self.max_content_length is None:
            return super()._get_file_stream(total_content_length, content_type, filename, content_length)
        return io.BytesIO()

    @property
    def max_content_length(self):
        """MAX_CONTENT_LENGTH, or the larger bound of a view that takes big files (takes_body_up_to)."""
        if self._max_content_length is None and self.url_rule is not None:
            larger = getattr(current_app.view_functions.get(self.endpoint), "max_body_bytes", None)
            if larger:
                return larger
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value):
        self._max_content_length = value


def takes_body_up_to(max_bytes):
    """A view (page or API operation) whose body may be larger than MAX_CONTENT_LENGTH: known before anything reads
    the body (the CSRF check included), as the bound must be."""

    def decorate(view):
        view.max_body_bytes = max_bytes
        return view

    return decorate


def no_store(view):
    """The answer shows a secret (a new API token, recovery codes): no cache, the browser's included, may keep it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    return wrapper


def nul_messages(data):
    """Field messages for the strings in `data` (JSON values, or a form's) that hold a NUL character, shaped like
    marshmallow's ({"organization": {"name": [...]}, "certifications": {2: [...]}}); None if there is none."""
    if isinstance(data, str):
        return [_("Text may not contain NUL characters.")] if "\x00" in data else None
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return None
    messages = {key: found for key, value in items if (found := nul_messages(value))}
    return messages or None


def refuse_nul(fields):
    """Raise a ValidationError naming each field of `fields` (a mapping) whose text holds a NUL character: PostgreSQL
    cannot store one, and no field has a use for it."""
    messages = nul_messages(dict(fields))
    if messages:
        raise ValidationError(messages)


class ApiParser(FlaskParser):
    """webargs' parser, refusing NUL characters in a JSON body or a query string as field errors (422), and query
    parameters the operation does not take, as the document declares (an "Unknown field." error, as in a body)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}

    def load_json(self, req, schema):
        data = super().load_json(req, schema)
        if isinstance(data, dict):
            refuse_nul(data)
        return data

    def load_querystring(self, req, schema):
        """The query string as a plain dict, each parameter a list if its field takes several, else its first value.
        Not webargs' proxy of the MultiDict: marshmallow asks it for every field of the schema, and each one the query
        does not give raised and caught werkzeug's BadRequestKeyError (a dozen per search)."""
        refuse_nul({name: "".join(values) for name, values in req.args.lists()})
        given = super().load_querystring(req, schema)
        return {name: given[name] for name in req.args}


class ApiBlueprint(Blueprint):
    """The blueprint of every feature's JSON API: its operations that create something take an Idempotency-Key, its
    other POST operations refuse one (app.idempotency)."""

    ARGUMENTS_PARSER = ApiParser()

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **options):
        from app import idempotency

        if view_func is not None and idempotency.applies_to(view_func, options.get("methods")):
            view_func = idempotency.keyed(view_func)
        elif view_func is not None and "POST" in (options.get("methods") or ()):
            view_func = idempotency.refusing_key(view_func)
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)
