"""Password rules: hard to guess (zxcvbn), and hashes redone with the configured method at the next log-in."""
import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import User
from app.accounts.passwords import guessability_problems, hash_method, needs_rehash
from app.demo.seed import DEMO_PASSWORD
from tests.conftest import PASSWORD, csrf_token, login


@pytest.mark.parametrize(
    "method, full",
    [
        ("scrypt", "scrypt:32768:8:1"),
        ("scrypt:131072:8:1", "scrypt:131072:8:1"),
        ("pbkdf2", "pbkdf2:sha256:1000000"),
        ("pbkdf2:sha512", "pbkdf2:sha512:1000000"),
        ("pbkdf2:sha256:1000", "pbkdf2:sha256:1000"),
    ],
)
def test_hash_method_fills_in_werkzeugs_defaults(method, full):
    assert hash_method(method) == full


@pytest.mark.parametrize("method", ["scrypt", "scrypt:1024:8:1", "pbkdf2:sha256:1000", "pbkdf2:sha512:2000"])
def test_hash_method_is_what_werkzeug_writes_before_the_salt(method):
    assert generate_password_hash("x", method=method).startswith(hash_method(method) + "$")


@pytest.mark.parametrize(
    "stored, configured, expected",
    [
        ("scrypt:131072:8:1$salt$hash", "scrypt:131072:8:1", False),
        ("scrypt:32768:8:1$salt$hash", "scrypt:131072:8:1", True),
        ("scrypt:32768:8:1$salt$hash", "scrypt", False),
        ("pbkdf2:sha256:600000$salt$hash", "scrypt:131072:8:1", True),
        ("pbkdf2:sha256:1000$salt$hash", "pbkdf2:sha256:1000", False),
        ("pbkdf2:sha256:1000$salt$hash", "pbkdf2:sha256:2000", True),
        ("pbkdf2:sha256:1000000$salt$hash", "pbkdf2", False),
        ("pbkdf2:sha1:1000000$salt$hash", "pbkdf2", True),
        ("not a werkzeug hash", "scrypt", True),
        ("", "scrypt", True),
    ],
)
def test_needs_rehash_compares_method_and_parameters(stored, configured, expected):
    assert needs_rehash(stored, configured) is expected


@pytest.mark.parametrize("password", [PASSWORD, DEMO_PASSWORD, "sourdough-every-morning", "wholefoods-since-1977"])
def test_the_passwords_of_tests_demo_and_readme_are_hard_enough(password):
    assert guessability_problems(password, ["person1@example.coop", "Test Person"]) == []


def test_common_and_repetitive_passwords_are_refused_with_zxcvbns_feedback():
    assert "This is similar to a commonly used password." in guessability_problems("qwertyuiop1234")
    assert 'Repeats like "aaa" are easy to guess.' in guessability_problems("aaaaaaaaaaaaaaaa")


def test_words_of_the_person_make_a_password_weak_for_them():
    person = ("marguerite.dupont@fermes.coop", "Marguerite Dupont")
    assert guessability_problems("fermesmarguerite") == []
    assert guessability_problems("fermesmarguerite", person) == ["Add another word or two. Uncommon words are better."]


def test_very_long_passwords_are_judged_without_error():
    assert guessability_problems("correct horse battery staple " * 7) == []


def test_the_default_hash_method_is_scrypt_with_n_2_to_the_17(monkeypatch):
    from config import load_config

    monkeypatch.delenv("PASSWORD_HASH_METHOD", raising=False)
    assert load_config("development", {}).PASSWORD_HASH_METHOD == "scrypt:131072:8:1"


def test_signup_shows_zxcvbns_feedback_at_the_password_field(client):
    data = {"name": "Jo Baker", "email": "jo@bakery.coop", "password": "qwertyuiop1234",
            "organization_name": "Unicorn Grocery", "organization_legal_form": "cooperative",
            "organization_size": "small", "organization_country": "GB", "organization_sector": "consumer",
            "csrf_token": csrf_token(client, "/signup")}
    response = client.post("/signup", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This is similar to a commonly used password." in page
    assert "Add another word or two. Uncommon words are better." in page


def test_register_api_refuses_a_guessable_password_at_the_field(client):
    response = client.post("/api/v1/auth/register", json={
        "email": "marguerite.dupont@fermes.coop", "password": "fermesmarguerite", "name": "Marguerite Dupont",
        "organization": {"name": "Fermes Dupont", "legal_form": "cooperative", "size": "small", "country": "FR",
                         "sector": "agriculture"}})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["password"] == ["Add another word or two. Uncommon words are better."]


def _stored_hash(app, user_id):
    from app.extensions import db

    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.id == user_id))


@pytest.mark.parametrize("new_method", ["pbkdf2:sha256:2000", "scrypt:1024:8:1"])
def test_an_older_hash_is_redone_with_the_configured_method_at_login(app, client, make, new_method):
    user = make.user()
    old_hash = _stored_hash(app, user.id)
    assert old_hash.startswith("pbkdf2:sha256:1000$")
    original = app.config["PASSWORD_HASH_METHOD"]
    app.config["PASSWORD_HASH_METHOD"] = new_method
    try:
        login(client, user)
    finally:
        app.config["PASSWORD_HASH_METHOD"] = original
    new_hash = _stored_hash(app, user.id)
    assert new_hash.startswith(new_method + "$")
    assert check_password_hash(new_hash, user.password)


def test_a_wrong_password_leaves_the_hash_alone_and_a_current_one_is_kept(app, client, make):
    user = make.user()
    old_hash = _stored_hash(app, user.id)
    original = app.config["PASSWORD_HASH_METHOD"]
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:2000"
    try:
        response = client.post("/login", data={"email": user.email, "password": "not-the-password-at-all",
                                               "csrf_token": csrf_token(client, "/login")})
        assert response.status_code == 401
        assert _stored_hash(app, user.id) == old_hash
    finally:
        app.config["PASSWORD_HASH_METHOD"] = original
    login(client, user)
    assert _stored_hash(app, user.id) == old_hash


def test_token_creation_also_redoes_an_older_hash(app, client, make):
    user = make.user()
    original = app.config["PASSWORD_HASH_METHOD"]
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:2000"
    try:
        response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": user.password})
    finally:
        app.config["PASSWORD_HASH_METHOD"] = original
    assert response.status_code == 201
    assert _stored_hash(app, user.id).startswith("pbkdf2:sha256:2000$")
