"""Registration, tokens and the caller, through the JSON API."""
import pytest
from sqlalchemy import func, select

from app.accounts.models import ApiToken, User
from app.orgs.models import Organization

ORG = {"name": "Suma Wholefoods", "legal_form": "cooperative", "size": "medium", "country": "GB", "sector": "consumer"}


def register_payload(**changes):
    payload = {"email": "ana@suma.coop", "password": "wholefoods-since-1977", "name": "Ana", "organization": dict(ORG)}
    payload.update(changes)
    return payload


def counts(app):
    from app.extensions import db

    with app.app_context():
        return (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Organization.id))))


def test_register_creates_a_person_and_an_organisation_they_administer(client, auth):
    response = client.post("/api/v1/auth/register", json=register_payload())
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["email"] == "ana@suma.coop"
    assert body["organization"]["is_cooperative"] is True
    assert body["organization"]["verified"] is False
    assert body["organization"]["region"] == "Europe"

    token = client.post("/api/v1/auth/tokens", json={"email": "ANA@suma.coop", "password": "wholefoods-since-1977"})
    assert token.status_code == 201
    me = client.get("/api/v1/me", headers=auth(token.get_json()["token"])).get_json()
    assert me["memberships"] == [{"role": "admin", "organization": {
        "id": body["organization"]["id"], "name": "Suma Wholefoods", "legal_form": "cooperative",
        "is_cooperative": True, "verified": False, "country": "GB", "region": "Europe"}}]


@pytest.mark.parametrize(
    "payload, field_path",
    [
        (register_payload(email="not-an-address"), ["email"]),
        (register_payload(password="short"), ["password"]),
        (register_payload(password="password1234"), ["password"]),
        (register_payload(name=""), ["name"]),
        (register_payload(name="x" * 121), ["name"]),
        (register_payload(organization={**ORG, "legal_form": "pirate"}), ["organization", "legal_form"]),
        (register_payload(organization={**ORG, "country": "XX"}), ["organization", "country"]),
        (register_payload(organization={**ORG, "country": "GBR"}), ["organization", "country"]),
        (register_payload(organization={**ORG, "size": 3}), ["organization", "size"]),
        (register_payload(organization={**ORG, "name": "y" * 201}), ["organization", "name"]),
        ({k: v for k, v in register_payload().items() if k != "organization"}, ["organization"]),
        ({"email": 12, "password": [], "name": {}, "organization": "x"}, ["email"]),
    ],
)
def test_register_refuses_bad_input_field_by_field_and_changes_nothing(app, client, payload, field_path):
    before = counts(app)
    response = client.post("/api/v1/auth/register", json=payload)
    assert response.status_code in (409, 422), response.get_json()
    fields = response.get_json()["error"]["fields"]
    for key in field_path:
        assert key in fields, fields
        fields = fields[key]
    assert counts(app) == before


def test_register_refuses_a_taken_address_with_409(client):
    assert client.post("/api/v1/auth/register", json=register_payload()).status_code == 201
    again = client.post("/api/v1/auth/register", json=register_payload(email="Ana@Suma.coop"))
    assert again.status_code == 409
    assert "email" in again.get_json()["error"]["fields"]


def test_register_refuses_a_password_containing_the_address(client):
    response = client.post("/api/v1/auth/register", json=register_payload(email="annabel@suma.coop", password="Annabel-at-suma-2024"))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["password"]


def test_malformed_json_is_a_400_not_a_500(client):
    response = client.post("/api/v1/auth/register", data="{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()


def test_token_is_shown_once_stored_hashed_listed_without_secret_and_revocable(app, client, make, auth):
    user = make.user()
    created = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": user.password, "name": "ERP"})
    assert created.status_code == 201
    secret = created.get_json()["token"]
    assert secret.startswith("cpx_")

    from app.extensions import db

    with app.app_context():
        stored = db.session.scalars(select(ApiToken)).one()
        assert secret not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64

    listed = client.get("/api/v1/auth/tokens", headers=auth(secret)).get_json()
    assert [t["name"] for t in listed] == ["ERP"]
    assert "token" not in listed[0] and secret not in str(listed)

    assert client.delete(f"/api/v1/auth/tokens/{created.get_json()['id']}", headers=auth(secret)).status_code == 204
    refused = client.get("/api/v1/me", headers=auth(secret))
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthorized"


def test_a_user_cannot_revoke_another_users_token(client, make, auth):
    alice, bob = make.user(), make.user()
    alice_secret = make.token(alice)
    bob_token = client.post("/api/v1/auth/tokens", json={"email": bob.email, "password": bob.password}).get_json()
    response = client.delete(f"/api/v1/auth/tokens/{bob_token['id']}", headers=auth(alice_secret))
    assert response.status_code == 404
    assert client.get("/api/v1/me", headers=auth(bob_token["token"])).status_code == 200


def test_wrong_password_gets_401_and_no_token(client, make):
    user = make.user()
    response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "wrong-password-123"})
    assert response.status_code == 401
    assert "token" not in response.get_json()


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer cpx_" + "a" * 43, "Basic dXNlcjpwYXNz", "Bearer"])
def test_bad_bearer_tokens_are_refused(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401


def test_token_creation_is_rate_limited_per_account(client, make):
    user = make.user()
    for attempt in range(10):
        response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": f"wrong-{attempt}-xxxxxxx"},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{attempt}"})
        assert response.status_code == 401
    blocked = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": user.password},
                          environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "too_many_requests"
    assert "token" not in blocked.get_json()


def test_token_creation_is_rate_limited_per_address(client, make):
    for attempt in range(10):
        client.post("/api/v1/auth/tokens", json={"email": f"nobody{attempt}@example.coop", "password": "x" * 12})
    user = make.user()
    blocked = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": user.password})
    assert blocked.status_code == 429
