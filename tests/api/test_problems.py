"""Every error of the API is the problem body the document declares, those raised before a view runs included."""
import pytest
from sqlalchemy import func, select

from app.catalog.models import Listing


def problem(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    return error


def test_an_unknown_address_is_a_404_problem(client):
    problem(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_a_method_the_address_does_not_take_is_a_405_problem_naming_the_allowed_ones(client):
    response = client.put("/api/v1/me")
    problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_an_address_longer_than_a_server_reads_is_a_414_problem(client):
    problem(client.get("/api/v1/search/listings", query_string={"q": "a" * 9_000}), 414, "uri_too_long")


def test_search_text_longer_than_declared_is_refused_on_its_field(client):
    error = problem(client.get("/api/v1/search/listings", query_string={"q": "a" * 501}), 422, "validation_failed")
    assert list(error["fields"]) == ["q"]


def test_a_query_parameter_the_operation_does_not_take_is_refused(client):
    error = problem(client.get("/api/v1/cpv", query_string={"q": "coffee", "colour": "red"}), 422, "validation_failed")
    assert error["fields"] == {"colour": ["Unknown field."]}


def test_the_token_is_asked_for_before_the_body_is_read(client):
    problem(client.post("/api/v1/listings", json={"title": 5}), 401, "unauthorized")
    problem(client.post("/api/v1/listings", data="not json", content_type="application/json"), 401, "unauthorized")


@pytest.fixture
def seller(make, auth):
    admin = make.user()
    return make.organization(admin), auth(make.token(admin))


def _listings(app):
    from app.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Listing))


def test_a_nul_character_in_a_body_is_a_field_error_and_nothing_is_stored(app, client, seller):
    organization, headers = seller
    before = _listings(app)
    payload = {"organization_id": organization.id, "title": "Wild\u0000flower honey", "cpv_code": "15831000",
               "certifications": ["Fair\u0000trade"]}
    error = problem(client.post("/api/v1/listings", json=payload, headers=headers), 422, "validation_failed")
    assert set(error["fields"]) == {"title", "certifications"}
    assert error["fields"]["certifications"] == {"0": ["Text may not contain NUL characters."]}
    assert _listings(app) == before


def test_a_nul_character_nested_in_a_body_is_named_by_its_path(client):
    payload = {"email": "nul@example.coop", "password": "a-long-enough-passphrase", "name": "Nul",
               "organization": {"name": "Co\u0000op", "legal_form": "cooperative", "size": "small", "country": "FR",
                                "sector": "agriculture"}}
    error = problem(client.post("/api/v1/auth/register", json=payload), 422, "validation_failed")
    assert error["fields"] == {"organization": {"name": ["Text may not contain NUL characters."]}}


def test_a_nul_character_in_the_query_is_a_field_error(client):
    error = problem(client.get("/api/v1/cpv", query_string={"q": "cof\u0000fee"}), 422, "validation_failed")
    assert error["fields"] == {"q": ["Text may not contain NUL characters."]}


@pytest.mark.parametrize("path", ["/api/v1/search/listings", "/api/v1/search/tenders", "/api/v1/search/campaigns"])
def test_a_page_beyond_the_engines_window_is_empty(client, search, path):
    for page, per_page in ((10_000, 100), (101, 100), (9_999, 2)):
        response = client.get(path, query_string={"page": page, "per_page": per_page})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert response.get_json()["items"] == []
