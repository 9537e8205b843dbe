"""Configuration is read when the app is built, and production refuses to start without real secrets."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import DevelopmentConfig, ProductionConfig, load_config

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "SECRET_KEY": "k" * 40,
    "DATABASE_URL": "postgresql://coopex@db/coopex",
    "SEARCH_URL": "https://search.internal:9200",
    "STRIPE_SECRET_KEY": "sk_live_real",
    "STRIPE_WEBHOOK_SECRET": "whsec_real",
    "SERVER_NAME": "coopex.coop",
    "MAIL_SERVER": "smtp.coopex.coop",
    "RATELIMIT_STORAGE_URI": "redis://cache.internal:6379/0",
    "PROXY_FIX_HOPS": "1",
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


@pytest.mark.parametrize(("setting", "value"), [
    ("STRIPE_SECRET_KEY", "sk_test_123"),
    ("STRIPE_SECRET_KEY", "sk_test_51Hx9realLookingTestKey"),
    ("STRIPE_SECRET_KEY", "rk_test_restricted"),
    ("STRIPE_WEBHOOK_SECRET", "whsec_dev"),
    ("PROXY_FIX_HOPS", ""),
    ("PROXY_FIX_HOPS", "two"),
])
def test_production_refuses_a_default_or_test_setting(setting, value):
    with pytest.raises(RuntimeError, match=setting):
        load_config("production", {**PRODUCTION, setting: value})


def test_production_takes_zero_proxies_when_it_is_said():
    config = load_config("production", {**PRODUCTION, "PROXY_FIX_HOPS": "0"})
    assert config.PROXY_FIX_HOPS == 0 and config.HSTS_SECONDS >= 180 * 24 * 3600


def test_without_coopex_config_the_app_is_production_and_refuses_the_development_secrets():
    with pytest.raises(RuntimeError, match="Production needs"):
        load_config(environ={})
    with pytest.raises(RuntimeError, match="Production needs"):
        load_config(environ={"COOPEX_CONFIG": ""})
    assert isinstance(load_config(environ=PRODUCTION), ProductionConfig)


def test_gunicorn_with_an_empty_environment_refuses_to_serve():
    """`gunicorn wsgi:app` run with nothing set stops with the configuration error: never a debug site with a
    published secret."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                              cwd=ROOT, env={"PATH": os.environ["PATH"]}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while server.poll() is None and time.monotonic() < deadline:
            # gunicorn listens before its worker loads the app: a connection may be taken, but no answer may come.
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                    connection.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
                    connection.settimeout(2)
                    assert connection.recv(64) == b"", "gunicorn served a request without a configuration"
            except OSError:
                pass
            time.sleep(0.2)
        assert server.poll() is not None, "gunicorn still runs without a configuration"
        stderr = server.stderr.read()
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=20)
        server.stderr.close()
    assert server.returncode != 0
    assert "Production needs these settings" in stderr and "SECRET_KEY" in stderr


def test_development_defaults_to_a_sqlite_file_under_var():
    config = load_config("development", {})
    assert isinstance(config, DevelopmentConfig) and config.DEBUG is True
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///") and "/var/" in config.SQLALCHEMY_DATABASE_URI


def test_unknown_config_name_is_refused():
    with pytest.raises(RuntimeError, match="COOPEX_CONFIG"):
        load_config(environ={"COOPEX_CONFIG": "staging"})


def test_production_keeps_a_replica_of_each_shard_unless_told_otherwise():
    assert load_config("production", PRODUCTION).SEARCH_REPLICAS == 1
    assert load_config("production", {**PRODUCTION, "SEARCH_REPLICAS": "0"}).SEARCH_REPLICAS == 0
    assert load_config("development", {}).SEARCH_REPLICAS == 0
