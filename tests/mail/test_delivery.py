"""The mail outbox: sent over real SMTP to Mailpit, kept when the relay is down, retried, never failing a request."""
import datetime as dt
import smtplib
import socket

from sqlalchemy import select, update

from app.mail.delivery import MAX_ATTEMPTS, _permanent, backoff
from app.mail.models import MailOutbox
from tests.conftest import csrf_token


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def queued(app):
    from app.extensions import db

    with app.app_context():
        return list(db.session.scalars(select(MailOutbox).order_by(MailOutbox.id)))


def test_a_relay_outage_fails_no_request_and_loses_no_mail(app, client, make, outbox):
    user = make.user()
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed_port()
    try:
        response = client.post("/forgot-password", data={"email": user.email, "csrf_token": csrf_token(client, "/forgot-password")})
        assert response.status_code == 200
        [waiting] = queued(app)
        assert waiting.recipient == user.email and waiting.attempts == 1 and waiting.next_attempt_at > dt.datetime.now(dt.UTC)
        assert "connect" in waiting.error
    finally:
        app.config["MAIL_PORT"] = port
    from app.extensions import db

    with app.app_context():
        db.session.execute(update(MailOutbox).values(next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert result.exit_code == 0 and "1 sent" in result.output, result.output
    assert queued(app) == []
    [mail] = outbox.to(user.email)
    assert "/reset-password/" in mail.body


def test_a_refused_request_sends_nothing(client, make, outbox):
    user = make.user()
    response = client.post("/forgot-password", data={"email": user.email})  # no CSRF token: refused
    assert response.status_code == 400
    assert outbox == []


def test_mail_queued_outside_a_request_waits_for_the_worker(app, make, outbox):
    from app.extensions import db
    from app.mail import send_mail

    with app.app_context():
        send_mail("someone@example.coop", "Hello", "From a command.")
        db.session.commit()
    assert len(queued(app)) == 1
    assert [mail.subject for mail in outbox] == ["Hello"]  # the fixture delivers as the worker would
    assert queued(app) == []


def test_back_off_doubles_to_an_hour_and_only_5xx_answers_are_final():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [5, 10, 20, 40] and backoff(MAX_ATTEMPTS) == 3600
    refused = smtplib.SMTPRecipientsRefused({"a@example.coop": (550, b"no such user")})
    busy = smtplib.SMTPRecipientsRefused({"a@example.coop": (450, b"mailbox busy")})
    assert _permanent(refused) and not _permanent(busy)
    assert _permanent(smtplib.SMTPDataError(554, b"rejected")) and not _permanent(smtplib.SMTPDataError(451, b"later"))
