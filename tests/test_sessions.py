"""app.http.CookieSessionInterface answers with the same cookies and Vary headers as Flask's own session interface:
it only skips Flask's work when a request brings no session cookie and leaves the session empty."""
import pytest
from flask.sessions import SecureCookieSessionInterface

from tests.conftest import csrf_token, login


def _session_headers(response):
    cookies = sorted(header.split(";")[0].split("=")[0] + ("=" if "=;" not in header else "=(deleted)")
                     for header in response.headers.getlist("Set-Cookie"))
    return cookies, response.headers.get("Vary")


def _visit(client, make):
    """What a visitor's requests answer with, session-wise: API calls and a page without a cookie, a language chosen,
    a sign-in, a page signed in, a sign-out."""
    seen = [_session_headers(client.get("/api/v1/search/listings")),
            _session_headers(client.get("/api/v1/cpv?q=milk")),
            _session_headers(client.get("/"))]
    token = csrf_token(client, "/login")
    seen.append(_session_headers(client.post("/language/fr", data={"csrf_token": token})))
    seen.append(_session_headers(login(client, make.user())))
    seen.append(_session_headers(client.get("/dashboard")))
    seen.append(_session_headers(client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})))
    return seen


def test_the_app_uses_the_lighter_session_interface(app):
    assert type(app.session_interface).__name__ == "CookieSessionInterface"


@pytest.mark.usefixtures("search")
def test_cookies_and_vary_are_flasks_own(app, client, make, monkeypatch):
    ours = _visit(client, make)
    monkeypatch.setattr(app, "session_interface", SecureCookieSessionInterface())
    flasks = _visit(app.test_client(), make)

    assert ours == flasks
    # The check can tell: API calls without a cookie set none; the first page does (its forms' CSRF token).
    assert ours[0] == ours[1] == ([], "Cookie") and ours[2] == (["session="], "Cookie")
