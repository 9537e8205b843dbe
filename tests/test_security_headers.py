"""Every answer carries the security headers — pages, API answers, error pages, static files — and HSTS only in
production."""
import pytest

from app import create_app
from tests.test_config import PRODUCTION

EXPECTED = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
}


def _directives(policy):
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_secure(response):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions
    assert "Strict-Transport-Security" not in response.headers  # development and tests are served over plain HTTP


@pytest.mark.parametrize(("url", "status", "mimetype"), [
    ("/", 200, "text/html"),
    ("/api/v1/cpv?q=coffee", 200, "application/json"),
    ("/api/v1/no-such-thing", 404, "application/json"),
    ("/no-such-page", 404, "text/html"),
    ("/static/coopex.css", 200, "text/css"),
])
def test_every_answer_carries_the_security_headers(client, url, status, mimetype):
    response = client.get(url)
    assert (response.status_code, response.mimetype) == (status, mimetype)
    assert_secure(response)
    response.close()


def test_an_api_error_and_a_refused_post_carry_them_too(client):
    assert_secure(client.post("/api/v1/campaigns", json={}))  # 401: no token
    assert_secure(client.post("/login", data={}))  # the CSRF refusal


def test_production_adds_hsts_for_a_year(monkeypatch, tmp_path):
    settings = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'production.db'}",
                "SEARCH_URL": "http://127.0.0.1:9200", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6380/0"}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    app = create_app("production")
    with app.test_client() as client:
        for url in ("/static/coopex.css", "/no-such-page"):
            response = client.get(url, base_url="https://coopex.coop")
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
            assert response.headers["X-Frame-Options"] == "DENY"
            response.close()


def test_a_header_the_view_set_itself_is_kept_and_none_is_doubled(app):
    """A receipt file sets its own, stricter policy (app.campaigns.routes.receipt_file); the header names are matched
    whatever their case."""
    with app.test_request_context("/"):
        response = app.response_class("receipt", headers={"content-security-policy": "default-src 'none'",
                                                          "X-Frame-Options": "SAMEORIGIN"})
        response = app.process_response(response)
    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("Referrer-Policy") == ["strict-origin-when-cross-origin"]
