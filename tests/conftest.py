"""The app, a migrated database with reference data, per-test rollback, and factories.

The database is PostgreSQL when COOPEX_TEST_DATABASE_URL says so (make test-pg), else a SQLite file.
"""
import os
import re
import tempfile
import threading
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from sqlalchemy import MetaData, text
from werkzeug.serving import make_server

from app import create_app
from app.database import Session as AppSession
from app.extensions import db as _db
from app.extensions import limiter
from search.mappings import KINDS
from tests.mailpit import Mailbox

PASSWORD = "a-long-enough-passphrase-42"
#: Every app of this test session tags its mail and prefixes its rate-limit keys with this: two test runs sharing one
#: Mailpit and one Redis never read or reset each other's.
RUN_TAG = f"coopex-test-{uuid.uuid4().hex[:8]}"
TEST_SETTINGS = dict(
    PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
    MAIL_TAG=RUN_TAG,
    RATELIMIT_STORAGE_OPTIONS={"key_prefix": RUN_TAG},
)


def _test_database_url():
    url = os.environ.get("COOPEX_TEST_DATABASE_URL")
    if url:
        return url
    folder = Path(tempfile.mkdtemp(prefix="coopex-test-"))
    return f"sqlite:///{folder / 'test.db'}"


def _drop_everything(engine):
    metadata = MetaData()
    metadata.reflect(bind=engine)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def app():
    """The app on a database migrated from empty, with the reference data loaded."""
    os.environ["COOPEX_TEST_DATABASE_URL"] = _test_database_url()
    # Every app of this test session (servers, workers) shares one index prefix, unique to the session:
    # two test runs on one machine never delete each other's indices.
    os.environ["SEARCH_INDEX_PREFIX"] = f"coopex-test-{uuid.uuid4().hex[:8]}"
    app = create_app("testing", SERVER_NAME="coopex.test", **TEST_SETTINGS)
    with app.app_context():
        _drop_everything(_db.engine)
        upgrade()
        from app.reference.services import load_reference_data

        load_reference_data()
        _db.session.commit()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()
        engine = app.extensions["search"]
        if engine.ping():
            engine.drop_all()


class _ConnectionBoundSession(AppSession):
    """Flask-SQLAlchemy picks engines itself; in tests every session must use the test's connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind


@pytest.fixture
def db(app):
    """Each test runs inside one outer transaction that is rolled back; commits become savepoints."""
    with app.app_context():
        connection = _db.engine.connect()
        limiter.reset()
    outer = connection.begin()
    original = _db.session
    _db.session = _db._make_scoped_session(
        {
            "bind": connection,
            "class_": _ConnectionBoundSession,
            "join_transaction_mode": "create_savepoint",
            "expire_on_commit": False,
        }
    )
    try:
        yield _db
    finally:
        with app.app_context():
            _db.session.remove()
        _db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


REFERENCE_TABLES = {"cpv_codes", "countries", "sdg_goals", "alembic_version"}
#: Tables whose rows the database itself refuses to update or delete (see the audit migration).
APPEND_ONLY_TABLES = {"audit_entries"}


def _wipe_append_only(connection, table):
    """Delete the rows of a guarded table, lifting its guard inside this transaction only, as only its owner can.

    PostgreSQL: ALTER TABLE … DISABLE TRIGGER USER (the test role owns the table but is no superuser, so
    session_replication_role is not an option); it takes an exclusive lock and is undone at commit, so no other
    session sees the table unguarded. SQLite, which cannot disable a trigger: drop the triggers and create them again
    from their own SQL, in the same transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"ALTER TABLE {table.name} DISABLE TRIGGER USER"))
        connection.execute(table.delete())
        connection.execute(text(f"ALTER TABLE {table.name} ENABLE TRIGGER USER"))
        return
    triggers = connection.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"), {"table": table.name}
    ).all()
    for name, _sql in triggers:
        connection.execute(text(f'DROP TRIGGER "{name}"'))
    connection.execute(table.delete())
    for _name, sql in triggers:
        connection.execute(text(sql))


@pytest.fixture
def committed_app(app):
    """A second app on the test database whose commits are real (for threads and servers); wiped afterwards."""
    other = create_app("testing", **TEST_SETTINGS)
    with other.app_context():
        limiter.reset()  # each test's logins and requests start from zero (the counts live in the shared Redis)
    try:
        yield other
    finally:
        with other.app_context():
            _db.session.remove()
            with _db.engine.begin() as connection:
                for table in reversed(_db.metadata.sorted_tables):
                    if table.name in APPEND_ONLY_TABLES:
                        _wipe_append_only(connection, table)
                    elif table.name not in REFERENCE_TABLES:
                        connection.execute(table.delete())
            _db.engine.dispose()


@pytest.fixture
def outbox(app, db):
    """The mail this test sent, as Mailpit received it (list-like; see tests/mailpit.py)."""
    mailbox = Mailbox(app, app.config["MAILPIT_URL"], RUN_TAG)
    mailbox.clear()
    return mailbox


@pytest.fixture
def mailbox(committed_app):
    """The mail the served app (committed_app) sent, read from Mailpit."""
    return Mailbox(committed_app, committed_app.config["MAILPIT_URL"], RUN_TAG)


def at_once(calls):
    """Run the calls in threads released together (concurrency tests); returns their answers in the calls' order."""
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        answers[index] = call()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


class Factory:
    """Builds users, organisations and listings through the services, committing like a request would."""

    def __init__(self, app):
        self.app = app
        self.counter = 0

    def _next(self):
        self.counter += 1
        return self.counter

    def user(self, email=None, name="Test Person", password=PASSWORD, platform_admin=False, verified=True):
        from app.accounts.services import create_user

        with self.app.app_context():
            user = create_user(email or f"person{self._next()}@example.coop", password, name,
                               is_platform_admin=platform_admin, verified=verified)
            _db.session.commit()
            return SimpleNamespace(id=user.id, email=user.email, password=password)

    def organization(self, owner=None, role="admin", **fields):
        from app.accounts.models import Membership
        from app.orgs.services import create_organization

        values = dict(name=f"Test Co-operative {self._next()}", legal_form="cooperative", size="small",
                      country="GB", sector="agriculture")
        verified = fields.pop("verified", False)
        values.update(fields)
        with self.app.app_context():
            organization = create_organization(**values)
            if verified:
                organization.verification_status = "verified"
            if owner is not None:
                _db.session.add(Membership(user_id=owner.id, organization=organization, role=role))
            _db.session.commit()
            return SimpleNamespace(id=organization.id, name=organization.name)

    def member(self, organization, role="admin", user=None):
        from app.accounts.models import Membership

        user = user or self.user()
        with self.app.app_context():
            _db.session.add(Membership(user_id=user.id, organization_id=organization.id, role=role))
            _db.session.commit()
        return user

    def token(self, user):
        from app.accounts.models import User
        from app.accounts.services import issue_token

        with self.app.app_context():
            _token, secret = issue_token(_db.session.get(User, user.id))
            _db.session.commit()
            return secret

    def headers_of(self, who, organization, auth):
        """Request headers of `who`: 'anonymous', 'other_organisation_admin', or '<role>_member' of the organisation."""
        if who == "anonymous":
            return {}
        if who == "other_organisation_admin":
            outsider = self.user()
            self.organization(outsider)
            return auth(self.token(outsider))
        return auth(self.token(self.member(organization, role=who.removesuffix("_member"))))

    def listing(self, organization, **fields):
        from app.catalog.services import create_listing
        from app.money import Money
        from app.orgs.models import Organization

        values = dict(title="Arabica coffee beans, washed", description="Green coffee from our members.",
                      cpv_code="03131100", price=Money(1250, "EUR"), status="active")
        values.update(fields)
        with self.app.app_context():
            listing = create_listing(_db.session.get(Organization, organization.id), values)
            _db.session.commit()
            return SimpleNamespace(id=listing.id, title=listing.title)


@pytest.fixture
def make(app, db):
    return Factory(app)


class SearchHelper:
    """The real OpenSearch node behind the test app, with a fresh listings index for each test."""

    def __init__(self, app):
        self.app = app

    @property
    def engine(self):
        return self.app.extensions["search"]

    def document(self, kind, doc_id):
        """A document as the index holds it."""
        return self.engine.client.get(index=self.engine.alias(kind), id=str(doc_id))["_source"]

    def sync(self):
        """Drain the outbox as the worker would; returns the DrainResult."""
        from app.indexing.sync import drain_all

        with self.app.app_context():
            return drain_all()

    def outbox(self, kind="listings"):
        """Outbox rows of one kind of document."""
        from sqlalchemy import select

        from app.indexing.models import SearchOutbox

        with self.app.app_context():
            return list(_db.session.scalars(select(SearchOutbox).where(SearchOutbox.kind == kind).order_by(SearchOutbox.id)))


@pytest.fixture
def search(app, db):
    """A fresh listings index (no documents, no version tombstones) and sync after every request, as in development."""
    helper = SearchHelper(app)
    engine = helper.engine
    assert engine.ping(), f"OpenSearch is not answering at {app.config['SEARCH_URL']}: run `make services`"
    engine.drop_all()
    for kind in KINDS:
        engine.ensure_index(kind)
    app.config["SEARCH_SYNC_ON_COMMIT"] = True
    try:
        yield helper
    finally:
        app.config["SEARCH_SYNC_ON_COMMIT"] = False


@pytest.fixture
def auth():
    """Headers for an API token."""
    return lambda secret: {"Authorization": f"Bearer {secret}"}


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def buffered(app):
    """The app with each response body read whole and closed before it is sent.

    When Chromium drops a connection mid-response (a navigation cancels the static files still loading), Werkzeug's
    development server stops writing without closing the response iterator, and the open static file surfaces later as
    an unraisable ResourceWarning in whichever test runs then. Bodies read whole are closed whatever the browser does.
    """
    def serve(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()
    return serve


@pytest.fixture
def live_server(committed_app):
    """The app served by a real HTTP server in a thread."""
    server = make_server("127.0.0.1", 0, buffered(committed_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def site(committed_app):
    """One record of each kind a page shows, committed, for tests that open every kind of page (tests/browsing.py)."""
    from tests.browsing import seed_site

    return seed_site(committed_app)


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, url):
    """The CSRF token of the form on the page at `url`, as a browser would read it."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(page) or re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return next(group for group in match.groups() if group)


def login(client, user):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": user.password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def pytest_sessionfinish(session, exitstatus):
    """A skipped or xfailed test is a failure here: nothing may pass by not running."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or exitstatus != 0:
        return
    if any(reporter.stats.get(kind) for kind in ("skipped", "xfailed", "xpassed")):
        session.exitstatus = 1
