"""Moderation through the pages: the moderation desk, the profile's buttons and banner, log-in and sessions."""
import re

from tests.conftest import csrf_token, login
from tests.moderation.conftest import NOTHING, REASON, everything_of, found, public_answers


def _text(response):
    return response.get_data(as_text=True)


def _post_form(client, page, action, **fields):
    """Post the form of `page` whose action is `action`, as a browser would (with the page's CSRF token)."""
    return client.post(action, data={"csrf_token": csrf_token(client, page), **fields})


def test_a_moderator_finds_suspends_and_reinstates_an_organisation_from_the_desk(app, client, search, cooperative, moderator):
    login(client, moderator.user)
    desk = client.get("/admin/moderation", query_string={"q": "quarry hill"})
    assert desk.status_code == 200
    action = f"/admin/moderation/organizations/{cooperative.id}/suspend"
    assert f'action="{action}"' in _text(desk)

    response = _post_form(client, "/admin/moderation?q=quarry", action, reason=REASON, q="quarry")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/moderation?q=quarry")
    desk = client.get("/admin/moderation")
    assert "Quarry Hill Growers is suspended." in _text(desk)
    assert REASON in _text(desk)  # listed under "Suspended now", with the reinstate button
    assert f'action="/admin/moderation/organizations/{cooperative.id}/reinstate"' in _text(desk)
    anonymous = app.test_client()
    assert found(anonymous) == NOTHING
    assert set(public_answers(anonymous, cooperative).values()) == {404}

    response = _post_form(client, "/admin/moderation", f"/admin/moderation/organizations/{cooperative.id}/reinstate")

    assert response.status_code == 302
    assert "Nobody is suspended." in _text(client.get("/admin/moderation"))
    assert found(anonymous) == everything_of(cooperative)
    assert set(public_answers(anonymous, cooperative).values()) == {200}


def test_the_desk_finds_people_by_id_email_or_name_and_suspends_them(client, make, moderator):
    person = make.user(email="rogue.trader@example.coop", name="Rory Rogue")
    login(client, moderator.user)
    for query in (str(person.id), "ROGUE.TRADER@", "rory"):
        assert "rogue.trader@example.coop" in _text(client.get("/admin/moderation", query_string={"q": query}))
    own = _text(client.get("/admin/moderation", query_string={"q": "Mona"}))
    assert f"/admin/moderation/users/{moderator.user.id}/suspend" not in own  # no button to suspend oneself

    response = _post_form(client, "/admin/moderation", f"/admin/moderation/users/{person.id}/suspend", reason=REASON)

    assert response.status_code == 302
    assert "rogue.trader@example.coop is suspended." in _text(client.get("/admin/moderation"))


def test_a_bad_reason_on_the_desk_is_shown_on_the_field_and_changes_nothing(client, search, cooperative, moderator):
    login(client, moderator.user)
    action = f"/admin/moderation/organizations/{cooperative.id}/suspend"
    for reason in ("", "   ", "x" * 501):
        response = _post_form(client, "/admin/moderation", action, reason=reason, q="Quarry")
        assert response.status_code == 422
        assert re.search(r'class="invalid-feedback">Length must be between 1 and 500.<', _text(response))
    assert "Nobody is suspended." in _text(client.get("/admin/moderation"))
    assert found(client) == everything_of(cooperative)


def test_the_desk_and_its_forms_are_refused_to_everybody_but_platform_admins(client, make, cooperative):
    assert client.get("/admin/moderation").status_code == 302  # to the log-in page
    login(client, cooperative.admin)
    assert client.get("/admin/moderation").status_code == 403
    token = csrf_token(client, "/dashboard")
    for path in (f"/admin/moderation/organizations/{cooperative.id}/suspend",
                 f"/admin/moderation/users/{cooperative.seller.id}/suspend"):
        for reason in (REASON, ""):
            assert client.post(path, data={"csrf_token": token, "reason": reason}).status_code == 403
    assert client.post(f"/admin/moderation/users/{cooperative.seller.id}/reinstate",
                       data={"csrf_token": token}).status_code == 403
    assert "suspended" not in _text(client.get(f"/organizations/{cooperative.id}")).lower()


def test_the_profile_tells_the_public_it_is_suspended_and_its_admins_why(app, client, make, cooperative, moderator):
    login(client, moderator.user)
    profile = f"/organizations/{cooperative.id}"
    assert f'action="/admin/moderation/organizations/{cooperative.id}/suspend"' in _text(client.get(profile))
    response = _post_form(client, profile, f"/admin/moderation/organizations/{cooperative.id}/suspend",
                          reason=REASON, next=profile)
    assert response.headers["Location"].endswith(profile)
    assert f'action="/admin/moderation/organizations/{cooperative.id}/reinstate"' in _text(client.get(profile))

    public = _text(app.test_client().get(profile))
    assert "This organisation is suspended" in public
    assert REASON not in public
    seller = app.test_client()
    login(seller, cooperative.seller)
    assert "This organisation is suspended" in _text(seller.get("/dashboard"))
    assert REASON not in _text(seller.get("/dashboard"))
    admin = app.test_client()
    login(admin, cooperative.admin)
    for page in (profile, "/dashboard"):
        text = _text(admin.get(page))
        assert "This organisation is suspended" in text and REASON in text


def test_its_members_cannot_post_a_listing_from_the_pages_while_suspended(app, client, cooperative, moderator):
    assert client.post(f"/api/v1/organizations/{cooperative.id}/suspension", headers=moderator.h,
                       json={"reason": REASON}).status_code == 200
    login(client, cooperative.admin)  # an admin may do all: only the suspension stands in the way
    for page in ("/listings/new", "/tenders/new", "/campaigns/new", f"/listings/{cooperative.listing_id}/edit",
                 f"/organizations/{cooperative.id}/edit"):
        response = client.get(page)
        assert response.status_code == 403, page
        assert "Quarry Hill Growers is suspended" in _text(response), page
    assert client.post(f"/listings/{cooperative.listing_id}/status", data={
        "csrf_token": csrf_token(client, "/dashboard"), "status": "paused"}).status_code == 403


def test_a_suspended_user_cannot_log_in_and_is_told_only_to_contact_support(app, client, make, moderator):
    user = make.user(email="rogue@example.coop")
    assert client.post(f"/api/v1/users/{user.id}/suspension", headers=moderator.h,
                       json={"reason": REASON}).status_code == 200

    response = client.post("/login", data={"email": user.email, "password": user.password,
                                           "csrf_token": csrf_token(client, "/login")})

    assert response.status_code == 403
    assert "This account is suspended; contact support." in _text(response)
    assert REASON not in _text(response)
    assert client.get("/dashboard").status_code == 302  # not signed in
    wrong = client.post("/login", data={"email": user.email, "password": "not-the-password-at-all",
                                        "csrf_token": csrf_token(client, "/login")})
    assert wrong.status_code == 401 and "suspended" not in _text(wrong)

    assert client.delete(f"/api/v1/users/{user.id}/suspension", headers=moderator.h).status_code == 204
    login(client, user)
    assert client.get("/dashboard").status_code == 200


def test_a_suspended_users_open_session_ends_on_its_next_request(app, client, make, cooperative, moderator):
    login(client, cooperative.seller)
    assert client.get("/dashboard").status_code == 200

    moderator_client = app.test_client()
    login(moderator_client, moderator.user)
    _post_form(moderator_client, "/admin/moderation", f"/admin/moderation/users/{cooperative.seller.id}/suspend",
               reason=REASON)

    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/listings/new").status_code == 302
