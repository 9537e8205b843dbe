"""Listings through the JSON API: shapes, authorisation on every write, field-level validation."""
import pytest
from sqlalchemy import func, select

from app.catalog.models import Listing

VALID = {
    "title": "Fairtrade arabica, green beans",
    "description": "Washed arabica from our members' farms.",
    "language": "en",
    "kind": "good",
    "cpv_code": "03131100",
    "price": {"amount": "4.75", "currency": "EUR"},
    "unit": "kg",
    "min_order_quantity": 60,
    "lead_time_days": 21,
    "delivery_countries": ["FR", "ES"],
    "sdgs": [2, 12],
    "status": "active",
}


def snapshot(app):
    """Every listing's content: to prove a refused request changed nothing."""
    from app.extensions import db

    with app.app_context():
        rows = db.session.scalars(select(Listing).order_by(Listing.id)).all()
        return [(x.id, x.title, x.status, x.price_minor, x.price_currency, x.cpv_code8, x.updated_at) for x in rows]


@pytest.fixture
def seller_org(make):
    admin = make.user()
    organization = make.organization(admin)
    return admin, organization


def test_create_listing_answers_with_check_digit_and_money(client, make, auth, seller_org):
    admin, organization = seller_org
    response = client.post("/api/v1/listings", headers=auth(make.token(admin)), json={**VALID, "organization_id": organization.id})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["cpv_code"] == "03131100-9"
    assert body["price"] == {"amount": "4.75", "currency": "EUR"}
    assert body["delivery_countries"] == ["ES", "FR"]
    assert body["organization"]["id"] == organization.id
    assert client.get(f"/api/v1/listings/{body['id']}").get_json()["title"] == VALID["title"]


def test_cpv_code_with_check_digit_and_price_on_request_and_zero_decimal_currency(client, make, auth, seller_org):
    admin, organization = seller_org
    token = make.token(admin)
    on_request = client.post("/api/v1/listings", headers=auth(token),
                             json={**VALID, "organization_id": organization.id, "cpv_code": "15861000-1", "price": None})
    assert on_request.status_code == 201
    assert on_request.get_json()["price"] is None
    assert on_request.get_json()["cpv_code"] == "15861000-1"
    yen = client.post("/api/v1/listings", headers=auth(token),
                      json={**VALID, "organization_id": organization.id, "price": {"amount": "1200", "currency": "JPY"}})
    assert yen.get_json()["price"] == {"amount": "1200", "currency": "JPY"}


def test_seller_edits_pauses_and_archives(client, make, auth, seller_org):
    _admin, organization = seller_org
    seller = make.member(organization, role="seller")
    token = make.token(seller)
    listing = make.listing(organization)
    url = f"/api/v1/listings/{listing.id}"
    edited = client.patch(url, headers=auth(token), json={"title": "Robusta, roasted", "price": {"amount": "9", "currency": "GBP"}})
    assert edited.status_code == 200
    assert edited.get_json()["price"] == {"amount": "9.00", "currency": "GBP"}
    assert client.patch(url, headers=auth(token), json={"status": "paused"}).get_json()["status"] == "paused"
    assert client.get(url).status_code == 404  # paused: hidden from the public
    assert client.get(url, headers=auth(token)).status_code == 200  # but not from its organisation
    assert client.delete(url, headers=auth(token)).get_json()["status"] == "archived"
    assert client.patch(url, headers=auth(token), json={"status": "active"}).status_code == 409


def test_invalid_status_moves_are_conflicts(client, make, auth, seller_org):
    admin, organization = seller_org
    listing = make.listing(organization, status="draft")
    response = client.patch(f"/api/v1/listings/{listing.id}", headers=auth(make.token(admin)), json={"status": "paused"})
    assert response.status_code == 409


def test_drafts_are_visible_to_their_organisation_only(client, make, auth, seller_org):
    admin, organization = seller_org
    draft = make.listing(organization, status="draft")
    stranger = make.user()
    assert client.get(f"/api/v1/listings/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/listings/{draft.id}", headers=auth(make.token(stranger))).status_code == 404
    assert client.get(f"/api/v1/listings/{draft.id}", headers=auth(make.token(admin))).status_code == 200
    listed = client.get(f"/api/v1/organizations/{organization.id}/listings").get_json()
    assert listed["total"] == 0
    own = client.get(f"/api/v1/organizations/{organization.id}/listings?status=draft", headers=auth(make.token(admin))).get_json()
    assert [item["id"] for item in own["items"]] == [draft.id]
    assert client.get(f"/api/v1/organizations/{organization.id}/listings?status=draft").status_code == 403


def test_organisation_listings_are_paginated(client, make, seller_org):
    _admin, organization = seller_org
    for n in range(5):
        make.listing(organization, title=f"Crate of apples no. {n}")
    page = client.get(f"/api/v1/organizations/{organization.id}/listings?per_page=2&page=3").get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (5, 3, 2, 1)
    assert client.get(f"/api/v1/organizations/{organization.id}/listings?per_page=1000").status_code == 422


# Authorisation: every write endpoint, refused for a member of another organisation, a member with
# the wrong role, and an anonymous client; nothing changes.

WRITES = [
    ("post", "/api/v1/listings", lambda org, listing: {**VALID, "organization_id": org.id}),
    ("patch", "/api/v1/listings/{listing}", lambda org, listing: {"title": "Hijacked title"}),
    ("patch", "/api/v1/listings/{listing}", lambda org, listing: {"status": "paused"}),
    ("delete", "/api/v1/listings/{listing}", lambda org, listing: None),
]


@pytest.mark.parametrize("method, path, body", WRITES)
@pytest.mark.parametrize("who", ["other_organisation_admin", "buyer_member", "finance_member", "anonymous"])
def test_listing_writes_are_refused_to_those_without_the_right(app, client, make, auth, seller_org, method, path, body, who):
    _admin, organization = seller_org
    listing = make.listing(organization)
    headers = make.headers_of(who, organization, auth)
    before = snapshot(app)
    response = getattr(client, method)(path.format(listing=listing.id), headers=headers, json=body(organization, listing))
    expected = {"anonymous": (401,), "other_organisation_admin": (403, 404)}.get(who, (403,))
    assert response.status_code in expected, response.get_json()
    assert "error" in response.get_json()
    assert snapshot(app) == before


def test_cannot_create_for_an_organisation_that_does_not_exist(app, client, make, auth):
    user = make.user()
    before = snapshot(app)
    response = client.post("/api/v1/listings", headers=auth(make.token(user)), json={**VALID, "organization_id": 987654})
    assert response.status_code == 403
    assert snapshot(app) == before


# Bad input: each gets a 4xx with field errors and the database is unchanged.

BAD_CREATE = [
    ({"title": None}, "title"),
    ({"title": "ab"}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": 42}, "title"),
    ({"description": "d" * 10_001}, "description"),
    ({"language": "de"}, "language"),
    ({"kind": "both"}, "kind"),
    ({"cpv_code": "99999999"}, "cpv_code"),
    ({"cpv_code": "1586100"}, "cpv_code"),
    ({"cpv_code": "15861000-7"}, "cpv_code"),
    ({"cpv_code": "coffee"}, "cpv_code"),
    ({"price": {"amount": "10", "currency": "XYZ"}}, "price"),
    ({"price": {"amount": "10", "currency": "eur"}}, "price"),
    ({"price": {"amount": "-5", "currency": "EUR"}}, "price"),
    ({"price": {"amount": "0", "currency": "EUR"}}, "price"),
    ({"price": {"amount": "1e12", "currency": "EUR"}}, "price"),
    ({"price": {"amount": "10.5", "currency": "JPY"}}, "price"),
    ({"price": {"amount": "10.005", "currency": "EUR"}}, "price"),
    ({"price": {"amount": 10.5, "currency": "EUR"}}, "price"),
    ({"price": {"amount": "NaN", "currency": "EUR"}}, "price"),
    ({"price": {"amount": "ten", "currency": "EUR"}}, "price"),
    ({"price": "10 EUR"}, "price"),
    ({"price": {"amount": "10"}}, "price"),
    ({"unit": "u" * 41}, "unit"),
    ({"min_order_quantity": 0}, "min_order_quantity"),
    ({"min_order_quantity": "5"}, "min_order_quantity"),
    ({"min_order_quantity": 10**12}, "min_order_quantity"),
    ({"lead_time_days": -1}, "lead_time_days"),
    ({"delivery_countries": ["FR", "QQ"]}, "delivery_countries"),
    ({"delivery_countries": ["France"]}, "delivery_countries"),
    ({"delivery_countries": "FR"}, "delivery_countries"),
    ({"sdgs": [0]}, "sdgs"),
    ({"sdgs": [18]}, "sdgs"),
    ({"sdgs": ["2"]}, "sdgs"),
    ({"status": "archived"}, "status"),
    ({"certifications": ["c" * 81]}, "certifications"),
    ({"organization_id": "one"}, "organization_id"),
    ({"colour": "green"}, "colour"),
]


@pytest.mark.parametrize("change, field", BAD_CREATE)
def test_create_refuses_bad_input_with_field_errors(app, client, make, auth, seller_org, change, field):
    admin, organization = seller_org
    before = snapshot(app)
    payload = {**VALID, "organization_id": organization.id, **change}
    response = client.post("/api/v1/listings", headers=auth(make.token(admin)), json=payload)
    assert 400 <= response.status_code < 500
    assert response.status_code in (400, 422), response.get_json()
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert snapshot(app) == before


@pytest.mark.parametrize("change, field", [c for c in BAD_CREATE if c[1] not in ("organization_id", "status")]
                         + [({"status": "deleted"}, "status"), ({}, "_schema")])
def test_update_refuses_bad_input_with_field_errors(app, client, make, auth, seller_org, change, field):
    admin, organization = seller_org
    listing = make.listing(organization)
    before = snapshot(app)
    response = client.patch(f"/api/v1/listings/{listing.id}", headers=auth(make.token(admin)), json=change)
    assert response.status_code in (400, 422), response.get_json()
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert snapshot(app) == before


def test_missing_fields_are_named(client, make, auth, seller_org):
    admin, _ = seller_org
    response = client.post("/api/v1/listings", headers=auth(make.token(admin)), json={})
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422
    assert {"title", "cpv_code", "organization_id"} <= set(fields)


def test_unknown_listing_is_404(client):
    assert client.get("/api/v1/listings/424242").status_code == 404
    assert client.get("/api/v1/listings/not-a-number").status_code == 404


def test_listing_counts_stay_exact_after_refusals(app, client, make, auth, seller_org):
    admin, organization = seller_org
    token = make.token(admin)
    client.post("/api/v1/listings", headers=auth(token), json={**VALID, "organization_id": organization.id})
    client.post("/api/v1/listings", headers=auth(token), json={**VALID, "organization_id": organization.id, "cpv_code": "x"})
    from app.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count(Listing.id))) == 1
