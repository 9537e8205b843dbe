"""Notices reach each member as they chose (mail at once, in a daily digest, or only in the app) and in their own
language; mail to one domain is throttled; preferences are a person's own."""
import datetime as dt
import re

from flask_babel import force_locale, gettext
from sqlalchemy import select, update

from app.accounts.models import User
from app.extensions import db
from app.mail.delivery import deliver
from app.mail.models import MailDomainWindow, MailOutbox
from app.models_base import utcnow
from app.notices import digests
from app.notices.models import Notification
from app.notices.phrases import Phrase
from app.notices.telling import tell
from tests.conftest import csrf_token, login

API = "/api/v1/me/notification-preferences"


def _speaks(app, user, language):
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(language=language))
        db.session.commit()


def _tell(app, organization, message=None):
    message = message or Phrase("Your bid on lot %(lot)s of “%(title)s” won: %(explanation)s.", lot=1, title="Transport",
                                explanation="best price")
    with app.app_context():
        told = tell([organization.id], "tenders", Phrase("Coopex: news of a tender"), message,
                    "http://coopex.test/tenders/1")
        db.session.commit()
        return told


def test_each_member_reads_the_notice_in_their_language(app, client, make, outbox):
    ana, bea = make.user(email="ana@example.coop"), make.user(email="bea@example.coop")
    organization = make.organization(ana)
    make.member(organization, user=bea)
    _speaks(app, bea, "fr")
    assert _tell(app, organization).mails == 2
    [english], [french] = outbox.to("ana@example.coop"), outbox.to("bea@example.coop")
    assert "won: best price" in english.body and "news of a tender" in english.subject
    assert french.subject != english.subject and "won: best price" not in french.body
    with app.test_request_context(headers={"Accept-Language": "es"}):
        notice = db.session.scalars(select(Notification).where(Notification.organization_id == organization.id)).one()
        assert "Transport" in notice.text and notice.text != english.body.split("\n")[0]


def test_preferences_daily_and_off_are_honoured(app, client, make, auth, outbox):
    ana, bea = make.user(email="ana@example.coop"), make.user(email="bea@example.coop")
    organization = make.organization(ana)
    make.member(organization, user=bea)
    assert client.put(API, json={"tenders": "daily"}, headers=auth(make.token(ana))).get_json()["tenders"] == "daily"
    assert client.put(API, json={"tenders": "off"}, headers=auth(make.token(bea))).get_json() == {
        "messages": "immediately", "trade": "immediately", "tenders": "off", "campaigns": "immediately",
        "alerts": "immediately"}
    told = _tell(app, organization)
    assert (told.organizations, told.mails, told.digested) == (1, 0, 1)
    assert list(outbox) == []
    _tell(app, organization, Phrase("The deadline of “%(title)s” was extended to %(deadline)s UTC.", title="Transport",
                                    deadline="2026-12-24 12:00"))
    with app.app_context():
        assert digests.send_digests("daily").users == 1
    [digest] = outbox.to("ana@example.coop")
    assert "daily digest" in digest.subject and "won: best price" in digest.body and "Tenders" in digest.body
    assert outbox.to("bea@example.coop") == []


def test_preferences_are_checked_and_a_persons_own(app, client, make, auth):
    headers = auth(make.token(make.user()))
    bad = client.put(API, json={"tenders": "hourly", "planets": "off"}, headers=headers)
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"tenders", "planets"}
    assert client.put(API, json={}, headers=headers).status_code == 422
    assert client.get(API).status_code == 401


def test_the_preferences_page_saves_the_choices(app, client, make):
    user = make.user()
    login(client, user)
    page = "/account/notifications"
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "messages": "daily", "trade": "off",
                                       "tenders": "immediately", "campaigns": "daily", "alerts": "off"})
    assert response.status_code == 302
    assert re.search(r'<option selected value="daily">|<option value="daily" selected', client.get(page).get_data(as_text=True))
    refused = client.post(page, data={"csrf_token": csrf_token(client, page), "messages": "hourly", "trade": "off",
                                      "tenders": "off", "campaigns": "off", "alerts": "off"})
    assert refused.status_code == 422


def test_mail_to_one_domain_waits_beyond_the_per_minute_limit(app, make):
    app.config["MAIL_PER_DOMAIN_PER_MINUTE"] = 3
    with app.app_context():
        from app.mail import send_mail
        for number in range(5):
            send_mail(f"person{number}@busy.example", "Hello", "Body")
        send_mail("someone@quiet.example", "Hello", "Body")
        db.session.flush()
        result = deliver()
        assert (result.sent, result.deferred) == (4, 2)
        waiting = db.session.scalars(select(MailOutbox).where(MailOutbox.recipient.like("%@busy.example"))).all()
        assert len(waiting) == 2 and all(m.attempts == 0 and m.next_attempt_at > utcnow() for m in waiting)
        assert db.session.get(MailDomainWindow, "busy.example").sent == 3
        db.session.execute(update(MailDomainWindow).values(window_start=utcnow() - dt.timedelta(minutes=2)))
        db.session.execute(update(MailOutbox).values(next_attempt_at=None))
        assert deliver().sent == 2
        db.session.rollback()


def test_account_mail_is_written_in_the_account_holders_language(app, client, make, outbox):
    user = make.user(email="elena@example.coop")
    _speaks(app, user, "es")
    client.post("/api/v1/auth/password-reset", json={"email": user.email})
    [mail] = outbox.to(user.email)
    assert mail.subject != "Reset your Coopex password" and "/reset-password/" in mail.body
    with app.app_context(), force_locale("es"):
        assert mail.subject == gettext("Reset your Coopex password")


def test_switching_language_while_logged_in_sets_the_language_of_mail(app, client, make):
    user = make.user()
    login(client, user)
    client.post("/language/fr", data={"csrf_token": csrf_token(client, "/")})
    with app.app_context():
        assert db.session.get(User, user.id).language == "fr"
