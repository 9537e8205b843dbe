"""Queueing mail, and the absolute links it carries."""
from urllib.parse import urlsplit

from flask import current_app, g, has_app_context, has_request_context, url_for

from app.extensions import db
from app.mail.models import MailOutbox

_QUEUE = MailOutbox.__table__.insert()


def send_mail(to, subject, body, *, unsubscribe=None):
    """Queue a plain-text message in the current transaction; it leaves only if the transaction commits.
    `unsubscribe` = (scope, ref) for mail the recipient can stop in one click (app.mail.unsubscribe)."""
    send_mails([(to, subject, body, unsubscribe)])


def send_mails(messages):
    """Queue messages given as (to, subject, body, unsubscribe or None), like send_mail, in one INSERT."""
    # No object for the session to track: the payments worker thanks a group's donors on its hot path.
    rows = [{"recipient": to, "subject": str(subject)[:300], "body": str(body),
             **dict(zip(("unsubscribe_scope", "unsubscribe_ref"), unsubscribe or (None, None), strict=True))}
            for to, subject, body, unsubscribe in messages]
    if not rows:
        return
    db.session.execute(_QUEUE, rows if len(rows) > 1 else rows[0])
    if has_request_context():
        g.mail_queued = True


def link(endpoint, **values):
    """An absolute URL for a mail: from the request when there is one, else from SERVER_NAME, else PUBLIC_BASE_URL (the
    worker and `flask` commands send mail outside any request)."""
    if has_request_context() or (has_app_context() and current_app.config.get("SERVER_NAME")):
        return url_for(endpoint, _external=True, **values)
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    return current_app.url_map.bind(base.netloc, url_scheme=base.scheme).build(endpoint, values, force_external=True)
