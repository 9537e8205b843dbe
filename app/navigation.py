"""Safe redirects and page numbers taken from the query string."""
from urllib.parse import urlsplit

from flask import request

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
