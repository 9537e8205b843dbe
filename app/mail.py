"""Outgoing mail.

Inside a request, mail is held until the response is ready and sent only if the request succeeded
(its transaction committed); elsewhere (CLI) it goes at once. Backends: `log` (development: printed to
the log), `memory` (tests read it), `smtp` (production).
"""
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, url_for


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


def send_mail(to, subject, body):
    """Queue a plain-text message for delivery when the current request succeeds."""
    message = Message(to=to, subject=subject, body=body)
    if has_request_context():
        g.setdefault("outgoing_mail", []).append(message)
    else:
        _deliver(message)
    return message


def link(endpoint, **values):
    """An absolute URL for a mail: from the request when there is one, else from SERVER_NAME, else PUBLIC_BASE_URL (the
    worker and `flask` commands send mail outside any request)."""
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    return current_app.url_map.bind(base.netloc, url_scheme=base.scheme).build(endpoint, values, force_external=True)


def _deliver(message):
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(message)
    elif backend == "smtp":
        _send_smtp(message)
    else:
        current_app.logger.info("Mail to %s: %s\n%s", message.to, message.subject, message.body)


def _send_smtp(message):
    config = current_app.config
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = config["MAIL_SENDER"], message.to, message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(email)


def init_app(app):
    @app.after_request
    def _deliver_queued_mail(response):
        queued = g.pop("outgoing_mail", [])
        if response.status_code < 400:
            for message in queued:
                try:
                    _deliver(message)
                except OSError:
                    current_app.logger.exception("Could not send mail to %s", message.to)
        return response
