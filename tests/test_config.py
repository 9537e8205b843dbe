"""Configuration is read when the app is built, and production refuses to start without real secrets."""
import pytest

from config import DevelopmentConfig, load_config

PRODUCTION = {
    "SECRET_KEY": "k" * 40,
    "DATABASE_URL": "postgresql://coopex@db/coopex",
    "SEARCH_URL": "https://search.internal:9200",
    "STRIPE_SECRET_KEY": "sk_live_real",
    "STRIPE_WEBHOOK_SECRET": "whsec_real",
    "SERVER_NAME": "coopex.coop",
    "MAIL_SERVER": "smtp.coopex.coop",
    "RATELIMIT_STORAGE_URI": "redis://cache.internal:6379/0",
}


def test_production_starts_with_every_secret():
    config = load_config("production", PRODUCTION)
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://coopex@db/coopex"
    assert config.SESSION_COOKIE_SECURE is True
    assert config.MAIL_DELIVER_AFTER_REQUEST is False and (config.MAIL_PORT, config.MAIL_USE_TLS) == (587, True)


def test_production_refuses_rate_limits_counted_per_process():
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        load_config("production", {**PRODUCTION, "RATELIMIT_STORAGE_URI": "memory://"})


@pytest.mark.parametrize("missing", sorted(PRODUCTION))
def test_production_refuses_to_start_without_a_setting(missing):
    environ = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(RuntimeError, match=missing):
        load_config("production", environ)


@pytest.mark.parametrize("secret", ["dev-only-not-secret", "short"])
def test_production_refuses_a_weak_secret_key(secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config("production", {**PRODUCTION, "SECRET_KEY": secret})


def test_development_defaults_to_a_sqlite_file_under_var():
    config = load_config(environ={})
    assert isinstance(config, DevelopmentConfig)
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///") and "/var/" in config.SQLALCHEMY_DATABASE_URI


def test_unknown_config_name_is_refused():
    with pytest.raises(RuntimeError, match="COOPEX_CONFIG"):
        load_config(environ={"COOPEX_CONFIG": "staging"})
