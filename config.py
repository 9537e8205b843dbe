"""Configuration classes. Values come from the environment when the app is created, never at import."""
import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = BASE_DIR / "var"

_DEV_SECRET = "dev-only-not-secret"
_DEV_WEBHOOK_SECRET = "whsec_dev"


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None
    BOOTSTRAP_SERVE_LOCAL = True
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("en", "fr", "es")
    RATELIMIT_HEADERS_ENABLED = True
    PASSWORD_MIN_LENGTH = 12
    #: How long the second step of a log-in (the code) may wait after the password, in seconds.
    TWO_FACTOR_LOGIN_TTL = 300
    INVITATION_TTL_DAYS = 14

    # Sessions end after 12 hours without a request (the signed cookie's age is checked by the server, and renewed
    # by each request); "keep me signed in" lasts 30 days and ends with "log out everywhere" or a password change.
    PERMANENT_SESSION_LIFETIME = dt.timedelta(hours=12)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = dt.timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: Sensitive actions (new API token, roles, removals, refunds, disbursements, verification decisions) ask for the
    #: password again when the last sign-in is older than this.
    RECENT_LOGIN_SECONDS = 15 * 60
    EMAIL_VERIFICATION_TTL_HOURS = 48
    PASSWORD_RESET_TTL_MINUTES = 60
    API_TOKEN_DEFAULT_DAYS = 90
    API_TOKEN_MAX_DAYS = 365
    #: An Idempotency-Key is kept (and its answer given again) this long, then forgotten (`flask api forget-keys`).
    IDEMPOTENCY_KEY_HOURS = 24
    #: How long a request waits for another one with the same key to finish before it is answered 409 (PostgreSQL).
    IDEMPOTENCY_WAIT_SECONDS = 10

    API_TITLE = "Coopex API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    #: Every operation takes a bearer token unless it says otherwise (app.accounts.auth.allows_anonymous).
    API_SPEC_OPTIONS = {"security": [{"bearerAuth": []}]}

    #: No request body may be larger (the biggest upload, a 5 MB receipt, fits with its form); the Stripe webhook takes
    #: far less (app.payments.webhooks). A larger body is answered 413 before it is read.
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    #: Strict-Transport-Security on every answer (production only: development is served over plain HTTP).
    HSTS_SECONDS = 0

    def __init__(self, environ=None):
        env = os.environ if environ is None else environ
        self.SECRET_KEY = env.get("SECRET_KEY", _DEV_SECRET)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            env.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / f'coopex-{self.ENV_NAME}.db'}"
        )
        #: One node, or a cluster's nodes separated by commas (search.client: a lost node's requests go to the next).
        self.SEARCH_URL = env.get("SEARCH_URL", "http://127.0.0.1:9200")
        self.SEARCH_USER = env.get("SEARCH_USER") or None
        self.SEARCH_PASSWORD = env.get("SEARCH_PASSWORD") or None
        self.SEARCH_CA_CERTS = env.get("SEARCH_CA_CERTS") or None
        self.SEARCH_INDEX_PREFIX = env.get("SEARCH_INDEX_PREFIX", f"coopex-{self.ENV_NAME}")
        self.SEARCH_TIMEOUT = float(env.get("SEARCH_TIMEOUT", "5"))
        self.SEARCH_BULK_TIMEOUT = float(env.get("SEARCH_BULK_TIMEOUT", "60"))
        self.SEARCH_COOPERATIVE_BOOST = float(env.get("SEARCH_COOPERATIVE_BOOST", "0.5"))
        self.SEARCH_REPLICAS = int(env.get("SEARCH_REPLICAS", "0"))
        #: The prefix of every OCDS contracting process id (register a real one with the Open Contracting Partnership).
        self.OCDS_OCID_PREFIX = env.get("OCDS_OCID_PREFIX", "ocds-coopex")
        self.STRIPE_SECRET_KEY = env.get("STRIPE_SECRET_KEY", "sk_test_123")
        self.STRIPE_WEBHOOK_SECRET = env.get("STRIPE_WEBHOOK_SECRET", _DEV_WEBHOOK_SECRET)
        self.STRIPE_API_BASE = env.get("STRIPE_API_BASE", "http://127.0.0.1:12111")
        #: How old a webhook's signature may be, in seconds (Stripe's own default).
        self.STRIPE_WEBHOOK_TOLERANCE = int(env.get("STRIPE_WEBHOOK_TOLERANCE", "300"))
        #: Where expense receipts are kept: outside the static folder, served only through the app.
        self.RECEIPTS_DIR = env.get("RECEIPTS_DIR", str(VAR_DIR / f"receipts-{self.ENV_NAME}"))
        #: Where files attached to messages are kept, likewise.
        self.ATTACHMENTS_DIR = env.get("ATTACHMENTS_DIR", str(VAR_DIR / f"attachments-{self.ENV_NAME}"))
        #: Where tenders' documents and bids' files are kept, likewise.
        self.TENDER_FILES_DIR = env.get("TENDER_FILES_DIR", str(VAR_DIR / f"tender-files-{self.ENV_NAME}"))
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        #: Prefix of the rate-limit keys, so that several sites (or test runs) can share one Redis.
        self.RATELIMIT_KEY_PREFIX = env.get("RATELIMIT_KEY_PREFIX", "coopex")
        self.LOGIN_RATE_LIMIT = env.get("LOGIN_RATE_LIMIT", "10 per minute")
        self.SIGNUP_RATE_LIMIT = env.get("SIGNUP_RATE_LIMIT", "20 per hour")
        #: Mails with a link (resend verification, forgot password), per client address and per account.
        self.MAIL_LINK_RATE_LIMIT = env.get("MAIL_LINK_RATE_LIMIT", "5 per hour")
        #: werkzeug's method for new password hashes; older hashes are redone at the next successful login.
        self.PASSWORD_HASH_METHOD = env.get("PASSWORD_HASH_METHOD", "scrypt:131072:8:1")
        #: Who must sign in with a second factor: "admin" (platform admins), "finance" (members with that role).
        self.REQUIRE_2FA_FOR = env.get("REQUIRE_2FA_FOR", "")
        #: How many new conversations an organisation may start in an hour (against unsolicited mass messages).
        self.TRADE_NEW_CONVERSATIONS_PER_HOUR = int(env.get("TRADE_NEW_CONVERSATIONS_PER_HOUR", "30"))
        self.DONATION_RATE_LIMIT = env.get("DONATION_RATE_LIMIT", "30 per minute")
        #: The site's address in links that mail sent outside a request carries (used when SERVER_NAME is not set).
        self.PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
        self.MAIL_SENDER = env.get("MAIL_SENDER", "Coopex <no-reply@coopex.example>")
        # Development and tests deliver to the local Mailpit (scripts/mailpit.sh); production names its relay.
        self.MAIL_SERVER = env.get("MAIL_SERVER", "127.0.0.1")
        self.MAIL_PORT = int(env.get("MAIL_PORT", "1025"))
        self.MAIL_USE_TLS = env.get("MAIL_USE_TLS", "false").lower() in ("1", "true", "yes")
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_MESSAGE_ID_DOMAIN = env.get("MAIL_MESSAGE_ID_DOMAIN") or None
        #: Tests tag their mail so that they read only their own from a shared Mailpit.
        self.MAIL_TAG = env.get("MAIL_TAG") or None
        #: At most this many messages per minute to one recipient domain (0: no limit); the rest wait their turn.
        self.MAIL_PER_DOMAIN_PER_MINUTE = int(env.get("MAIL_PER_DOMAIN_PER_MINUTE", "600"))
        #: Where Mailpit's web inbox and API answer (development and tests).
        self.MAILPIT_URL = env.get("MAILPIT_URL", "http://127.0.0.1:8025")
        self.SERVER_NAME = env.get("SERVER_NAME") or None
        self.PREFERRED_URL_SCHEME = env.get("PREFERRED_URL_SCHEME", "http")
        self.PROXY_FIX_HOPS = int(env.get("PROXY_FIX_HOPS", "0"))
        #: Payers go to the app's own test Checkout page (app.payments.local_checkout): development against stripe-mock.
        self.LOCAL_CHECKOUT = False


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True
    SEARCH_SYNC_ON_COMMIT = True
    SEARCH_REFRESH = "wait_for"
    MAIL_DELIVER_AFTER_REQUEST = True
    PAYMENTS_APPLY_AT_ONCE = True

    def __init__(self, environ=None):
        super().__init__(environ)
        env = os.environ if environ is None else environ
        # stripe-mock's Checkout address is a dead end: with Stripe faked on this machine, pay on the app's own page.
        self.LOCAL_CHECKOUT = is_loopback(self.STRIPE_API_BASE) and env.get("LOCAL_CHECKOUT", "true").lower() in ("1", "true", "yes")


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = True
    SEARCH_SYNC_ON_COMMIT = False  # switched on by the search tests
    SEARCH_REFRESH = True
    MAIL_DELIVER_AFTER_REQUEST = True
    PAYMENTS_APPLY_AT_ONCE = True  # switched off by the tests of the worker

    def __init__(self, environ=None):
        super().__init__(environ)
        env = os.environ if environ is None else environ
        # Rate limits are counted in the Redis that `make services` starts (scripts/redis.sh), as in production.
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6380/0")
        if env.get("COOPEX_TEST_DATABASE_URL"):
            self.SQLALCHEMY_DATABASE_URI = normalise_database_url(env["COOPEX_TEST_DATABASE_URL"])


class ProductionConfig(Config):
    ENV_NAME = "production"
    SEARCH_SYNC_ON_COMMIT = False  # the `flask search sync --watch` worker delivers changes
    MAIL_DELIVER_AFTER_REQUEST = False  # the `flask mail deliver --watch` worker sends mail
    PAYMENTS_APPLY_AT_ONCE = False  # the `flask payments apply --watch` worker applies Stripe's events
    SEARCH_REFRESH = False
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = 365 * 24 * 3600

    #: Settings production never guesses. PROXY_FIX_HOPS may be "0" (no proxy), but it must be said: a wrong guess
    #: either trusts forged X-Forwarded-For headers or counts every client as the proxy in the rate limits.
    REQUIRED = ("SECRET_KEY", "DATABASE_URL", "SEARCH_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
                "SERVER_NAME", "MAIL_SERVER", "RATELIMIT_STORAGE_URI", "PROXY_FIX_HOPS")

    def __init__(self, environ=None):
        env = os.environ if environ is None else environ
        missing = [name for name in self.REQUIRED if not env.get(name, "").strip()]
        if missing:
            raise RuntimeError(f"Production needs these settings: {', '.join(missing)}")
        if env["SECRET_KEY"] == _DEV_SECRET or len(env["SECRET_KEY"]) < 32:
            raise RuntimeError("Production needs a real SECRET_KEY (32 characters or more).")
        if env["STRIPE_SECRET_KEY"].startswith(("sk_test_", "rk_test_")):
            raise RuntimeError("Production needs a live STRIPE_SECRET_KEY, not a test key (sk_test_…).")
        if env["STRIPE_WEBHOOK_SECRET"] == _DEV_WEBHOOK_SECRET:
            # Published in this repository: anyone could sign "paid" events.
            raise RuntimeError("Production needs the STRIPE_WEBHOOK_SECRET of its Stripe endpoint, not whsec_dev.")
        if env.get("LOCAL_CHECKOUT", "").lower() in ("1", "true", "yes"):
            raise RuntimeError("Production takes payments on Stripe's Checkout: LOCAL_CHECKOUT is for development only.")
        if env["RATELIMIT_STORAGE_URI"].startswith("memory://"):
            # Each worker would count on its own: two workers allow twice the password guesses.
            raise RuntimeError("Production needs a shared RATELIMIT_STORAGE_URI (redis://…), not memory://.")
        if not env["PROXY_FIX_HOPS"].strip().isdecimal():
            raise RuntimeError("Production needs PROXY_FIX_HOPS as a number of trusted proxies (0 for none).")
        super().__init__(env)
        self.PREFERRED_URL_SCHEME = env.get("PREFERRED_URL_SCHEME", "https")
        # Stripe itself, unless told otherwise (stripe-mock is for development and tests).
        self.STRIPE_API_BASE = env.get("STRIPE_API_BASE") or None
        # A production cluster keeps a copy of each shard on a second node, so it answers while it loses one.
        self.SEARCH_REPLICAS = int(env.get("SEARCH_REPLICAS", "1"))
        self.MAIL_PORT = int(env.get("MAIL_PORT", "587"))
        self.MAIL_USE_TLS = env.get("MAIL_USE_TLS", "true").lower() in ("1", "true", "yes")
        self.REQUIRE_2FA_FOR = env.get("REQUIRE_2FA_FOR", "admin,finance")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def is_loopback(url):
    """True if `url` points at this machine (stripe-mock in development), never at Stripe or another host."""
    host = urlsplit(url or "").hostname or ""
    return host == "localhost" or host == "::1" or host.startswith("127.")


def normalise_database_url(url):
    """Use the psycopg 3 driver for PostgreSQL URLs given without one."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config(name=None, environ=None):
    """Build the config object named by `name` or COOPEX_CONFIG (default: production, which refuses to start without
    real secrets: `make run` asks for development, the tests for testing)."""
    env = os.environ if environ is None else environ
    name = name or env.get("COOPEX_CONFIG") or "production"
    try:
        config_class = CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown COOPEX_CONFIG {name!r}; use one of {', '.join(CONFIGS)}") from None
    return config_class(env)
