"""Federation membership: a co-operative's admins declare the federation it belongs to, the federation's admins confirm
or decline, either side's admins end it; each step is in the audit trail of the side that took it; refusals change
nothing. Through the API and the pages."""
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.directory.models import FederationMembership
from app.extensions import db
from tests.conftest import csrf_token, login


def _audit(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def _rows(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(FederationMembership))


def test_declare_confirm_and_end(app, client, movement):
    declared = movement.declare(movement.h["coop"], movement.coop, movement.uk)
    assert (declared["status"], declared["member"]["id"], declared["federation"]["id"]) == (
        "declared", movement.coop.id, movement.uk.id)
    waiting = client.get(f"/api/v1/organizations/{movement.uk.id}/federation-members?status=declared",
                         headers=movement.h["uk"]).get_json()
    assert [row["id"] for row in waiting] == [declared["id"]]

    confirmed = movement.decide(movement.h["uk"], declared, "confirmed")
    assert confirmed["status"] == "confirmed" and confirmed["decided_at"] is not None
    assert "Co-operatives UK" in client.get(f"/organizations/{movement.coop.id}").get_data(as_text=True).split(
        'id="federations"', 1)[1].split("</p>", 1)[0]
    ended = client.post(f"/api/v1/federation-memberships/{declared['id']}/end", headers=movement.h["uk"]).get_json()
    assert (ended["status"], ended["ended_by"]) == ("ended", "federation")
    assert 'id="federations"' not in client.get(f"/organizations/{movement.coop.id}").get_data(as_text=True)
    mine = client.get(f"/api/v1/organizations/{movement.coop.id}/federations", headers=movement.h["coop"]).get_json()
    assert [row["status"] for row in mine] == ["ended"]

    audit = {action: _audit(app, f"federation_membership.{action}") for action in ("declared", "confirmed", "ended")}
    assert audit["declared"][0].organization_id == movement.coop.id
    assert audit["confirmed"][0].organization_id == movement.uk.id
    assert audit["ended"][0].organization_id == movement.uk.id
    assert audit["confirmed"][0].details == {"member_id": movement.coop.id}


def test_a_declined_member_may_declare_again_and_the_member_may_withdraw(app, client, movement):
    first = movement.declare(movement.h["coop"], movement.coop, movement.uk)
    movement.decide(movement.h["uk"], first, "declined")
    assert _audit(app, "federation_membership.declined")[0].organization_id == movement.uk.id
    again = movement.declare(movement.h["coop"], movement.coop, movement.uk)
    withdrawn = client.post(f"/api/v1/federation-memberships/{again['id']}/end", headers=movement.h["coop"]).get_json()
    assert (withdrawn["status"], withdrawn["ended_by"]) == ("ended", "member")
    assert movement.decide(movement.h["uk"], again, "confirmed", status=409)
    assert client.post(f"/api/v1/federation-memberships/{again['id']}/end", headers=movement.h["coop"]).status_code == 409


@pytest.mark.parametrize("case, status, field", [
    ("a seller may not declare", 403, None),
    ("not a federation", 422, "federation_id"),
    ("an unverified federation", 422, "federation_id"),
    ("a suspended federation", 422, "federation_id"),
    ("no such organisation", 422, "federation_id"),
    ("itself", 422, "federation_id"),
    ("twice", 409, "federation_id"),
    ("not a co-operative", 409, None),
])
def test_declarations_refused(app, client, make, auth, movement, case, status, field):
    member, headers, federation_id = movement.coop, movement.h["coop"], movement.uk.id
    if case == "a seller may not declare":
        headers = auth(make.token(make.member(movement.coop, role="seller")))
    elif case == "not a federation":
        federation_id = movement.credit_cooperatif.id
    elif case == "an unverified federation":
        federation_id = movement.unverified.id
    elif case == "a suspended federation":
        federation_id = movement.suspended.id
    elif case == "no such organisation":
        federation_id = 999_999
    elif case == "itself":
        member, headers, federation_id = movement.uk, movement.h["uk"], movement.uk.id
    elif case == "twice":
        movement.declare(headers, member, movement.uk)
    elif case == "not a co-operative":
        admin = make.user()
        member, headers = make.organization(admin, legal_form="sme"), auth(make.token(admin))
    before = _rows(app)
    answer = client.post(f"/api/v1/organizations/{member.id}/federations", json={"federation_id": federation_id},
                         headers=headers)
    assert answer.status_code == status, answer.get_json()
    if field:
        assert field in answer.get_json()["error"]["fields"]
    assert _rows(app) == before


def test_only_the_federations_admins_decide_and_strangers_see_nothing(app, client, make, auth, movement):
    declared = movement.declare(movement.h["coop"], movement.coop, movement.uk)
    assert movement.decide(movement.h["coop"], declared, "confirmed", status=403)
    assert movement.decide(auth(make.token(make.member(movement.uk, role="buyer"))), declared, "confirmed", status=403)
    assert movement.decide(movement.h["scop"], declared, "confirmed", status=404)
    assert movement.decide(movement.h["uk"], declared, "accepted", status=422)
    stranger = auth(make.token(make.user()))
    assert client.post(f"/api/v1/federation-memberships/{declared['id']}/end", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/organizations/{movement.uk.id}/federation-members", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/organizations/{movement.coop.id}/federations", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/organizations/{movement.uk.id}/federation-members?status=maybe",
                      headers=movement.h["uk"]).status_code == 422
    with app.app_context():
        assert db.session.get(FederationMembership, declared["id"]).status == "declared"


def test_the_pages_declare_confirm_and_end(app, client, make, movement):
    page = f"/organizations/{movement.coop.id}/federations"
    login(client, movement.coop_admin)
    html = client.get(page).get_data(as_text=True)
    assert "Co-operatives UK (GB)" in html and "Crédit Coopératif" not in html.split('id="federation_id"', 1)[1]
    refused = client.post(page, data={"csrf_token": csrf_token(client, page), "federation_id": ""})
    assert refused.status_code == 422 and 'id="federation_id-error"' in refused.get_data(as_text=True)
    declared = client.post(page, data={"csrf_token": csrf_token(client, page), "federation_id": str(movement.uk.id)})
    assert declared.status_code == 302
    twice = client.post(page, data={"csrf_token": csrf_token(client, page), "federation_id": str(movement.uk.id)})
    assert twice.status_code == 409 and "already declared" in twice.get_data(as_text=True)

    federation_client = app.test_client()
    login(federation_client, movement.uk_admin)
    federation_page = f"/organizations/{movement.uk.id}/federations"
    html = federation_client.get(federation_page).get_data(as_text=True)
    assert "Valley Growers Cooperative" in html and "Confirm" in html and "Report of the members" in html
    with app.app_context():
        membership_id = db.session.scalar(select(FederationMembership.id))
    confirmed = federation_client.post(f"/federation-memberships/{membership_id}/decision", data={
        "csrf_token": csrf_token(federation_client, federation_page), "decision": "confirmed",
        "organization_id": movement.uk.id})
    assert confirmed.status_code == 302 and confirmed.location.endswith(federation_page)
    assert "confirmed" in federation_client.get(federation_page).get_data(as_text=True)
    ended = client.post(f"/federation-memberships/{membership_id}/end", data={
        "csrf_token": csrf_token(client, page), "organization_id": movement.coop.id})
    assert ended.status_code == 302 and ended.location.endswith(page)
    with app.app_context():
        assert db.session.get(FederationMembership, membership_id).status == "ended"
    assert app.test_client().get(page).status_code == 302  # to the log-in page
    outsider = app.test_client()
    login(outsider, make.user())
    assert outsider.get(page).status_code == 404
