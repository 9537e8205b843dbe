"""Outgoing mail through an outbox.

`send_mail` writes a row in the current transaction: a rolled-back request sends nothing, and an SMTP outage loses
nothing and fails no request. The `flask mail deliver --watch` worker sends the rows over SMTP with retries; in
development and tests the app also delivers right after each request that queued mail (MAIL_DELIVER_AFTER_REQUEST),
so the mail is in the inbox when the page answers.
"""
from app.mail.outbox import link, send_mail, send_mails

__all__ = ["link", "send_mail", "send_mails", "init_app"]


def init_app(app):
    from app.mail import delivery

    delivery.register_delivery_after_request(app)
