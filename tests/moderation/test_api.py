"""Suspending and reinstating through the API: what the public, the members and the moderators then see."""
import re

import pytest

from tests.catalog.test_api import VALID
from tests.conftest import PASSWORD
from tests.moderation.conftest import NOTHING, REASON, everything_of, found, public_answers


def listing_payload(organization_id):
    return {**VALID, "organization_id": organization_id}


def suspend(client, organization_id, headers, reason=REASON):
    return client.post(f"/api/v1/organizations/{organization_id}/suspension", headers=headers, json={"reason": reason})


def test_a_suspended_organisation_leaves_pages_and_search_at_once_and_comes_back_when_reinstated(
        client, search, cooperative, moderator):
    assert found(client) == everything_of(cooperative)
    assert set(public_answers(client, cooperative).values()) == {200}

    response = suspend(client, cooperative.id, moderator.h)

    assert response.status_code == 200, response.get_json()
    state = response.get_json()
    assert state["organization_id"] == cooperative.id and state["suspended"] is True
    assert state["reason"] == REASON and state["suspended_by"]["id"] == moderator.user.id
    assert state["suspended_at"]
    assert found(client) == NOTHING
    assert set(public_answers(client, cooperative).values()) == {404}
    assert client.get(f"/api/v1/organizations/{cooperative.id}").get_json()["suspended"] is True

    assert client.delete(f"/api/v1/organizations/{cooperative.id}/suspension", headers=moderator.h).status_code == 204
    assert found(client) == everything_of(cooperative)
    assert set(public_answers(client, cooperative).values()) == {200}
    assert client.get(f"/api/v1/organizations/{cooperative.id}").get_json()["suspended"] is False


def test_the_suspension_queues_the_organisations_documents_in_its_own_transaction(client, search, cooperative, moderator):
    search.sync()
    search.app.config["SEARCH_SYNC_ON_COMMIT"] = False  # look at the outbox the request left, before the worker drains it
    assert suspend(client, cooperative.id, moderator.h).status_code == 200
    queued = {kind: sorted(row.doc_id for row in search.outbox(kind)) for kind in ("listings", "tenders", "campaigns")}
    assert queued == everything_of(cooperative)
    assert [row.doc_id for row in search.outbox("organizations")] == [cooperative.id]


def test_its_members_cannot_act_for_it_while_suspended(client, search, cooperative, moderator):
    assert suspend(client, cooperative.id, moderator.h).status_code == 200

    for headers in (cooperative.h, cooperative.seller_h):
        response = client.post("/api/v1/listings", headers=headers, json=listing_payload(cooperative.id))
        assert response.status_code == 403
        error = response.get_json()["error"]
        assert error["code"] == "organization_suspended"
        assert "Quarry Hill Growers is suspended" in error["message"]
    response = client.patch(f"/api/v1/tenders/{cooperative.tender_id}", headers=cooperative.h, json={"title": "Renamed"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "organization_suspended"
    # its own members still read what it has, through the API
    assert client.get(f"/api/v1/listings/{cooperative.listing_id}", headers=cooperative.h).status_code == 200

    assert client.delete(f"/api/v1/organizations/{cooperative.id}/suspension", headers=moderator.h).status_code == 204
    assert client.post("/api/v1/listings", headers=cooperative.seller_h,
                       json=listing_payload(cooperative.id)).status_code == 201


@pytest.mark.parametrize("who", ["admin_member", "seller_member", "other_organisation_admin"])
def test_only_platform_admins_suspend_or_reinstate(client, make, auth, cooperative, who):
    headers = make.headers_of(who, cooperative, auth)
    target = make.user()
    for response in (
        suspend(client, cooperative.id, headers),
        client.delete(f"/api/v1/organizations/{cooperative.id}/suspension", headers=headers),
        client.post(f"/api/v1/users/{target.id}/suspension", headers=headers, json={"reason": REASON}),
        client.delete(f"/api/v1/users/{target.id}/suspension", headers=headers),
        client.post("/api/v1/users/999999/suspension", headers=headers, json={"reason": REASON}),
    ):
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["error"]["code"] == "forbidden"
    assert suspend(client, cooperative.id, {}).status_code == 401
    assert client.get(f"/api/v1/organizations/{cooperative.id}").get_json()["suspended"] is False
    assert client.get(f"/api/v1/listings/{cooperative.listing_id}").status_code == 200
    assert client.get("/api/v1/me", headers=auth(make.token(target))).status_code == 200


@pytest.mark.parametrize("body, message", [
    ({}, "Missing data for required field."),
    ({"reason": ""}, "Length must be between 1 and 500."),
    ({"reason": "   "}, "Length must be between 1 and 500."),
    ({"reason": "x" * 501}, "Length must be between 1 and 500."),
    ({"reason": 42}, "Not a valid string."),
])
def test_a_bad_reason_is_a_field_error_and_changes_nothing(client, make, auth, cooperative, moderator, body, message):
    target = make.user()
    for path in (f"/api/v1/organizations/{cooperative.id}/suspension", f"/api/v1/users/{target.id}/suspension"):
        response = client.post(path, headers=moderator.h, json=body)
        assert response.status_code == 422, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed"
        assert error["fields"]["reason"] == [message]
    assert client.get(f"/api/v1/organizations/{cooperative.id}").get_json()["suspended"] is False
    assert client.get(f"/api/v1/listings/{cooperative.listing_id}").status_code == 200
    assert client.get("/api/v1/me", headers=auth(make.token(target))).status_code == 200


def test_a_reason_of_500_characters_is_kept_whole_and_trimmed(client, cooperative, moderator):
    reason = "y" * 500
    response = suspend(client, cooperative.id, moderator.h, reason=f"  {reason}\n")
    assert response.status_code == 200
    assert response.get_json()["reason"] == reason


def test_suspending_twice_or_reinstating_what_is_not_suspended_is_a_conflict(client, cooperative, moderator):
    assert client.delete(f"/api/v1/organizations/{cooperative.id}/suspension", headers=moderator.h).status_code == 409
    assert suspend(client, cooperative.id, moderator.h).status_code == 200
    again = suspend(client, cooperative.id, moderator.h, reason="Another reason")
    assert again.status_code == 409
    assert client.get(f"/api/v1/organizations/{cooperative.id}").get_json()["suspended"] is True
    assert client.post("/api/v1/organizations/999999/suspension", headers=moderator.h,
                       json={"reason": REASON}).status_code == 404


def test_a_suspended_users_tokens_are_refused_until_reinstated(client, make, auth, moderator):
    user = make.user(email="rogue@example.coop")
    headers = auth(make.token(user))
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    response = client.post(f"/api/v1/users/{user.id}/suspension", headers=moderator.h, json={"reason": REASON})

    assert response.status_code == 200, response.get_json()
    state = response.get_json()
    assert (state["user_id"], state["email"], state["suspended"], state["reason"]) == (user.id, user.email, True, REASON)
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "account_suspended"
    assert REASON not in refused.get_data(as_text=True)
    new_token = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert new_token.status_code == 403
    assert new_token.get_json()["error"]["code"] == "account_suspended"
    wrong_password = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "not-the-password-at-all"})
    assert wrong_password.status_code == 401  # a stranger without the password learns nothing of the suspension

    assert client.delete(f"/api/v1/users/{user.id}/suspension", headers=moderator.h).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/users/{user.id}/suspension", headers=moderator.h).status_code == 409


def test_a_platform_admin_cannot_suspend_themself(client, moderator):
    response = client.post(f"/api/v1/users/{moderator.user.id}/suspension", headers=moderator.h, json={"reason": REASON})
    assert response.status_code == 403
    assert client.get("/api/v1/me", headers=moderator.h).status_code == 200


def test_the_openapi_spec_describes_the_suspension_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/organizations/{organization_id}/suspension", "/api/v1/users/{user_id}/suspension"):
        assert set(spec["paths"][path]) >= {"post", "delete"}
    reason = spec["components"]["schemas"]["SuspensionCreate"]["properties"]["reason"]
    # 1 to 500 characters once trimmed, as the pattern says.
    assert [bool(re.search(reason["pattern"], text)) for text in ("x", "x" * 500, " x" * 250, "x" * 501, "   ")] == [
        True, True, True, False, False]
    assert spec["components"]["schemas"]["SuspensionCreate"]["required"] == ["reason"]
