"""Organisation profiles and verification of cooperative identity, through the JSON API."""
import pytest
from sqlalchemy import select

from app.orgs.models import Organization, VerificationEvent


def org_state(app, organization_id):
    from app.extensions import db

    with app.app_context():
        organization = db.session.get(Organization, organization_id)
        events = db.session.scalars(select(VerificationEvent.kind).where(VerificationEvent.organization_id == organization_id))
        return organization.name, organization.verification_status, list(events)


def test_public_profile_shows_region_and_cooperative_flags(client, make):
    organization = make.organization(country="KE", legal_form="cooperative_bank", sector="banking")
    body = client.get(f"/api/v1/organizations/{organization.id}").get_json()
    assert body["region"] == "Africa"
    assert body["is_cooperative"] is True
    assert body["verified"] is False
    assert body["verification"] is None
    assert client.get("/api/v1/organizations/999999").status_code == 404


def test_admin_edits_the_profile(client, make, auth):
    admin = make.user()
    organization = make.organization(admin)
    response = client.patch(f"/api/v1/organizations/{organization.id}", headers=auth(make.token(admin)),
                            json={"description": "Workers' co-op since 1990", "sdgs": [8, 12], "website": "https://example.coop"})
    assert response.status_code == 200
    assert response.get_json()["sdgs"] == [8, 12]


@pytest.mark.parametrize("role", ["buyer", "seller", "finance"])
def test_non_admin_members_cannot_edit_the_profile(app, client, make, auth, role):
    organization = make.organization(make.user())
    member = make.member(organization, role=role)
    before = org_state(app, organization.id)
    response = client.patch(f"/api/v1/organizations/{organization.id}", headers=auth(make.token(member)), json={"name": "Taken over"})
    assert response.status_code == 403
    assert org_state(app, organization.id) == before


def test_strangers_and_anonymous_cannot_edit_the_profile(app, client, make, auth):
    organization = make.organization(make.user())
    stranger = make.user()
    make.organization(stranger)
    before = org_state(app, organization.id)
    assert client.patch(f"/api/v1/organizations/{organization.id}", headers=auth(make.token(stranger)),
                        json={"name": "Taken over"}).status_code == 403
    assert client.patch(f"/api/v1/organizations/{organization.id}", json={"name": "Taken over"}).status_code == 401
    assert org_state(app, organization.id) == before


@pytest.mark.parametrize(
    "changes, field",
    [({"country": "ZZ"}, "country"), ({"sdgs": [18]}, "sdgs"), ({"website": "javascript:alert(1)"}, "website"),
     ({"size": "gigantic"}, "size"), ({"name": ""}, "name"), ({"unknown": 1}, "unknown"), ({"sdgs": "8"}, "sdgs")],
)
def test_profile_changes_are_validated(app, client, make, auth, changes, field):
    admin = make.user()
    organization = make.organization(admin)
    before = org_state(app, organization.id)
    response = client.patch(f"/api/v1/organizations/{organization.id}", headers=auth(make.token(admin)), json=changes)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert org_state(app, organization.id) == before


def request_verification(client, make, auth, **org_fields):
    admin = make.user()
    organization = make.organization(admin, **org_fields)
    organization.admin = admin
    response = client.post(f"/api/v1/organizations/{organization.id}/verification-requests", headers=auth(make.token(admin)))
    return organization, response


def test_platform_admin_verifies_and_the_record_is_public(client, make, auth):
    organization, response = request_verification(client, make, auth)
    assert response.status_code == 201 and response.get_json()["verification_status"] == "pending"
    platform_admin = make.user(name="Ada Admin", platform_admin=True)
    decided = client.post(f"/api/v1/organizations/{organization.id}/verification", headers=auth(make.token(platform_admin)),
                          json={"decision": "verified", "note": "Registered society; rules match the ICA principles."})
    assert decided.status_code == 200
    public = client.get(f"/api/v1/organizations/{organization.id}").get_json()
    assert public["verified"] is True
    assert public["verification"]["decision"] == "verified"
    assert public["verification"]["decided_by"] == "Ada Admin"
    assert public["verification"]["note"].startswith("Registered society")
    assert public["verification"]["decided_at"]
    page = client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert "Verified" in page and "Ada Admin" in page


def test_a_verified_federation_of_the_same_country_may_verify(client, make, auth):
    organization, _ = request_verification(client, make, auth, country="FR")
    federation_admin = make.user(name="Fed Admin")
    federation = make.organization(federation_admin, legal_form="cooperative_federation", country="FR", verified=True)
    response = client.post(f"/api/v1/organizations/{organization.id}/verification", headers=auth(make.token(federation_admin)),
                           json={"decision": "rejected", "note": "No member democracy in the statutes."})
    assert response.status_code == 200
    record = response.get_json()["verification"]
    assert record["decision"] == "rejected"
    assert record["acting_for"] == {"id": federation.id, "name": federation.name}


@pytest.mark.parametrize(
    "federation",
    [
        {"legal_form": "cooperative_federation", "country": "ES", "verified": True},   # another country
        {"legal_form": "cooperative_federation", "country": "FR", "verified": False},  # not verified itself
        {"legal_form": "cooperative", "country": "FR", "verified": True},              # not a federation
    ],
)
def test_others_may_not_verify(app, client, make, auth, federation):
    organization, _ = request_verification(client, make, auth, country="FR")
    admin = make.user()
    make.organization(admin, **federation)
    before = org_state(app, organization.id)
    response = client.post(f"/api/v1/organizations/{organization.id}/verification", headers=auth(make.token(admin)),
                           json={"decision": "verified", "note": "Looks fine to me."})
    assert response.status_code == 403
    assert org_state(app, organization.id) == before


def test_a_federation_member_who_is_not_its_admin_may_not_verify(app, client, make, auth):
    organization, _ = request_verification(client, make, auth, country="FR")
    federation = make.organization(make.user(), legal_form="cooperative_federation", country="FR", verified=True)
    buyer = make.member(federation, role="buyer")
    response = client.post(f"/api/v1/organizations/{organization.id}/verification", headers=auth(make.token(buyer)),
                           json={"decision": "verified", "note": "Looks fine to me."})
    assert response.status_code == 403


def test_verification_is_only_for_the_cooperative_family(client, make, auth):
    _, response = request_verification(client, make, auth, legal_form="sme")
    assert response.status_code == 422
    assert "legal_form" in response.get_json()["error"]["fields"]


def test_deciding_without_a_request_or_twice_is_a_conflict(client, make, auth):
    admin = make.user()
    organization = make.organization(admin)
    platform_admin = make.user(platform_admin=True)
    url = f"/api/v1/organizations/{organization.id}/verification"
    decision = {"decision": "verified", "note": "Checked."}
    assert client.post(url, headers=auth(make.token(platform_admin)), json=decision).status_code == 409
    client.post(f"/api/v1/organizations/{organization.id}/verification-requests", headers=auth(make.token(admin)))
    assert client.post(url, headers=auth(make.token(platform_admin)), json=decision).status_code == 200
    assert client.post(url, headers=auth(make.token(platform_admin)), json=decision).status_code == 409


def test_only_its_admins_may_ask_for_verification(app, client, make, auth):
    organization = make.organization(make.user())
    seller = make.member(organization, role="seller")
    stranger = make.user()
    url = f"/api/v1/organizations/{organization.id}/verification-requests"
    assert client.post(url, headers=auth(make.token(seller))).status_code == 403
    assert client.post(url, headers=auth(make.token(stranger))).status_code == 403
    assert client.post(url).status_code == 401
    assert org_state(app, organization.id)[1:] == ("unverified", [])


@pytest.mark.parametrize("payload", [{"decision": "maybe", "note": "x" * 10}, {"decision": "verified"}, {"note": "hello"}])
def test_verification_decisions_are_validated(app, client, make, auth, payload):
    organization, _ = request_verification(client, make, auth)
    platform_admin = make.user(platform_admin=True)
    before = org_state(app, organization.id)
    response = client.post(f"/api/v1/organizations/{organization.id}/verification", headers=auth(make.token(platform_admin)),
                           json=payload)
    assert response.status_code == 422
    assert org_state(app, organization.id) == before


def test_nobody_verifies_an_organisation_they_belong_to(app, client, make, auth):
    """An admin of a verified federation who is also admin of a co-op of the same country cannot verify that co-op."""
    person = make.user()
    make.organization(person, legal_form="cooperative_federation", country="FR", verified=True)
    own_coop = make.organization(person, country="FR")
    client.post(f"/api/v1/organizations/{own_coop.id}/verification-requests", headers=auth(make.token(person)))
    response = client.post(f"/api/v1/organizations/{own_coop.id}/verification", headers=auth(make.token(person)),
                           json={"decision": "verified", "note": "We are great."})
    assert response.status_code == 403
    assert org_state(app, own_coop.id)[1] == "pending"
    platform_admin_member = make.member(own_coop, role="buyer", user=make.user(platform_admin=True))
    response = client.post(f"/api/v1/organizations/{own_coop.id}/verification", headers=auth(make.token(platform_admin_member)),
                           json={"decision": "verified", "note": "Mine too."})
    assert response.status_code == 403


@pytest.mark.parametrize("change", [{"country": "FR"}, {"legal_form": "cooperative_bank"}, {"name": "Suma Wholefoods"}])
def test_changing_name_country_or_legal_form_withdraws_the_verification_and_its_record(client, make, auth, change):
    organization, _ = request_verification(client, make, auth)
    platform_admin = make.user(platform_admin=True)
    client.post(f"/api/v1/organizations/{organization.id}/verification", headers=auth(make.token(platform_admin)),
                json={"decision": "verified", "note": "Checked."})
    admin_token = make.token(organization.admin)
    body = client.patch(f"/api/v1/organizations/{organization.id}", headers=auth(admin_token), json=change).get_json()
    assert body["verified"] is False
    assert body["verification_status"] == "unverified"
    assert body["verification"] is None


def test_a_renamed_cooperative_asks_again_and_its_record_says_why(app, client, make, auth):
    organization, _ = request_verification(client, make, auth, name="Unicorn Grocery")
    platform_admin = make.user(platform_admin=True)
    client.post(f"/api/v1/organizations/{organization.id}/verification", headers=auth(make.token(platform_admin)),
                json={"decision": "verified", "note": "Checked."})
    admin_token = make.token(organization.admin)
    url = f"/api/v1/organizations/{organization.id}"
    response = client.patch(url, headers=auth(admin_token), json={"name": "  Suma Wholefoods "})
    assert response.status_code == 200
    assert response.get_json()["name"] == "Suma Wholefoods"
    assert org_state(app, organization.id) == ("Suma Wholefoods", "unverified", ["requested", "verified", "voided"])
    with app.app_context():
        from app.audit.models import AuditEntry
        from app.extensions import db

        voided = db.session.scalars(select(VerificationEvent).where(VerificationEvent.kind == "voided")).one()
        assert voided.note == "name: Unicorn Grocery → Suma Wholefoods"
        assert voided.actor_id == organization.admin.id
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "verification.voided")).one()
        assert entry.organization_id == organization.id and entry.details == {"was": "verified", "changed": ["name"]}
    page = client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert "Verification voided on" in page and "Verified</strong>" not in page
    asked = client.post(f"{url}/verification-requests", headers=auth(admin_token))
    assert asked.status_code == 201 and asked.get_json()["verification_status"] == "pending"


@pytest.mark.parametrize("change", [{"name": "Unicorn Grocery "}, {"description": "Now open on Sundays."},
                                    {"sdgs": [2, 12]}, {"city": "Manchester"}])
def test_other_profile_changes_keep_the_verification(app, client, make, auth, change):
    organization, _ = request_verification(client, make, auth, name="Unicorn Grocery")
    client.post(f"/api/v1/organizations/{organization.id}/verification", headers=auth(make.token(make.user(platform_admin=True))),
                json={"decision": "verified", "note": "Checked."})
    response = client.patch(f"/api/v1/organizations/{organization.id}", headers=auth(make.token(organization.admin)),
                            json=change)
    assert response.status_code == 200 and response.get_json()["verified"] is True
    assert org_state(app, organization.id) == ("Unicorn Grocery", "verified", ["requested", "verified"])


def test_renaming_during_a_pending_request_withdraws_it(app, client, make, auth):
    organization, _ = request_verification(client, make, auth, name="Unicorn Grocery")
    response = client.patch(f"/api/v1/organizations/{organization.id}", headers=auth(make.token(organization.admin)),
                            json={"name": "Unicorn Groceries"})
    assert response.get_json()["verification_status"] == "unverified"
    assert org_state(app, organization.id)[2] == ["requested", "voided"]


def test_renaming_an_organisation_that_never_asked_leaves_no_record(app, client, make, auth):
    admin = make.user()
    organization = make.organization(admin, name="Unicorn Grocery", legal_form="sme")
    response = client.patch(f"/api/v1/organizations/{organization.id}", headers=auth(make.token(admin)),
                            json={"name": "Unicorn Groceries"})
    assert response.status_code == 200
    assert org_state(app, organization.id) == ("Unicorn Groceries", "unverified", [])


def test_invitations_by_api(client, make, auth, outbox):
    admin = make.user()
    organization = make.organization(admin)
    url = f"/api/v1/organizations/{organization.id}/invitations"
    response = client.post(url, headers=auth(make.token(admin)), json={"email": "Buyer@Example.coop", "role": "buyer"})
    assert response.status_code == 201
    assert response.get_json()["email"] == "buyer@example.coop"
    assert outbox[-1].to == "buyer@example.coop" and "/invitations/" in outbox[-1].body
    assert client.post(url, headers=auth(make.token(admin)), json={"email": "x@example.coop", "role": "owner"}).status_code == 422
    seller = make.member(organization, role="seller")
    assert client.post(url, headers=auth(make.token(seller)), json={"email": "y@example.coop", "role": "admin"}).status_code == 403
    assert client.post(url, json={"email": "y@example.coop", "role": "admin"}).status_code == 401
    assert len(outbox) == 1


ORG_WRITES = [
    ("patch", "/api/v1/organizations/{id}", {"name": "Taken over"}),
    ("post", "/api/v1/organizations/{id}/verification-requests", None),
    ("post", "/api/v1/organizations/{id}/invitations", {"email": "mole@example.coop", "role": "admin"}),
]


@pytest.mark.parametrize("method, path, body", ORG_WRITES)
@pytest.mark.parametrize("who", ["other_organisation_admin", "seller_member", "buyer_member", "anonymous"])
def test_organisation_writes_are_refused_to_those_without_the_right(app, client, make, auth, outbox, method, path, body, who):
    organization = make.organization(make.user())
    headers = make.headers_of(who, organization, auth)
    before = org_state(app, organization.id)
    response = getattr(client, method)(path.format(id=organization.id), headers=headers, json=body)
    assert response.status_code == (401 if who == "anonymous" else 403)
    assert response.get_json()["error"]["code"] in ("unauthorized", "forbidden")
    assert org_state(app, organization.id) == before
    assert outbox == []


def test_anonymous_cannot_decide_a_verification(app, client, make, auth):
    organization, _ = request_verification(client, make, auth)
    response = client.post(f"/api/v1/organizations/{organization.id}/verification", json={"decision": "verified", "note": "ok ok"})
    assert response.status_code == 401
    assert org_state(app, organization.id)[1] == "pending"


def test_openapi_document_describes_every_endpoint_and_the_error_shape(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/auth/register", "/api/v1/auth/tokens", "/api/v1/me", "/api/v1/listings/{listing_id}",
            "/api/v1/organizations/{organization_id}/verification"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"].items() >= {"type": "http", "scheme": "bearer"}.items()
    assert set(spec["components"]["schemas"]["Problem"]["properties"]) == {"error"}
