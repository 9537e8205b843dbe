"""The Idempotency-Key header, as Stripe's API takes it: a client-chosen string sent with a request that creates
something (a POST answering 201 to a caller with a token), so that the request may be sent again — by the client after
a lost answer, or by nginx to the other app server when the first died with it in flight — without a second effect.

The key's row is claimed (inserted, not committed) before the handler runs, and the handler's one commit is held
(app.database.holding_commit) until the answer is written into the row: the effect and the key commit together or not
at all. A request that dies before that commit leaves no key, and its retry does the work; one that committed left its
answer, and its retry gets it again (`Idempotent-Replayed: true`). A second request with the key while the first runs
waits for the first at the row's unique index (PostgreSQL; SQLite's writers go one at a time) and then replays its
answer, or is answered 409 after IDEMPOTENCY_WAIT_SECONDS. Error answers are not kept: their transaction is rolled
back with the key, and the client may send the corrected request with the same key.
"""
import datetime as dt
import hashlib
import json
from contextlib import contextmanager
from functools import wraps

from flask import current_app, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app import openapi
from app.database import holding_commit
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.idempotency.models import IdempotencyKey
from app.models_base import utcnow

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
#: The headers of an answer given again with it (with its status and body).
KEPT_HEADERS = ("Content-Type", "Location")
#: PostgreSQL's lock_not_available: the wait for the other request with the key ran out.
_LOCK_NOT_AVAILABLE = "55P03"

PARAMETER = {
    "in": "header", "name": HEADER, "required": False,
    "description": "A key of your choosing (e.g. a UUID): sending the same request again with the same key, within "
                   "24 hours, answers what the first one was answered (with `Idempotent-Replayed: true`) and creates "
                   "nothing more. The same key with another request (method, path, body) is refused (422); a request "
                   "sent while the first one with its key is still running waits for it, or is answered 409 (retry). "
                   "Error answers are not kept: the corrected request may use the same key. Keys are kept per user.",
    # 1 to 255 printable ASCII characters (check_key).
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    "example": "4f9c1c1e-8a0e-4b1e-9d57-0f3c2d6a7b11",
}
REPLAYED_HEADER = {
    "description": "`true` when this is the stored answer of an earlier request with the same Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}


def applies_to(view, methods):
    """Does this API operation take an Idempotency-Key: a POST that creates something (answers 201) for a caller with a
    token (keys are kept per user, so an operation anybody may call without one does not)?"""
    return (list(methods or ()) == ["POST"] and 201 in getattr(view, "_apidoc", {}).get("success_status_codes", ())
            and getattr(view, "security", None) != openapi.ANONYMOUS)


def keyed(view):
    """The operation `view`, documented and run with the Idempotency-Key header."""
    documented = Blueprint.doc(parameters=[PARAMETER],
                               responses={201: {"headers": {REPLAYED: REPLAYED_HEADER}}, 409: "CONFLICT"})(view)

    @wraps(documented)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return documented(*args, **kwargs)
        return _once(key, documented, args, kwargs)

    return wrapper


def refusing_key(view):
    """A POST operation that does not take the key: refuse one (422) rather than ignore it, since nginx sends a POST
    with a key to the other app server again when the first one failed, which only a keyed operation makes safe."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if HEADER in request.headers:
            raise _header_error(_("This operation does not take an Idempotency-Key."))
        return view(*args, **kwargs)

    return wrapper


def _header_error(message):
    return ValidationFailed(_("Some fields are not valid."), {HEADER: [message]})


def check_key(key):
    """Refuse a key that is not 1 to 255 printable ASCII characters (a 422 field error on the header)."""
    if not 1 <= len(key) <= 255:
        raise _header_error(_("Give 1 to 255 characters."))
    if any(not " " <= character <= "~" for character in key):
        raise _header_error(_("Use printable ASCII characters only."))


def fingerprint(req):
    """SHA-256 of what makes a request the same one: method, path and query, and the body (JSON compared as data, a
    form by its fields and its files' contents, anything else byte for byte)."""
    digest = hashlib.sha256(f"{req.method} {req.path}?{req.query_string.decode('latin-1')}\n".encode())
    if req.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        digest.update(json.dumps(sorted(req.form.items(multi=True))).encode())
        for name, upload in sorted(req.files.items(multi=True), key=lambda item: (item[0], item[1].filename or "")):
            content = upload.stream.read()
            upload.stream.seek(0)
            digest.update(json.dumps([name, upload.filename, hashlib.sha256(content).hexdigest()]).encode())
        return digest.hexdigest()
    body = req.get_data(cache=True)
    if req.is_json:
        try:
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            pass  # not JSON after all: compared as bytes, and the handler refuses it
    digest.update(body)
    return digest.hexdigest()


def _once(key, view, args, kwargs):
    """Run the operation once for this caller's key: replay the kept answer, or do the work and keep its answer."""
    # Not at import: the API blueprints import this module (app.http) while the accounts package is being imported.
    from app.accounts.auth import api_user

    check_key(key)
    user = api_user()
    if user is None:
        raise _header_error(_("Keys are kept per user: send an Idempotency-Key with an API token."))
    claim, earlier = _claim(user.id, key, fingerprint(request))
    if earlier is not None:
        return _replay(earlier)
    session = db.session()
    with holding_commit(session):
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            session.rollback()  # the key goes with the effect: the request may be sent again
            raise
    if not 200 <= response.status_code < 300:
        session.rollback()
        return response
    _keep(claim, response)
    session.commit()
    return response


def _claim(user_id, key, request_fingerprint):
    """(the key's new row, None), or (None, the row of an earlier request with the key and the same fingerprint)."""
    cutoff = utcnow() - dt.timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])
    claim = IdempotencyKey(user_id=user_id, key=key, fingerprint=request_fingerprint)
    try:
        with _waiting_at_most(current_app.config["IDEMPOTENCY_WAIT_SECONDS"]), db.session.begin_nested():
            db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key,
                                                            IdempotencyKey.created_at < cutoff))
            db.session.add(claim)
            db.session.flush()
    except IntegrityError:
        earlier = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                                 IdempotencyKey.key == key))
        if earlier is None or earlier.status_code is None:
            raise _in_progress() from None
        if earlier.fingerprint != request_fingerprint:
            raise ValidationFailed(_("This Idempotency-Key was used for another request."),
                                   {HEADER: [_("Already used with another method, path or body: use a new key.")]},
                                   code="idempotency_key_reused") from None
        return None, earlier
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise _in_progress() from None
        raise
    return claim, None


def _in_progress():
    return Conflict(_("A request with this Idempotency-Key is still being processed: send it again in a moment."),
                    {HEADER: [_("In use by a request still running.")]}, code="idempotency_key_in_use")


@contextmanager
def _waiting_at_most(seconds):
    """PostgreSQL: within the block, a statement waits at most `seconds` for a lock (the row of another transaction
    with the same key) instead of without end; the transaction's own setting comes back after it."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    previous = db.session.scalar(select(func.current_setting("lock_timeout")))
    db.session.execute(select(func.set_config("lock_timeout", f"{int(seconds * 1000)}ms", True)))
    try:
        yield
    finally:
        db.session.execute(select(func.set_config("lock_timeout", previous, True)))


def _keep(claim, response):
    """Write the answer into the claimed key's row, in the transaction of the effect."""
    db.session.add(claim)  # changes nothing, unless the handler rolled back (the claim with it): then it is written now
    claim.status_code = response.status_code
    claim.headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    claim.body = response.get_data(as_text=True)


def _replay(earlier):
    """The answer of the earlier request with the key, as it was given."""
    db.session.commit()  # what the request itself noted (when its token was last used)
    response = current_app.response_class(earlier.body, status=earlier.status_code, headers=earlier.headers or {})
    response.headers[REPLAYED] = "true"
    return response


def forget_expired(now=None):
    """Delete the keys older than IDEMPOTENCY_KEY_HOURS (their requests may create again); returns how many."""
    cutoff = (now or utcnow()) - dt.timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)
                                .execution_options(synchronize_session=False))
    return result.rowcount
