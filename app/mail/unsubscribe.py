"""One-click unsubscribe (RFC 8058) for the mail people can stop: notices of a kind, a saved search's alerts, a
campaign's updates, digests.

A message that can be stopped carries a scope ("kind:trade", "search", "follow", …) and a reference (a user, a saved
search, a follower). At delivery the link is signed from them and put in the `List-Unsubscribe` and
`List-Unsubscribe-Post` headers and in place of PLACEHOLDER in the text. The link needs no login and never expires: a
mail read a year later must still stop the next one. Each feature registers what stopping means for its scopes."""
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

#: Where the unsubscribe link goes in a message's text (filled in at delivery, when the message's id is known).
PLACEHOLDER = "[[unsubscribe]]"
_SALT = "coopex.unsubscribe"


@dataclass(frozen=True)
class Scope:
    """What stopping a scope's mail does: `stop(ref, detail)` returns a sentence for the page (or None if there was
    nothing to stop); `describe(ref, detail)` says what the reader is about to stop."""

    stop: Callable
    describe: Callable


_SCOPES: dict[str, Scope] = {}


def register(name, stop, describe):
    """A feature declares a scope (the part before ':' of a message's scope)."""
    _SCOPES[name] = Scope(stop, describe)


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def token(scope, ref):
    """The signed, unguessable token of a scope and reference."""
    return _serializer().dumps([scope, int(ref)])


def url(scope, ref):
    from app.mail.outbox import link

    return link("notices.unsubscribe", token=token(scope, ref))


def read(token_text):
    """(scope handler, ref, detail) of a token, or None if the token is forged, damaged or of an unknown scope."""
    try:
        scope, ref = _serializer().loads(token_text)
    except (BadSignature, ValueError, TypeError):
        return None
    name, _, detail = str(scope).partition(":")
    handler = _SCOPES.get(name)
    if handler is None or not isinstance(ref, int):
        return None
    return handler, ref, detail


def headers(scope, ref):
    """The RFC 2369 / RFC 8058 headers of a message that can be stopped."""
    return {"List-Unsubscribe": f"<{url(scope, ref)}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
