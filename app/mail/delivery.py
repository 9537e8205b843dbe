"""Sending the mail outbox over SMTP: one connection per batch, retries with back-off, refused mail kept aside."""
import datetime as dt
import smtplib
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, g
from sqlalchemy import delete, func, or_, select, update

from app.database import upsert
from app.extensions import db
from app.mail import unsubscribe
from app.mail.models import MailDomainWindow, MailOutbox
from app.models_base import utcnow
from app.workers import claim

#: After this many failed attempts a message is parked instead of retried (about a day of back-off).
MAX_ATTEMPTS = 12
MAX_BACKOFF_SECONDS = 3600
#: Lines up to SMTP's own limit: a long List-Unsubscribe address stays one plain header, not RFC 2047 encoded words
#: that mail clients would not read as a link.
HEADERS_UNFOLDED = policy.default.clone(max_line_length=998)


@dataclass
class DeliveryResult:
    rows: int = 0
    sent: int = 0
    retried: int = 0
    parked: int = 0
    #: Held back to the next minute by the per-domain limit.
    deferred: int = 0
    unavailable: bool = False


def backoff(attempts):
    """Seconds before the next try: 5, 10, 20 … capped at an hour."""
    return min(MAX_BACKOFF_SECONDS, 5 * 2 ** max(attempts - 1, 0))


def _due_messages(limit):
    statement = (
        select(MailOutbox)
        .where(MailOutbox.parked_at.is_(None),
               or_(MailOutbox.next_attempt_at.is_(None), MailOutbox.next_attempt_at <= utcnow()))
        .order_by(MailOutbox.id)
        .limit(limit)
    )
    return claim(statement, update(MailOutbox).where(MailOutbox.id == -1).values(attempts=0)).scalars().all()


def _email(message, config):
    email = EmailMessage(policy=HEADERS_UNFOLDED)
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=config.get("MAIL_MESSAGE_ID_DOMAIN"))
    email["Auto-Submitted"] = "auto-generated"
    if config.get("MAIL_TAG"):
        email["X-Tags"] = config["MAIL_TAG"]  # Mailpit files the message under this tag (tests read their own mail)
    body = message.body
    if message.unsubscribe_scope:
        for name, value in unsubscribe.headers(message.unsubscribe_scope, message.unsubscribe_ref).items():
            email[name] = value
        body = body.replace(unsubscribe.PLACEHOLDER, unsubscribe.url(message.unsubscribe_scope, message.unsubscribe_ref))
    email.set_content(body)
    return email


def domain_of(address):
    return address.rpartition("@")[2].lower()


def _within_domain_limits(messages, per_minute):
    """The messages each domain may still take this minute; the others wait for the next minute (not an attempt)."""
    if not per_minute or not messages:
        return messages
    now = utcnow()
    minute = now.replace(second=0, microsecond=0)
    wanted = {}
    for message in messages:
        wanted.setdefault(domain_of(message.recipient), []).append(message)
    # Every worker creates missing windows the same way and locks them in the same order: no duplicate, no deadlock.
    db.session.execute(upsert(MailDomainWindow).values([{"domain": domain, "window_start": minute, "sent": 0}
                                                        for domain in wanted]).on_conflict_do_nothing())
    windows = {window.domain: window for window in db.session.scalars(
        select(MailDomainWindow).where(MailDomainWindow.domain.in_(wanted)).order_by(MailDomainWindow.domain)
        .with_for_update().execution_options(populate_existing=True))}
    allowed = []
    for domain, waiting in wanted.items():
        window = windows[domain]
        if window.window_start < minute:
            window.window_start, window.sent = minute, 0
        room = max(per_minute - window.sent, 0)
        allowed.extend(waiting[:room])
        window.sent += min(room, len(waiting))
        for message in waiting[room:]:
            message.next_attempt_at = minute + dt.timedelta(minutes=1)
    db.session.flush()
    return sorted(allowed, key=lambda message: message.id)


def _connect(config):
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 10))
    if config["MAIL_USE_TLS"]:
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def deliver(limit=200):
    """Send up to `limit` due messages over one SMTP connection; the caller commits."""
    config = current_app.config
    due = _due_messages(limit)
    messages = _within_domain_limits(due, config.get("MAIL_PER_DOMAIN_PER_MINUTE", 0))
    result = DeliveryResult(rows=len(due), deferred=len(due) - len(messages))
    if not messages:
        return result
    sent = []
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as error:
        for message in messages:
            _retry_later(message, f"connect: {error}")
        result.retried, result.unavailable = len(messages), True
        return result
    with smtp:
        for index, message in enumerate(messages):
            try:
                smtp.send_message(_email(message, config))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
                if _permanent(error):
                    _park(message, str(error))
                    result.parked += 1
                else:
                    _retry_later(message, str(error))
                    result.retried += 1
            except (OSError, smtplib.SMTPException) as error:
                # The connection broke: this message and the rest wait for the next round.
                for rest in messages[index:]:
                    _retry_later(rest, str(error))
                result.retried += len(messages) - index
                result.unavailable = True
                break
            else:
                sent.append(message.id)
    if sent:
        db.session.execute(delete(MailOutbox).where(MailOutbox.id.in_(sent)).execution_options(synchronize_session=False))
        for message in messages:
            if message.id in sent:
                db.session.expunge(message)
    result.sent = len(sent)
    db.session.flush()
    return result


def _permanent(error):
    """A 5xx answer is final (no such mailbox, refused); a 4xx one is worth trying again."""
    codes = [code for code, _text in error.recipients.values()] if isinstance(error, smtplib.SMTPRecipientsRefused) \
        else [error.smtp_code]
    return all(code >= 500 for code in codes)


def _retry_later(message, reason):
    message.attempts += 1
    message.error = reason[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.parked_at = utcnow()
    else:
        message.next_attempt_at = utcnow() + dt.timedelta(seconds=backoff(message.attempts))


def _park(message, reason):
    message.attempts += 1
    message.parked_at = utcnow()
    message.error = reason[:2000]


def deliver_all(batch=200):
    """Deliver until nothing is due or the relay is unreachable; commits after each batch."""
    total = DeliveryResult()
    while True:
        result = deliver(batch)
        db.session.commit()
        for name in ("rows", "sent", "retried", "parked", "deferred"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
        total.unavailable = total.unavailable or result.unavailable
        if result.rows < batch or result.unavailable or not result.sent:
            return total


def outbox_status():
    pending = db.session.scalar(select(func.count(MailOutbox.id)).where(MailOutbox.parked_at.is_(None)))
    parked = db.session.scalar(select(func.count(MailOutbox.id)).where(MailOutbox.parked_at.is_not(None)))
    return {"pending": pending, "parked": parked}


def register_delivery_after_request(app):
    """Development and tests: send a request's mail before answering, so it is in the inbox when the page shows."""

    @app.after_request
    def _deliver_queued_mail(response):
        queued = g.pop("mail_queued", False)
        # A failed request's mail went with its rolled-back transaction; never commit what it left behind.
        if not queued or response.status_code >= 400 or not current_app.config.get("MAIL_DELIVER_AFTER_REQUEST"):
            return response
        try:
            deliver_all()
        except Exception:  # noqa: BLE001 - the request's work is done; the worker delivers later
            db.session.rollback()
            current_app.logger.exception("Mail delivery after request failed; the outbox keeps the messages")
        return response
