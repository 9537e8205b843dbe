"""Mailed links (confirm the address, reset the password), password change, and sessions that end — pages and API,
with the mail read back from Mailpit."""
import datetime as dt
import re

import pytest
from sqlalchemy import func, select, update

from app.accounts.models import AccountLink, User
from app.orgs.models import Organization
from tests.accounts.test_api import register_payload
from tests.accounts.test_pages import SIGNUP
from tests.conftest import PASSWORD, csrf_token, login

NEW_PASSWORD = "harvest-moon-over-the-orchard"


def link_path(mail, route):
    match = re.search(rf"https?://[^/\s]+(/{route}/(\S+))", mail.body)
    assert match, mail.body
    return match.group(1), match.group(2)


def count(app, model):
    from app.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


# Sign-up and the confirmation link --------------------------------------------------------------------------------


def test_signup_with_a_registered_address_answers_the_same_and_tells_its_owner(app, client, make, outbox):
    owner = make.user(email="jo@bakery.coop")
    users, organizations = count(app, User), count(app, Organization)
    response = client.post("/signup", data={**SIGNUP, "csrf_token": csrf_token(client, "/signup")})
    assert response.status_code == 200 and "Check your mail" in response.get_data(as_text=True)
    assert (count(app, User), count(app, Organization)) == (users, organizations)
    [mail] = outbox.to(owner.email)
    assert "tried to create a Coopex account" in mail.body and "/verify-email/" not in mail.body


def test_signup_with_a_registered_address_still_shows_field_errors(client, make, outbox):
    make.user(email="jo@bakery.coop")
    response = client.post("/signup", data={**SIGNUP, "password": "short", "csrf_token": csrf_token(client, "/signup")})
    assert response.status_code == 422 and "Already registered" not in response.get_data(as_text=True)
    assert outbox == []


def test_an_unconfirmed_person_browses_but_cannot_publish(app, client, auth, outbox):
    body = client.post("/api/v1/auth/register", json=register_payload()).get_json()
    [mail] = outbox.to("ana@suma.coop")
    secret = client.post("/api/v1/auth/tokens", json={"email": "ana@suma.coop", "password": "wholefoods-since-1977"}).get_json()["token"]
    listing = {"organization_id": body["organization"]["id"], "title": "Oat flakes, organic", "description": "Rolled oats.",
               "cpv_code": "03211000", "price": {"amount": "2.50", "currency": "GBP"}, "status": "active"}
    refused = client.post("/api/v1/listings", json=listing, headers=auth(secret))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "email_unverified"
    assert client.get(f"/api/v1/organizations/{body['organization']['id']}", headers=auth(secret)).status_code == 200

    _path, token = link_path(mail, "verify-email")
    assert client.post("/api/v1/auth/email-verification", json={"token": token}).status_code == 204
    assert client.post("/api/v1/listings", json=listing, headers=auth(secret)).status_code == 201
    again = client.post("/api/v1/auth/email-verification", json={"token": token})
    assert again.status_code == 404 and again.get_json()["error"]["code"] == "link_invalid"


def test_the_page_says_why_and_offers_a_new_link(app, client, make, outbox):
    user = make.user(verified=False)
    organization = make.organization(user)
    login(client, user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "unverified-banner" in page and "Send the link again" in page
    response = client.post("/listings/new", data={"csrf_token": csrf_token(client, "/dashboard"), "title": "Tea",
                                                  "organization_id": organization.id})
    assert response.status_code == 403 and "Confirm your e-mail address first" in response.get_data(as_text=True)

    client.post("/account/verification/resend", data={"csrf_token": csrf_token(client, "/dashboard")})
    client.post("/account/verification/resend", data={"csrf_token": csrf_token(client, "/dashboard")})
    first, second = outbox.to(user.email)
    stale, _token = link_path(first, "verify-email")
    fresh, _token = link_path(second, "verify-email")
    assert client.post(stale, data={"csrf_token": csrf_token(client, stale)}).status_code == 404  # replaced by the newer one
    assert client.post(fresh, data={"csrf_token": csrf_token(client, fresh)}).status_code == 302
    assert "unverified-banner" not in client.get("/dashboard").get_data(as_text=True)


def test_the_confirmation_link_expires_after_48_hours(app, client, make, outbox):
    user = make.user(verified=False)
    login(client, user)
    client.post("/account/verification/resend", data={"csrf_token": csrf_token(client, "/dashboard")})
    path, _token = link_path(outbox[0], "verify-email")
    from app.extensions import db

    with app.app_context():
        link = db.session.scalar(select(AccountLink).where(AccountLink.user_id == user.id))
        assert dt.timedelta(hours=47, minutes=59) < link.expires_at - link.created_at <= dt.timedelta(hours=48)
        link.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 404


def test_resending_the_link_is_rate_limited(app, client, make, auth):
    user = make.user(verified=False)
    secret = make.token(user)
    answers = [client.post("/api/v1/auth/email-verification/resend", headers=auth(secret)).status_code for _ in range(7)]
    assert answers[:5] == [202] * 5 and answers[5:] == [429, 429]


def test_resending_needs_a_signed_in_caller(client):
    assert client.post("/api/v1/auth/email-verification/resend").status_code == 401


def test_accepting_an_invitation_confirms_the_invited_address(app, client, make, outbox):
    admin = make.user()
    organization = make.organization(admin)
    invited = make.user(email="late.joiner@example.coop", verified=False)
    login(client, admin)
    members = f"/organizations/{organization.id}/members"
    client.post(members, data={"email": invited.email, "role": "seller", "csrf_token": csrf_token(client, members)})
    path, _secret = link_path(outbox.to(invited.email)[-1], "invitations")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(client, invited)
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 302
    assert "unverified-banner" not in client.get("/dashboard").get_data(as_text=True)


@pytest.mark.parametrize("payload", [{}, {"token": ""}, {"token": "x" * 101}, {"token": 5}])
def test_bad_confirmation_input_is_a_field_error(client, payload):
    response = client.post("/api/v1/auth/email-verification", json=payload)
    assert response.status_code == 422 and "token" in response.get_json()["error"]["fields"]


def test_the_email_verification_answer_is_a_404_for_an_unknown_token(client):
    assert client.post("/api/v1/auth/email-verification", json={"token": "not-a-real-one"}).status_code == 404


# Forgotten password ----------------------------------------------------------------------------------------------


def test_forgot_password_answers_the_same_for_unknown_addresses(client, make, outbox):
    user = make.user()
    known = client.post("/forgot-password", data={"email": user.email, "csrf_token": csrf_token(client, "/forgot-password")})
    unknown = client.post("/forgot-password", data={"email": "nobody@example.coop", "csrf_token": csrf_token(client, "/forgot-password")})

    def strip(page):  # the CSRF token carries its time of signing: two answers a second apart differ there alone
        text = page.get_data(as_text=True).replace(user.email, "ADDRESS").replace("nobody@example.coop", "ADDRESS")
        return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r'\1TOKEN', text)

    assert known.status_code == unknown.status_code == 200 and strip(known) == strip(unknown)
    assert [mail.to for mail in outbox] == [user.email]
    for email in (user.email, "nobody@example.coop"):
        assert client.post("/api/v1/auth/password-reset", json={"email": email}).status_code == 202
    assert len(outbox.to(user.email)) == 2


def test_reset_ends_every_session_and_remember_me_cookie_but_not_api_tokens(app, make, outbox, auth):
    user = make.user()
    secret = make.token(user)
    laptop, phone, stranger = app.test_client(), app.test_client(), app.test_client()
    login(laptop, user)
    token = csrf_token(phone, "/login")
    phone.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": token})
    remembered = phone.get_cookie("remember_token", domain="coopex.test")
    assert remembered is not None
    assert laptop.get("/dashboard").status_code == phone.get("/dashboard").status_code == 200

    stranger.post("/forgot-password", data={"email": user.email, "csrf_token": csrf_token(stranger, "/forgot-password")})
    path, token = link_path(outbox.to(user.email)[0], "reset-password")
    weak = stranger.post(path, data={"password": "short", "csrf_token": csrf_token(stranger, path)})
    assert weak.status_code == 422  # the link is not spent by a refused password
    done = stranger.post(path, data={"password": NEW_PASSWORD, "csrf_token": csrf_token(stranger, path)})
    assert done.status_code == 302

    assert laptop.get("/dashboard").status_code == 302
    phone.delete_cookie("session", domain="coopex.test")  # only the remember-me cookie left: it ended too
    assert phone.get_cookie("remember_token", domain="coopex.test").value == remembered.value
    assert phone.get("/dashboard").status_code == 302
    assert laptop.get("/api/v1/me", headers=auth(secret)).status_code == 200
    assert stranger.post(path, data={"password": "another-long-phrase-here", "csrf_token": csrf_token(stranger, path)}).status_code == 404
    login(laptop, type(user)(id=user.id, email=user.email, password=NEW_PASSWORD))


def test_reset_by_api_and_its_one_hour_limit(app, client, make, outbox):
    user = make.user()
    client.post("/api/v1/auth/password-reset", json={"email": user.email})
    _path, token = link_path(outbox[0], "reset-password")
    from app.extensions import db

    with app.app_context():
        link = db.session.scalar(select(AccountLink).where(AccountLink.user_id == user.id))
        assert link.expires_at - link.created_at == dt.timedelta(hours=1)
        assert link.token_hash != token and token not in link.token_hash  # only a digest is kept
    weak = client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "password"})
    assert weak.status_code == 422 and "password" in weak.get_json()["error"]["fields"]
    assert client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}).status_code == 204
    with app.app_context():
        db.session.execute(update(AccountLink).values(used_at=None, expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        db.session.commit()
    assert client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}).status_code == 404


def test_forgot_password_is_rate_limited(client):
    answers = [client.post("/api/v1/auth/password-reset", json={"email": "someone@example.coop"}).status_code for _ in range(7)]
    assert 429 in answers and answers[0] == 202


# Password change and log out everywhere --------------------------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, make):
    user = make.user()
    here, elsewhere = app.test_client(), app.test_client()
    login(here, user)
    login(elsewhere, user)
    wrong = here.post("/account/password", data={"current_password": "not-it", "password": NEW_PASSWORD,
                                                 "csrf_token": csrf_token(here, "/account")})
    assert wrong.status_code == 422 and "This is not your current password" in wrong.get_data(as_text=True)
    assert elsewhere.get("/dashboard").status_code == 200
    done = here.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                "csrf_token": csrf_token(here, "/account")})
    assert done.status_code == 302
    assert here.get("/dashboard").status_code == 200
    assert elsewhere.get("/dashboard").status_code == 302


def test_change_password_by_api(client, make, auth):
    user = make.user()
    secret = make.token(user)
    wrong = client.post("/api/v1/auth/password", json={"current_password": "nope", "password": NEW_PASSWORD}, headers=auth(secret))
    assert wrong.status_code == 401 and "current_password" in wrong.get_json()["error"]["fields"]
    assert client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "password": NEW_PASSWORD}).status_code == 401
    ok = client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "password": NEW_PASSWORD}, headers=auth(secret))
    assert ok.status_code == 204
    assert client.post("/api/v1/auth/tokens", json={"email": user.email, "password": NEW_PASSWORD}).status_code == 201


def test_log_out_everywhere(app, make):
    user = make.user()
    here, elsewhere = app.test_client(), app.test_client()
    login(here, user)
    login(elsewhere, user)
    here.post("/account/sessions/end", data={"csrf_token": csrf_token(here, "/account")})
    assert here.get("/dashboard").status_code == elsewhere.get("/dashboard").status_code == 302


# Cookies and idle sessions ---------------------------------------------------------------------------------------


def test_cookies_are_http_only_same_site_and_remember_me_lasts_30_days(client, make):
    user = make.user()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": token})
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name], cookies[name]
    expires = re.search(r"Expires=([^;]+)", cookies["remember_token"]).group(1)
    lifetime = dt.datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=29) < lifetime <= dt.timedelta(days=30)


def test_a_session_ends_after_the_idle_time(app, client, make):
    user = make.user()
    login(client, user)
    assert client.get("/dashboard").status_code == 200
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(seconds=1)
    try:
        import time

        time.sleep(2.1)
        assert client.get("/dashboard").status_code == 302
    finally:
        app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=12)


# Recent sign-in for sensitive actions ----------------------------------------------------------------------------


def test_a_new_token_needs_a_recent_sign_in(client, make):
    user = make.user()
    login(client, user)
    with client.session_transaction() as session:
        session["signed_in_at"] -= 16 * 60
    response = client.post("/account/tokens", data={"name": "CI", "scope": "read", "expires_in_days": "7",
                                                    "csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302 and "/account/confirm-password" in response.headers["Location"]
    confirm = response.headers["Location"]
    wrong = client.post(confirm, data={"password": "not-mine", "csrf_token": csrf_token(client, confirm)})
    assert wrong.status_code == 401
    right = client.post(confirm, data={"password": PASSWORD, "csrf_token": csrf_token(client, confirm)})
    assert right.status_code == 302
    page = client.post("/account/tokens", data={"name": "CI", "scope": "read", "expires_in_days": "7",
                                                "csrf_token": csrf_token(client, "/account/tokens")})
    assert page.status_code == 200 and 'id="new-token"' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


# API tokens: scope, expiry, last use -----------------------------------------------------------------------------


def test_a_read_token_reads_but_may_not_write(client, make):
    user = make.user()
    organization = make.organization(user)
    created = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD, "scope": "read"})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    body = created.get_json()
    assert body["scope"] == "read"
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    refused = client.patch(f"/api/v1/organizations/{organization.id}", json={"description": "x"}, headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "insufficient_scope"


def test_tokens_expire_and_show_their_last_use(app, client, make, auth):
    user = make.user()
    created = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD, "expires_in_days": 7}).get_json()
    expires = dt.datetime.fromisoformat(created["expires_at"])
    assert dt.timedelta(days=6, hours=23) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)
    assert created["last_used_at"] is None and created["scope"] == "write"
    assert client.get("/api/v1/me", headers=auth(created["token"])).status_code == 200
    [listed] = client.get("/api/v1/auth/tokens", headers=auth(created["token"])).get_json()
    assert listed["last_used_at"] is not None
    from app.accounts.models import ApiToken
    from app.extensions import db

    with app.app_context():
        db.session.execute(update(ApiToken).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/api/v1/me", headers=auth(created["token"])).status_code == 401


@pytest.mark.parametrize("change", [{"scope": "admin"}, {"expires_in_days": 0}, {"expires_in_days": 366},
                                    {"expires_in_days": "soon"}])
def test_bad_token_requests_are_field_errors(client, make, change):
    user = make.user()
    response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD, **change})
    assert response.status_code == 422 and set(response.get_json()["error"]["fields"]) == set(change)


# The audit trail of a person's own account -----------------------------------------------------------------------


def test_account_actions_are_in_the_audit_trail(app, client, make):
    from tests.audit import trail

    user = make.user()
    login(client, user)
    login(client, user)  # the same address again: recorded once
    client.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                           "csrf_token": csrf_token(client, "/account")})
    client.post("/account/tokens", data={"name": "Books", "scope": "read", "expires_in_days": "30",
                                         "csrf_token": csrf_token(client, "/account/tokens")})
    client.post("/account/sessions/end", data={"csrf_token": csrf_token(client, "/account")})
    actions = [(action, email, subject) for action, email, subject, _details, _ip in trail(app)]
    assert actions == [
        ("account.signed_in_from_new_address", user.email, f"user:{user.id}"),
        ("account.password_changed", user.email, f"user:{user.id}"),
        ("token.created", user.email, actions[2][2]),
        ("account.sessions_ended", user.email, f"user:{user.id}"),
    ]
    assert trail(app)[0][4] == "127.0.0.1"
