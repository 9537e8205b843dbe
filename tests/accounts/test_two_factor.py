"""Two-factor sign-in: set-up with a real authenticator code, the second step of log-in, recovery codes, the policy,
and API tokens — through the real forms and API."""
import re
import time
from contextlib import contextmanager
from types import SimpleNamespace

import pyotp
import pytest
from sqlalchemy import select

from app.accounts import two_factor
from app.accounts.models import RecoveryCode, User
from tests.conftest import csrf_token, login

SECRET_RE = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
RECOVERY_RE = re.compile(r'<li class="user-select-all">([a-z0-9-]+)</li>')


def code(secret, steps_ahead=0):
    """The authenticator app's code, `steps_ahead` 30-second steps from now."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def wrong_code(secret):
    near = {code(secret, k) for k in range(-2, 3)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in near)


@contextmanager
def config(app, **values):
    original = {key: app.config[key] for key in values}
    app.config.update(values)
    try:
        yield
    finally:
        app.config.update(original)


def post(client, url, data, page=None):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)})


def set_up(client, user):
    """Log in, scan (read) the secret, confirm with the current code; returns the secret and the recovery codes."""
    login(client, user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1)
    response = post(client, "/account/two-factor", {"code": code(secret)})
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    codes = RECOVERY_RE.findall(response.get_data(as_text=True))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/two-factor")})
    return SimpleNamespace(secret=secret, recovery_codes=codes)


def password_step(client, user):
    response = post(client, "/login", {"email": user.email, "password": user.password})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/two-factor")
    return response


def stored_user(app, user_id):
    from app.extensions import db

    with app.app_context():
        return db.session.get(User, user_id)


# Pure rules -------------------------------------------------------------------------------------------------------


def test_matching_step_accepts_the_window_and_refuses_replays_and_junk():
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = 1_800_000_015.0
    step = int(now // 30)
    assert two_factor.matching_step(secret, totp.at(now), now) == step
    assert two_factor.matching_step(secret, totp.at(now - 30), now) == step - 1
    assert two_factor.matching_step(secret, totp.at(now + 30), now) == step + 1
    assert two_factor.matching_step(secret, totp.at(now - 60), now) is None
    assert two_factor.matching_step(secret, " " + totp.at(now)[:3] + " " + totp.at(now)[3:], now) == step
    assert two_factor.matching_step(secret, totp.at(now), now, last_step=step) is None
    assert two_factor.matching_step(secret, totp.at(now), now, last_step=step + 1) is None
    assert two_factor.matching_step(secret, totp.at(now + 30), now, last_step=step) == step + 1
    for junk in ("", None, "12345", "1234567", "abcdef", "１２３４５６"):
        assert two_factor.matching_step(secret, junk, now) is None


@pytest.mark.parametrize(
    "setting, expected",
    [("admin,finance", {"admin", "finance"}), (" Finance ", {"finance"}), ("", set()), ("admin,,pirate", {"admin"}),
     (["admin"], {"admin"}), (None, set())],
)
def test_parse_required_for(setting, expected):
    assert two_factor.parse_required_for(setting) == expected


def test_who_the_policy_requires_a_second_factor_of():
    finance = SimpleNamespace(is_platform_admin=False, memberships=[SimpleNamespace(role="buyer"), SimpleNamespace(role="finance")])
    admin = SimpleNamespace(is_platform_admin=True, memberships=[])
    seller = SimpleNamespace(is_platform_admin=False, memberships=[SimpleNamespace(role="admin")])
    assert two_factor.two_factor_required(finance, "finance") and not two_factor.two_factor_required(finance, "admin")
    assert two_factor.two_factor_required(admin, "admin") and not two_factor.two_factor_required(admin, "finance")
    assert not two_factor.two_factor_required(seller, "admin,finance")


def test_production_requires_it_of_admins_and_finance_and_development_of_nobody():
    from config import load_config
    from tests.test_config import PRODUCTION

    assert load_config("production", PRODUCTION).REQUIRE_2FA_FOR == "admin,finance"
    assert load_config("development", {}).REQUIRE_2FA_FOR == ""
    assert load_config("testing", {}).REQUIRE_2FA_FOR == ""


# Set-up -----------------------------------------------------------------------------------------------------------


def test_set_up_with_the_code_of_the_scanned_secret_shows_ten_recovery_codes_once(app, client, make):
    user = make.user()
    login(client, user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = SECRET_RE.search(page).group(1)
    assert SECRET_RE.search(client.get("/account/two-factor").get_data(as_text=True)).group(1) == secret  # same until confirmed
    assert not stored_user(app, user.id).two_factor_enabled

    refused = post(client, "/account/two-factor", {"code": wrong_code(secret)})
    assert refused.status_code == 401
    assert "Enter the 6-digit code your app shows now." in refused.get_data(as_text=True)
    assert not stored_user(app, user.id).two_factor_enabled

    response = post(client, "/account/two-factor", {"code": code(secret)})
    assert response.status_code == 200
    codes = RECOVERY_RE.findall(response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert stored_user(app, user.id).two_factor_enabled
    from app.extensions import db

    with app.app_context():
        hashes = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(hashes) == 10 and not set(codes) & set(hashes)
    again = client.get("/account/two-factor").get_data(as_text=True)
    assert not RECOVERY_RE.findall(again) and "10 unused recovery codes left." in again


@pytest.mark.parametrize("bad", ["", "   ", "x" * 41])
def test_set_up_refuses_bad_input_at_the_field(app, client, make, bad):
    user = make.user()
    login(client, user)
    client.get("/account/two-factor")
    response = post(client, "/account/two-factor", {"code": bad})
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert not stored_user(app, user.id).two_factor_enabled


def test_set_up_needs_a_login(client):
    response = client.get("/account/two-factor")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# Log-in -----------------------------------------------------------------------------------------------------------


def test_login_asks_for_the_code_after_the_password_and_refuses_a_wrong_one(client, make):
    user = make.user()
    enrolled = set_up(client, user)
    password_step(client, user)
    assert client.get("/dashboard").status_code == 302  # not signed in yet
    wrong = post(client, "/login/two-factor", {"code": wrong_code(enrolled.secret)})
    assert wrong.status_code == 401
    assert "This code is wrong, expired or already used." in wrong.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    right = post(client, "/login/two-factor", {"code": code(enrolled.secret, 1)})
    assert right.status_code == 302 and right.headers["Location"].endswith("/dashboard")
    assert "Log out" in client.get("/dashboard").get_data(as_text=True)


def test_a_code_is_accepted_once(client, make):
    user = make.user()
    enrolled = set_up(client, user)
    used = code(enrolled.secret, 1)
    password_step(client, user)
    assert post(client, "/login/two-factor", {"code": used}).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    password_step(client, user)
    replay = post(client, "/login/two-factor", {"code": used})
    assert replay.status_code == 401
    assert client.get("/dashboard").status_code == 302


def test_the_set_up_code_cannot_be_replayed_at_login(client, make):
    user = make.user()
    login(client, user)
    secret = SECRET_RE.search(client.get("/account/two-factor").get_data(as_text=True)).group(1)
    confirmation = code(secret)
    assert post(client, "/account/two-factor", {"code": confirmation}).status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/two-factor")})
    password_step(client, user)
    assert post(client, "/login/two-factor", {"code": confirmation}).status_code == 401


def test_a_recovery_code_works_once(client, make):
    user = make.user()
    enrolled = set_up(client, user)
    recovery = enrolled.recovery_codes[3]
    password_step(client, user)
    assert post(client, "/login/two-factor", {"code": recovery.upper().replace("-", " ")}).status_code == 302
    assert "9 unused recovery codes left." in client.get("/account/two-factor").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    password_step(client, user)
    assert post(client, "/login/two-factor", {"code": recovery}).status_code == 401


@pytest.mark.parametrize("bad", ["", "y" * 41])
def test_the_second_step_refuses_bad_input_at_the_field(client, make, bad):
    user = make.user()
    set_up(client, user)
    password_step(client, user)
    response = post(client, "/login/two-factor", {"code": bad})
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True)


def test_the_second_step_expires(app, client, make):
    user = make.user()
    enrolled = set_up(client, user)
    with config(app, TWO_FACTOR_LOGIN_TTL=-1):
        password_step(client, user)
    response = post(client, "/login/two-factor", {"code": code(enrolled.secret, 1)}, page="/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/dashboard").status_code == 302


def test_the_second_step_without_a_password_first_goes_back_to_login(client):
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_the_second_step_is_rate_limited_like_login(client, make):
    user = make.user()
    enrolled = set_up(client, user)
    password_step(client, user)
    statuses = [post(client, "/login/two-factor", {"code": wrong_code(enrolled.secret)}).status_code for _ in range(10)]
    assert statuses[-1] == 429 and set(statuses) <= {401, 429}
    blocked = post(client, "/login/two-factor", {"code": code(enrolled.secret, 1)})
    assert blocked.status_code == 429
    assert client.get("/dashboard").status_code == 302


# Recovery codes and switching off ---------------------------------------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(client, make):
    user = make.user()
    enrolled = set_up(client, user)
    password_step(client, user)
    post(client, "/login/two-factor", {"code": code(enrolled.secret, 1)})
    refused = post(client, "/account/two-factor/recovery-codes", {"code": wrong_code(enrolled.secret)}, page="/account/two-factor")
    assert refused.status_code == 401
    response = post(client, "/account/two-factor/recovery-codes", {"code": enrolled.recovery_codes[0]}, page="/account/two-factor")
    assert response.status_code == 200
    fresh = RECOVERY_RE.findall(response.get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(enrolled.recovery_codes)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    password_step(client, user)
    assert post(client, "/login/two-factor", {"code": enrolled.recovery_codes[1]}).status_code == 401
    assert post(client, "/login/two-factor", {"code": fresh[0]}).status_code == 302


def test_switching_off_needs_the_password_and_a_code(app, client, make):
    user = make.user()
    enrolled = set_up(client, user)
    password_step(client, user)
    post(client, "/login/two-factor", {"code": code(enrolled.secret, 1)})
    url = "/account/two-factor/disable"
    empty = post(client, url, {"password": "", "code": ""})
    assert empty.status_code == 422 and empty.get_data(as_text=True).count("invalid-feedback") >= 2
    # The step after the log-in's code has not come yet: a recovery code does.
    wrong_password = post(client, url, {"password": "not-my-password-at-all", "code": enrolled.recovery_codes[0]})
    assert wrong_password.status_code == 401 and "Wrong password." in wrong_password.get_data(as_text=True)
    wrong = post(client, url, {"password": user.password, "code": wrong_code(enrolled.secret)})
    assert wrong.status_code == 401
    assert stored_user(app, user.id).two_factor_enabled
    off = post(client, url, {"password": user.password, "code": enrolled.recovery_codes[0]})
    assert off.status_code == 302
    assert not stored_user(app, user.id).two_factor_enabled
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(client, user)
    assert client.get("/dashboard").status_code == 200


# The API ----------------------------------------------------------------------------------------------------------


def test_token_creation_needs_the_current_code_when_two_factor_is_on(client, make, auth):
    user = make.user()
    enrolled = set_up(client, user)
    credentials = {"email": user.email, "password": user.password}
    missing = client.post("/api/v1/auth/tokens", json=credentials)
    assert missing.status_code == 401 and "otp" in missing.get_json()["error"]["fields"]
    wrong = client.post("/api/v1/auth/tokens", json={**credentials, "otp": wrong_code(enrolled.secret)})
    assert wrong.status_code == 401 and "otp" in wrong.get_json()["error"]["fields"]
    recovery = client.post("/api/v1/auth/tokens", json={**credentials, "otp": enrolled.recovery_codes[0]})
    assert recovery.status_code == 422 and "otp" in recovery.get_json()["error"]["fields"]
    for junk in ("12345", "abcdef", 123456, None):
        response = client.post("/api/v1/auth/tokens", json={**credentials, "otp": junk})
        assert response.status_code == 422 and "otp" in response.get_json()["error"]["fields"], junk
    otp = code(enrolled.secret, 1)
    created = client.post("/api/v1/auth/tokens", json={**credentials, "otp": otp})
    assert created.status_code == 201
    assert client.get("/api/v1/me", headers=auth(created.get_json()["token"])).status_code == 200
    replay = client.post("/api/v1/auth/tokens", json={**credentials, "otp": otp})
    assert replay.status_code == 401 and "otp" in replay.get_json()["error"]["fields"]


def test_a_wrong_password_is_refused_before_the_code_is_looked_at(client, make):
    user = make.user()
    enrolled = set_up(client, user)
    response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "wrong-password-123",
                                                        "otp": code(enrolled.secret, 1)})
    assert response.status_code == 401 and response.get_json()["error"]["fields"] == {}


def test_the_openapi_spec_documents_otp(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    credentials = spec["components"]["schemas"]["Credentials"]["properties"]
    assert credentials["otp"]["type"] == "string" and "two-factor" in credentials["otp"]["description"]


# The policy -------------------------------------------------------------------------------------------------------


def test_require_2fa_for_finance_holds_them_on_the_set_up_page_until_it_is_on(app, client, make, auth):
    organization = make.organization(make.user())
    finance = make.member(organization, role="finance")
    buyer = make.member(organization, role="buyer")
    finance_token = make.token(finance)
    with config(app, REQUIRE_2FA_FOR="finance"):
        login(client, finance)
        for path in ("/dashboard", "/account/tokens", f"/organizations/{organization.id}"):
            response = client.get(path)
            assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor"), path
        page = client.get("/account/two-factor").get_data(as_text=True)
        assert "Your role requires two-factor sign-in" in page
        api = client.get("/api/v1/me")
        assert api.status_code == 403 and api.get_json()["error"]["code"] == "two_factor_required"
        bearer = client.get("/api/v1/me", headers=auth(finance_token))
        assert bearer.status_code == 403 and bearer.get_json()["error"]["code"] == "two_factor_required"
        token = client.post("/api/v1/auth/tokens", json={"email": finance.email, "password": finance.password})
        assert token.status_code == 403 and token.get_json()["error"]["code"] == "two_factor_required"

        secret = SECRET_RE.search(page).group(1)
        assert post(client, "/account/two-factor", {"code": code(secret)}).status_code == 200
        assert client.get("/dashboard").status_code == 200
        assert client.get("/api/v1/me", headers=auth(finance_token)).status_code == 200
        refused = post(client, "/account/two-factor/disable", {"password": finance.password, "code": code(secret, 1)})
        assert refused.status_code == 403
        assert stored_user(app, finance.id).two_factor_enabled

        client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
        login(client, buyer)
        assert client.get("/dashboard").status_code == 200


def test_require_2fa_for_admin_means_platform_admins(app, client, make):
    admin = make.user(platform_admin=True)
    with config(app, REQUIRE_2FA_FOR="admin"):
        login(client, admin)
        response = client.get("/dashboard")
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor")
        assert client.get("/account/two-factor").status_code == 200
        assert client.post("/logout", data={"csrf_token": csrf_token(client, "/account/two-factor")}).status_code == 302
    with config(app, REQUIRE_2FA_FOR=""):
        login(client, admin)
        assert client.get("/dashboard").status_code == 200
