"""Outgoing mail. Development prints it to the log; tests keep it in memory to read."""
from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


def send_mail(to, subject, body):
    """Send a plain-text message with the configured backend ('log' or 'memory')."""
    message = Message(to=to, subject=subject, body=body)
    backend = current_app.config.get("MAIL_BACKEND", "log")
    if backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(message)
    current_app.logger.info("Mail to %s: %s\n%s", to, subject, body)
    return message
