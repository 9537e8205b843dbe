"""Sign-up, log-in, invitations and the organisation switcher, through the HTML forms."""
import re

from sqlalchemy import func, select

from app.accounts.models import Membership, User
from tests.conftest import csrf_token, login

SIGNUP = {
    "name": "Jo Baker", "email": "jo@bakery.coop", "password": "sourdough-every-morning",
    "organization_name": "Unicorn Grocery", "organization_legal_form": "cooperative",
    "organization_size": "small", "organization_country": "GB", "organization_sector": "consumer",
}


def test_signup_form_creates_account_and_organisation_and_the_mailed_link_signs_in(client, outbox):
    response = client.post("/signup", data={**SIGNUP, "csrf_token": csrf_token(client, "/signup")})
    assert response.status_code == 200 and "Check your mail" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302  # not signed in until the address is confirmed
    [mail] = outbox.to("jo@bakery.coop")
    path = re.search(r"https?://[^/]+(/verify-email/\S+)", mail.body).group(1)
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Unicorn Grocery" in dashboard and "unverified-banner" not in dashboard


def test_signup_keeps_input_and_shows_field_errors(app, client):
    data = {**SIGNUP, "password": "short", "organization_country": "", "csrf_token": csrf_token(client, "/signup")}
    response = client.post("/signup", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Unicorn Grocery"' in page and 'value="jo@bakery.coop"' in page
    assert "invalid-feedback" in page
    from app.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_forms_without_a_csrf_token_are_refused(client):
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 400
    response = client.post("/login", data={"email": "x@example.coop", "password": "whatever-long"})
    assert response.status_code == 400


def test_login_and_logout(client, make):
    user = make.user()
    login(client, user)
    assert "Log out" in client.get("/dashboard").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_shows_an_error_without_saying_which_part_was_wrong(client, make):
    user = make.user()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": "not-the-password", "csrf_token": token})
    assert response.status_code == 401
    assert "Wrong e-mail address or password" in response.get_data(as_text=True)


def test_login_is_rate_limited_per_address(client, make):
    user = make.user()
    token = csrf_token(client, "/login")
    for attempt in range(10):
        response = client.post("/login", data={"email": f"x{attempt}@example.coop", "password": "nope-nope-nope",
                                                "csrf_token": token})
        assert response.status_code == 401
    blocked = client.post("/login", data={"email": user.email, "password": user.password, "csrf_token": token})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)


def test_login_is_rate_limited_per_account_across_addresses(client, make):
    user = make.user()
    token = csrf_token(client, "/login")
    for attempt in range(10):
        client.post("/login", data={"email": user.email, "password": "nope-nope-nope", "csrf_token": token},
                    environ_base={"REMOTE_ADDR": f"10.1.0.{attempt}"})
    blocked = client.post("/login", data={"email": user.email, "password": user.password, "csrf_token": token},
                          environ_base={"REMOTE_ADDR": "10.2.0.1"})
    assert blocked.status_code == 429


def test_invitation_by_mail_lets_a_new_person_join_with_the_role(app, client, make, outbox):
    admin = make.user()
    organization = make.organization(admin)
    login(client, admin)
    members_url = f"/organizations/{organization.id}/members"
    response = client.post(members_url, data={"email": "new.seller@example.coop", "role": "seller",
                                              "csrf_token": csrf_token(client, members_url)})
    assert response.status_code == 302
    assert [m.to for m in outbox] == ["new.seller@example.coop"]
    link = re.search(r"https?://\S+/invitations/(\S+)", outbox[0].body)
    assert link, outbox[0].body

    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    path = f"/invitations/{link.group(1)}"
    accepted = client.post(path, data={"name": "Nia Seller", "password": "a-long-new-password-9",
                                       "csrf_token": csrf_token(client, path)})
    assert accepted.status_code == 302
    from app.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.seller@example.coop"))
        assert [(m.organization_id, m.role) for m in user.memberships] == [(organization.id, "seller")]
    assert client.get(path).status_code == 404  # used once


def test_invitation_cannot_be_accepted_by_another_account(app, client, make, outbox):
    admin = make.user()
    organization = make.organization(admin)
    login(client, admin)
    members_url = f"/organizations/{organization.id}/members"
    client.post(members_url, data={"email": "invited@example.coop", "role": "buyer",
                                   "csrf_token": csrf_token(client, members_url)})
    secret = re.search(r"/invitations/(\S+)", outbox[0].body).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    intruder = make.user()
    login(client, intruder)
    path = f"/invitations/{secret}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 403
    from app.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id)).where(Membership.user_id == intruder.id)) == 0


def test_only_admins_may_invite(client, make):
    admin = make.user()
    organization = make.organization(admin)
    seller = make.member(organization, role="seller")
    login(client, seller)
    url = f"/organizations/{organization.id}/members"
    page = client.get(url)
    assert page.status_code == 200 and "Invite a colleague" not in page.get_data(as_text=True)
    response = client.post(url, data={"email": "friend@example.coop", "role": "admin", "csrf_token": csrf_token(client, url)})
    assert response.status_code == 403


def test_a_member_of_two_organisations_switches_between_them(client, make):
    user = make.user()
    first = make.organization(user, name="First Fishers Co-op")
    second = make.organization(user, role="seller", name="Second Farmers Co-op")
    login(client, user)
    assert "First Fishers Co-op" in client.get("/dashboard").get_data(as_text=True).split("<h1")[1]
    token = csrf_token(client, "/dashboard")
    client.post("/switch-organization", data={"organization_id": second.id, "csrf_token": token})
    assert "Second Farmers Co-op" in client.get("/dashboard").get_data(as_text=True).split("<h1")[1]
    stranger_org = make.organization(make.user())
    refused = client.post("/switch-organization", data={"organization_id": stranger_org.id, "csrf_token": token})
    assert refused.status_code == 403
    assert f'value="{first.id}"' in client.get("/dashboard").get_data(as_text=True)


def test_tokens_page_shows_a_new_token_once(client, make, auth):
    user = make.user()
    login(client, user)
    page = client.post("/account/tokens", data={"name": "Accounting", "scope": "write", "expires_in_days": "30",
                                                "csrf_token": csrf_token(client, "/account/tokens")})
    secret = re.search(r'id="new-token">(cpx_[^<]+)<', page.get_data(as_text=True)).group(1)
    assert client.get("/api/v1/me", headers=auth(secret)).status_code == 200
    assert secret not in client.get("/account/tokens").get_data(as_text=True)


def test_invitation_form_validates_the_new_persons_name(app, client, make, outbox):
    admin = make.user()
    organization = make.organization(admin)
    login(client, admin)
    members_url = f"/organizations/{organization.id}/members"
    client.post(members_url, data={"email": "blank@example.coop", "role": "buyer", "csrf_token": csrf_token(client, members_url)})
    secret = re.search(r"/invitations/(\S+)", outbox[0].body).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    path = f"/invitations/{secret}"
    for name in ("   ", "n" * 121):
        response = client.post(path, data={"name": name, "password": "a-long-new-password-9", "csrf_token": csrf_token(client, path)})
        assert response.status_code == 422
    with app.app_context():
        from app.extensions import db

        assert db.session.scalar(select(func.count(User.id)).where(User.email == "blank@example.coop")) == 0


def test_an_existing_user_logs_in_to_accept(app, client, make, outbox):
    admin = make.user()
    organization = make.organization(admin)
    existing = make.user(email="already@example.coop")
    login(client, admin)
    members_url = f"/organizations/{organization.id}/members"
    client.post(members_url, data={"email": existing.email, "role": "finance", "csrf_token": csrf_token(client, members_url)})
    secret = re.search(r"/invitations/(\S+)", outbox[0].body).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    path = f"/invitations/{secret}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, existing)
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 302
    with app.app_context():
        from app.extensions import db

        roles = db.session.scalars(select(Membership.role).where(Membership.user_id == existing.id)).all()
        assert roles == ["finance"]


def test_expired_invitations_are_refused(app, client, make, outbox):
    import datetime as dt

    from app.accounts.models import Invitation

    admin = make.user()
    organization = make.organization(admin)
    login(client, admin)
    members_url = f"/organizations/{organization.id}/members"
    client.post(members_url, data={"email": "late@example.coop", "role": "buyer", "csrf_token": csrf_token(client, members_url)})
    secret = re.search(r"/invitations/(\S+)", outbox[0].body).group(1)
    with app.app_context():
        from app.extensions import db

        invitation = db.session.scalars(select(Invitation)).one()
        invitation.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        db.session.commit()
    assert client.get(f"/invitations/{secret}").status_code == 404


def test_no_mail_leaves_when_the_invitation_is_refused(client, make, outbox):
    admin = make.user()
    organization = make.organization(admin)
    member = make.member(organization, role="buyer")
    login(client, admin)
    members_url = f"/organizations/{organization.id}/members"
    response = client.post(members_url, data={"email": member.email, "role": "seller", "csrf_token": csrf_token(client, members_url)})
    assert response.status_code == 422
    assert outbox == []
