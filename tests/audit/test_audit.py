"""The audit trail: what is recorded, who may read it, its pages of entries, and that nothing can change it."""
import pytest
from sqlalchemy import text

from tests.audit import trail
from tests.conftest import _wipe_append_only, csrf_token, login


@pytest.fixture
def team(make):
    admin = make.user(name="Ada Admin")
    organization = make.organization(admin)
    organization.admin = admin
    organization.seller = make.member(organization, role="seller")
    organization.buyer = make.member(organization, role="buyer")
    return organization


def add_entries(app, organization_id, count, action="test.entry"):
    """`count` entries for the organisation, committed, their ids in order."""
    from app.audit.services import record
    from app.extensions import db

    with app.app_context():
        ids = [record(action, organization=organization_id, subject=f"thing:{n}").id for n in range(count)]
        db.session.commit()
        return ids


def test_member_changes_are_recorded_with_who_what_and_where(app, client, make, auth, team, outbox):
    headers = auth(make.token(team.admin))
    base = f"/api/v1/organizations/{team.id}"
    client.patch(f"{base}/members/{team.seller.id}", headers=headers, json={"role": "finance"})
    client.delete(f"{base}/members/{team.buyer.id}", headers=headers)
    invitation = client.post(f"{base}/invitations", headers=headers, json={"email": "x@example.coop", "role": "buyer"}).get_json()
    client.delete(f"{base}/invitations/{invitation['id']}", headers=headers)
    client.delete(f"{base}/members/{team.seller.id}", headers=auth(make.token(team.seller)))

    assert trail(app, team.id) == [
        ("member.role_changed", team.admin.email, f"user:{team.seller.id}",
         {"email": team.seller.email, "from": "seller", "to": "finance"}, "127.0.0.1"),
        ("member.removed", team.admin.email, f"user:{team.buyer.id}", {"email": team.buyer.email, "role": "buyer"}, "127.0.0.1"),
        ("invitation.sent", team.admin.email, f"invitation:{invitation['id']}", {"email": "x@example.coop", "role": "buyer"},
         "127.0.0.1"),
        ("invitation.revoked", team.admin.email, f"invitation:{invitation['id']}",
         {"email": "x@example.coop", "role": "buyer"}, "127.0.0.1"),
        ("member.left", team.seller.email, f"user:{team.seller.id}", {"email": team.seller.email, "role": "finance"},
         "127.0.0.1"),
    ]
    body = client.get(f"{base}/audit", headers=headers).get_json()
    assert [item["action"] for item in body["items"]] == [
        "member.left", "invitation.revoked", "invitation.sent", "member.removed", "member.role_changed"]
    assert body["items"][0]["organization_id"] == team.id and body["items"][0]["actor_email"] == team.seller.email
    assert body["items"][0]["actor_user_id"] == team.seller.id and body["next"] is None


def test_refused_changes_leave_no_entry(app, client, make, auth, team):
    headers = auth(make.token(team.admin))
    assert client.patch(f"/api/v1/organizations/{team.id}/members/{team.admin.id}", headers=headers,
                        json={"role": "buyer"}).status_code == 409
    assert client.patch(f"/api/v1/organizations/{team.id}/members/{team.seller.id}", headers=headers,
                        json={"role": "owner"}).status_code == 422
    assert client.delete(f"/api/v1/organizations/{team.id}/members/{team.buyer.id}",
                         headers=auth(make.token(team.seller))).status_code == 403
    assert trail(app, organization_id=team.id) == []


def test_a_verification_decision_is_recorded_for_the_organisation_decided_on(app, client, make, auth):
    admin = make.user()
    organization = make.organization(admin)
    client.post(f"/api/v1/organizations/{organization.id}/verification-requests", headers=auth(make.token(admin)))
    platform_admin = make.user(platform_admin=True)
    client.post(f"/api/v1/organizations/{organization.id}/verification", headers=auth(make.token(platform_admin)),
                json={"decision": "verified", "note": "Registered society."})
    assert trail(app, organization.id) == [("verification.decided", platform_admin.email, f"organization:{organization.id}",
                                            {"decision": "verified", "acting_for": None}, "127.0.0.1")]


# Who may read -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who, status", [("seller_member", 403), ("finance_member", 403), ("other_organisation_admin", 403),
                                          ("anonymous", 401)])
def test_only_the_organisations_admins_read_its_trail(app, client, make, auth, team, who, status):
    add_entries(app, team.id, 1)
    response = client.get(f"/api/v1/organizations/{team.id}/audit", headers=make.headers_of(who, team, auth))
    assert response.status_code == status
    assert response.get_json()["error"]["code"] in ("forbidden", "unauthorized")


def test_an_admin_sees_only_their_organisations_entries(app, client, make, auth, team):
    other_admin = make.user()
    other = make.organization(other_admin)
    add_entries(app, other.id, 2)
    add_entries(app, team.id, 1)
    items = client.get(f"/api/v1/organizations/{team.id}/audit", headers=auth(make.token(team.admin))).get_json()["items"]
    assert [item["organization_id"] for item in items] == [team.id]
    assert client.get("/api/v1/audit", headers=auth(make.token(team.admin))).status_code == 403
    assert client.get("/api/v1/organizations/999999/audit", headers=auth(make.token(team.admin))).status_code == 404


def test_a_platform_admin_reads_every_trail(app, client, make, auth, team):
    other = make.organization(make.user())
    add_entries(app, team.id, 2)
    add_entries(app, other.id, 1)
    headers = auth(make.token(make.user(platform_admin=True)))
    everything = client.get("/api/v1/audit", headers=headers).get_json()["items"]
    # Newest first: the admin's own token creation (an account action, of no organisation), then the three entries.
    assert [item["organization_id"] for item in everything] == [None, other.id, team.id, team.id]
    assert everything[0]["action"] == "token.created"
    only = client.get(f"/api/v1/audit?organization_id={team.id}", headers=headers).get_json()["items"]
    assert [item["organization_id"] for item in only] == [team.id, team.id]
    assert client.get(f"/api/v1/organizations/{other.id}/audit", headers=headers).status_code == 200


# Pages of entries ---------------------------------------------------------------------------------------------------


def test_pages_are_newest_first_and_follow_the_cursor_to_the_end(app, client, make, auth, team):
    ids = add_entries(app, team.id, 5)
    headers = auth(make.token(team.admin))
    seen, after = [], None
    while True:
        url = f"/api/v1/organizations/{team.id}/audit?limit=2" + (f"&after={after}" if after else "")
        body = client.get(url, headers=headers).get_json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        after = body["next"]
        if after is None:
            break
        assert after == seen[-1]
    assert seen == list(reversed(ids))
    assert client.get(f"/api/v1/organizations/{team.id}/audit?limit=5", headers=headers).get_json()["next"] is None


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"),
                                          ("after=0", "after"), ("after=abc", "after"), ("organization_id=x", "organization_id")])
def test_bad_paging_is_refused_field_by_field(client, make, auth, team, query, field):
    headers = auth(make.token(make.user(platform_admin=True)))
    response = client.get(f"/api/v1/audit?{query}", headers=headers)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    if field != "organization_id":
        response = client.get(f"/api/v1/organizations/{team.id}/audit?{query}", headers=headers)
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_the_pages_show_the_trail_to_those_who_may_read_it(app, client, make, team):
    add_entries(app, team.id, 3, action="member.role_changed")
    login(client, team.admin)
    page = client.get(f"/organizations/{team.id}/audit?limit=2")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("member.role_changed") == 2 and "Older entries" in html
    assert client.get("/admin/audit").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})

    login(client, team.seller)
    assert client.get(f"/organizations/{team.id}/audit").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})

    login(client, make.user(platform_admin=True))
    assert client.get("/admin/audit").get_data(as_text=True).count("member.role_changed") == 3
    assert client.get(f"/admin/audit?organization_id={team.id + 1000}").get_data(as_text=True).count("member.role_changed") == 0
    assert client.get("/admin/audit?limit=999").status_code == 422


# Nothing changes an entry -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_no_endpoint_edits_or_deletes_entries(app, client, make, auth, team, method):
    [entry_id] = add_entries(app, team.id, 1)
    platform_admin = auth(make.token(make.user(platform_admin=True)))
    for url in (f"/api/v1/organizations/{team.id}/audit", "/api/v1/audit"):
        response = getattr(client, method)(url, headers=platform_admin, json={"action": "nothing.happened"})
        assert response.status_code == 405
        assert response.get_json()["error"]["code"] == "method_not_allowed"
        assert "GET" in response.headers["Allow"]
    assert getattr(client, method)(f"/api/v1/audit/{entry_id}", headers=platform_admin).status_code in (404, 405)
    assert trail(app, team.id) == [("test.entry", None, "thing:0", {}, None)]


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET action = 'nothing.happened'",
    "UPDATE audit_entries SET organization_id = NULL",
    "DELETE FROM audit_entries",
])
def test_the_database_refuses_to_update_or_delete_entries(app, db, team, statement):
    add_entries(app, team.id, 1)
    with app.app_context(), pytest.raises(Exception, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement))
    assert trail(app, team.id) == [("test.entry", None, "thing:0", {}, None)]


def test_postgresql_refuses_to_truncate_entries(app, db, team):
    add_entries(app, team.id, 1)
    with app.app_context():
        if db.session.connection().dialect.name == "postgresql":
            with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
                db.session.execute(text("TRUNCATE audit_entries"))
    assert len(trail(app, team.id)) == 1


def test_the_test_cleanup_lifts_the_guard_only_inside_its_own_transaction(app, db, team):
    from app.audit.models import AuditEntry

    add_entries(app, team.id, 2)
    with app.app_context():
        _wipe_append_only(db.session.connection(), AuditEntry.__table__)
        db.session.commit()
    assert trail(app, team.id) == []
    add_entries(app, team.id, 1)
    with app.app_context(), pytest.raises(Exception, match="append-only"), db.session.begin_nested():
        db.session.execute(text("DELETE FROM audit_entries"))
    assert len(trail(app, team.id)) == 1


def test_entries_committed_for_real_are_wiped_by_the_committed_app_fixture(committed_app):
    """committed_app's teardown deletes every row, audit entries included (it fails the test if the guard stops it)."""
    from app.audit.services import record
    from app.extensions import db

    with committed_app.app_context():
        record("test.committed", subject="thing:1")
        db.session.commit()
        assert db.session.scalar(text("SELECT count(*) FROM audit_entries WHERE action = 'test.committed'")) == 1
