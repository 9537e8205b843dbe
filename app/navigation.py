"""Safe redirects, page numbers and search parameters taken from the query string."""
from urllib.parse import urlencode, urlsplit

from flask import request, url_for
from marshmallow import fields

MAX_PAGE = 1000


def safe_next(default):
    """The `next` target if it is a path on this site, else `default` (no open redirects)."""
    target = (request.values.get("next") or "").strip()
    if not target or not target.startswith("/") or "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return default
    return target


def page_number():
    """The `page` argument, clamped to 1..MAX_PAGE (junk means page 1)."""
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE)


def query_arguments(schema):
    """The query string as `schema` loads it: a list field gets every repeat of its parameter, any other field the
    last one; empty values are left out (a form's untouched box is no filter)."""
    arguments = {}
    for key in request.args:
        values = [value for value in request.args.getlist(key) if value != ""]
        if values:
            arguments[key] = values if isinstance(schema.fields.get(key), fields.List) else values[-1]
    return arguments


#: Query parameters that shape a search without filtering it: they get no chip.
_NOT_FILTERS = ("q", "sort", "page", "per_page")


def filter_chips(endpoint, facets):
    """One removable chip per active filter, labelled as its facet labels it; each links to the current search
    (at `endpoint`) without that value, back on its first page."""
    labels = {name: {str(item["value"]): item["label"] for item in items} for name, items in facets.items()}
    chips = []
    for key in request.args:
        for value in request.args.getlist(key):
            if key in _NOT_FILTERS or value == "":
                continue
            remaining = [(k, v) for k in request.args for v in request.args.getlist(k) if (k, v) != (key, value) and k != "page"]
            label = labels.get(key, {}).get(value, value)
            chips.append({"label": f"{key.replace('_', ' ')}: {label}", "href": url_for(endpoint) + "?" + urlencode(remaining)})
    return chips
