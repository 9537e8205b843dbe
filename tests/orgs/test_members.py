"""An organisation's people: roles, removal, leaving, invitations (API and pages), and the last-admin rule."""
import re

import pytest
from sqlalchemy import select

from app.accounts.models import Invitation, Membership
from tests.conftest import csrf_token, login


def roles_of(app, organization):
    """{user id: role} of the organisation's members, as the database holds them."""
    from app.extensions import db

    with app.app_context():
        rows = db.session.execute(select(Membership.user_id, Membership.role)
                                  .where(Membership.organization_id == organization.id))
        return dict(rows.all())


def invite(client, make, auth, organization, admin, email="new.colleague@example.coop", role="seller"):
    response = client.post(f"/api/v1/organizations/{organization.id}/invitations", headers=auth(make.token(admin)),
                           json={"email": email, "role": role})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def team(make):
    """An organisation with an admin, a seller and a buyer."""
    admin = make.user(name="Ada Admin")
    organization = make.organization(admin)
    organization.admin = admin
    organization.seller = make.member(organization, role="seller")
    organization.buyer = make.member(organization, role="buyer")
    return organization


# Reading -------------------------------------------------------------------------------------------------------------


def test_members_read_the_member_list(client, make, auth, team):
    response = client.get(f"/api/v1/organizations/{team.id}/members", headers=auth(make.token(team.seller)))
    assert response.status_code == 200
    listed = {member["user_id"]: member["role"] for member in response.get_json()}
    assert listed == {team.admin.id: "admin", team.seller.id: "seller", team.buyer.id: "buyer"}
    assert {"name", "email", "joined_at"} <= set(response.get_json()[0])


def test_outsiders_cannot_read_the_member_list(client, make, auth, team):
    url = f"/api/v1/organizations/{team.id}/members"
    assert client.get(url, headers=make.headers_of("other_organisation_admin", team, auth)).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get("/api/v1/organizations/999999/members", headers=auth(make.token(team.admin))).status_code == 404


# Roles ---------------------------------------------------------------------------------------------------------------


def test_an_admin_changes_a_members_role(app, client, make, auth, team):
    response = client.patch(f"/api/v1/organizations/{team.id}/members/{team.seller.id}",
                            headers=auth(make.token(team.admin)), json={"role": "finance"})
    assert response.status_code == 200
    assert response.get_json()["role"] == "finance"
    assert roles_of(app, team)[team.seller.id] == "finance"


@pytest.mark.parametrize("who", ["seller_member", "buyer_member", "finance_member", "other_organisation_admin", "anonymous"])
def test_only_admins_change_roles(app, client, make, auth, team, who):
    before = roles_of(app, team)
    response = client.patch(f"/api/v1/organizations/{team.id}/members/{team.seller.id}",
                            headers=make.headers_of(who, team, auth), json={"role": "admin"})
    assert response.status_code == (401 if who == "anonymous" else 403)
    assert roles_of(app, team)[team.seller.id] == before[team.seller.id]


@pytest.mark.parametrize("payload", [{"role": "owner"}, {"role": ""}, {}, {"role": 3}, {"role": "buyer", "extra": 1}])
def test_a_bad_role_is_refused_field_by_field(app, client, make, auth, team, payload):
    before = roles_of(app, team)
    response = client.patch(f"/api/v1/organizations/{team.id}/members/{team.seller.id}",
                            headers=auth(make.token(team.admin)), json=payload)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert ("extra" if "extra" in payload else "role") in fields
    assert roles_of(app, team) == before


def test_the_last_admin_cannot_be_demoted(app, client, make, auth, team):
    url = f"/api/v1/organizations/{team.id}/members/{team.admin.id}"
    response = client.patch(url, headers=auth(make.token(team.admin)), json={"role": "buyer"})
    assert response.status_code == 409
    assert "last admin" in response.get_json()["error"]["message"]
    assert roles_of(app, team)[team.admin.id] == "admin"
    # With a second admin, the first may step down; then the second is the last one.
    second = make.member(team, role="admin")
    assert client.patch(url, headers=auth(make.token(team.admin)), json={"role": "buyer"}).status_code == 200
    assert client.patch(f"/api/v1/organizations/{team.id}/members/{second.id}", headers=auth(make.token(second)),
                        json={"role": "seller"}).status_code == 409
    assert roles_of(app, team)[second.id] == "admin"


def test_changing_the_role_of_a_non_member_is_not_found(client, make, auth, team):
    stranger = make.user()
    response = client.patch(f"/api/v1/organizations/{team.id}/members/{stranger.id}",
                            headers=auth(make.token(team.admin)), json={"role": "buyer"})
    assert response.status_code == 404


# Removing and leaving ------------------------------------------------------------------------------------------------


def test_an_admin_removes_a_member_who_then_loses_access(app, client, make, auth, team):
    seller_token = make.token(team.seller)
    response = client.delete(f"/api/v1/organizations/{team.id}/members/{team.seller.id}", headers=auth(make.token(team.admin)))
    assert response.status_code == 204
    assert team.seller.id not in roles_of(app, team)
    assert client.get(f"/api/v1/organizations/{team.id}/members", headers=auth(seller_token)).status_code == 403


def test_a_member_leaves(app, client, make, auth, team):
    response = client.delete(f"/api/v1/organizations/{team.id}/members/{team.buyer.id}", headers=auth(make.token(team.buyer)))
    assert response.status_code == 204
    assert team.buyer.id not in roles_of(app, team)


def test_non_admins_cannot_remove_others(app, client, make, auth, team):
    before = roles_of(app, team)
    for who in ("seller_member", "other_organisation_admin"):
        response = client.delete(f"/api/v1/organizations/{team.id}/members/{team.buyer.id}",
                                 headers=make.headers_of(who, team, auth))
        assert response.status_code == 403
    assert client.delete(f"/api/v1/organizations/{team.id}/members/{team.buyer.id}").status_code == 401
    assert set(roles_of(app, team)) >= set(before)
    assert roles_of(app, team)[team.buyer.id] == "buyer"


def test_the_last_admin_can_neither_leave_nor_be_removed(app, client, make, auth, team):
    url = f"/api/v1/organizations/{team.id}/members/{team.admin.id}"
    assert client.delete(url, headers=auth(make.token(team.admin))).status_code == 409
    assert client.delete(url, headers=auth(make.token(team.seller))).status_code == 403
    assert roles_of(app, team)[team.admin.id] == "admin"
    second = make.member(team, role="admin")
    assert client.delete(url, headers=auth(make.token(second))).status_code == 204
    assert client.delete(f"/api/v1/organizations/{team.id}/members/{second.id}",
                         headers=auth(make.token(second))).status_code == 409


# Invitations ---------------------------------------------------------------------------------------------------------


def test_admins_list_and_revoke_invitations_and_a_revoked_one_cannot_be_accepted(app, client, make, auth, team, outbox):
    invitation = invite(client, make, auth, team, team.admin)
    secret = re.search(r"/invitations/(\S+)", outbox[-1].body).group(1)
    headers = auth(make.token(team.admin))
    listed = client.get(f"/api/v1/organizations/{team.id}/invitations", headers=headers).get_json()
    assert [(i["id"], i["email"], i["role"]) for i in listed] == [(invitation["id"], "new.colleague@example.coop", "seller")]

    url = f"/api/v1/organizations/{team.id}/invitations/{invitation['id']}"
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(f"/api/v1/organizations/{team.id}/invitations", headers=headers).get_json() == []
    assert client.delete(url, headers=headers).status_code == 409
    assert client.get(f"/invitations/{secret}").status_code == 404
    response = client.post(f"/invitations/{secret}", data={"name": "New Person", "password": "a-long-enough-passphrase-42",
                                                           "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 404
    assert len(roles_of(app, team)) == 3


def test_only_admins_read_and_revoke_invitations(app, client, make, auth, team):
    invitation = invite(client, make, auth, team, team.admin)
    for who in ("seller_member", "other_organisation_admin"):
        headers = make.headers_of(who, team, auth)
        assert client.get(f"/api/v1/organizations/{team.id}/invitations", headers=headers).status_code == 403
        assert client.delete(f"/api/v1/organizations/{team.id}/invitations/{invitation['id']}",
                             headers=headers).status_code == 403
    # An admin of another organisation cannot reach it through their own organisation either.
    other_admin = make.user()
    other = make.organization(other_admin)
    assert client.delete(f"/api/v1/organizations/{other.id}/invitations/{invitation['id']}",
                         headers=auth(make.token(other_admin))).status_code == 404
    from app.extensions import db

    with app.app_context():
        assert db.session.get(Invitation, invitation["id"]).revoked_at is None


def test_non_admins_cannot_invite(client, make, auth, team):
    response = client.post(f"/api/v1/organizations/{team.id}/invitations", headers=auth(make.token(team.seller)),
                           json={"email": "friend@example.coop", "role": "admin"})
    assert response.status_code == 403


# Pages ---------------------------------------------------------------------------------------------------------------


def test_an_admin_manages_members_through_the_page(app, client, make, team, outbox):
    login(client, team.admin)
    url = f"/organizations/{team.id}/members"
    page = client.get(url).get_data(as_text=True)
    assert "Change role" in page and "Remove" in page and "Leave the organisation" in page
    response = client.post(f"{url}/{team.seller.id}/role", data={"role": "finance", "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert roles_of(app, team)[team.seller.id] == "finance"
    response = client.post(f"{url}/{team.buyer.id}/remove", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert team.buyer.id not in roles_of(app, team)

    client.post(url, data={"email": "later@example.coop", "role": "buyer", "csrf_token": csrf_token(client, url)})
    assert "later@example.coop" in client.get(url).get_data(as_text=True)
    from app.extensions import db

    with app.app_context():
        invitation_id = db.session.scalars(select(Invitation.id).where(Invitation.organization_id == team.id)).one()
    response = client.post(f"/organizations/{team.id}/invitations/{invitation_id}/revoke",
                           data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert "No pending invitations." in client.get(url).get_data(as_text=True)


def test_the_page_refuses_a_bad_role_and_the_last_admin_stepping_down(app, client, make, team):
    login(client, team.admin)
    url = f"/organizations/{team.id}/members"
    before = roles_of(app, team)
    response = client.post(f"{url}/{team.seller.id}/role", data={"role": "owner", "csrf_token": csrf_token(client, url)})
    assert response.status_code == 422 and "Must be one of" in response.get_data(as_text=True)
    response = client.post(f"{url}/{team.admin.id}/role", data={"role": "buyer", "csrf_token": csrf_token(client, url)})
    assert response.status_code == 409 and "last admin" in response.get_data(as_text=True)
    response = client.post(f"{url}/{team.admin.id}/remove", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 409
    assert roles_of(app, team) == before


def test_a_member_sees_the_list_and_leaves_through_the_page(app, client, make, team):
    login(client, team.seller)
    url = f"/organizations/{team.id}/members"
    page = client.get(url).get_data(as_text=True)
    assert "Leave the organisation" in page and "Change role" not in page and "Revoke" not in page
    token = csrf_token(client, url)
    client.post("/switch-organization", data={"organization_id": team.id, "csrf_token": token})
    assert client.post(f"{url}/{team.buyer.id}/remove", data={"csrf_token": token}).status_code == 403
    response = client.post(f"{url}/{team.seller.id}/remove", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    with client.session_transaction() as session:
        assert "organization_id" not in session
    assert team.seller.id not in roles_of(app, team)
    assert client.get(url).status_code == 403
    assert client.get("/dashboard").status_code == 200
