"""Engine set-up that SQLAlchemy's defaults get wrong for us, and the session whose commit a request may hold."""
import contextlib
from pathlib import Path

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event

_HELD = "commit_held"


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, whose commit can be held (`holding_commit`): the handler's one commit then only
    flushes, and whoever holds it commits later, with more in the same transaction (app.idempotency keeps the answer)."""

    def commit(self):
        if not self.info.get(_HELD):
            super().commit()
            return
        self.flush()
        if self.expire_on_commit:
            self.expire_all()  # as after a real commit: what the handler reads next comes from the database


@contextlib.contextmanager
def holding_commit(session):
    """Within the block, `session.commit()` flushes (and expires, as a commit would) but does not commit."""
    session.info[_HELD] = True
    try:
        yield
    finally:
        session.info.pop(_HELD, None)


def engine_options(app):
    """On PostgreSQL, sessions in UTC: timestamps come back with datetime.timezone.utc (psycopg's fast path) and every
    date the database computes (date_trunc of a month, now()) is a UTC one, as the app's are."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"options": "-c timezone=UTC", **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def configure_engines(app):
    """On SQLite: enforce foreign keys, let SQLAlchemy manage transactions (needed for SAVEPOINT), and start each
    transaction as a writer."""
    from app.extensions import db

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection):
            # IMMEDIATE: a transaction takes the write lock when it starts, waiting (busy_timeout) for another writer.
            # A deferred one that reads, then writes after another connection committed, fails at once instead
            # (SQLITE_BUSY_SNAPSHOT in WAL mode): two webhooks or two settling runs at the same time would.
            connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextlib.contextmanager
def one_statement():
    """A connection for a request whose one write is a single Core statement (Stripe's webhook), committed by the time
    the block ends, without the ORM session (not even made). On PostgreSQL the statement is its own transaction
    (autocommit: no BEGIN and COMMIT round trips); elsewhere the block is a transaction, committed when it ends. When
    sessions are bound to a connection (the tests' outer transaction), the block writes in the session's transaction
    and commits it."""
    from app.extensions import db

    if db.session.session_factory.kw.get("bind") is not None:
        yield db.session.connection()
        db.session.commit()
    elif db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection
    else:
        with db.engine.begin() as connection:
            yield connection


def upsert(model):
    """INSERT for `model` that can take ON CONFLICT DO UPDATE / NOTHING, on PostgreSQL and on SQLite."""
    from sqlalchemy.dialects import postgresql, sqlite

    from app.extensions import db

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def lock(obj):
    """Lock the object's row until the transaction ends (SELECT … FOR UPDATE on its table alone; SQLite's transactions
    are writers from their start) and read it again: a decision taken after this sees every earlier one."""
    from sqlalchemy import inspect, select

    from app.extensions import db

    mapper = inspect(obj).mapper
    (key,) = mapper.primary_key
    db.session.execute(select(key).where(key == getattr(obj, key.key)).with_for_update())
    db.session.refresh(obj)
    return obj


def insert_many(table, rows, session=None):
    """INSERT many rows (dicts with the same keys) into `table` in the transaction of `session` (the app's by
    default): one COPY on PostgreSQL (an executemany there is a statement per row), an executemany elsewhere. Scalar
    defaults of the columns left out are filled in; JSON values are written as JSON text."""
    import json

    from psycopg import sql
    from sqlalchemy import JSON

    from app.extensions import db

    if not rows:
        return
    connection = (session or db.session).connection()
    defaults = {column.name: column.default.arg for column in table.c
                if column.name not in rows[0] and column.default is not None and column.default.is_scalar}
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), [{**defaults, **row} for row in rows])
        return
    names = [*rows[0], *defaults]
    as_json = [isinstance(table.c[name].type, JSON) for name in names]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table.name),
                                                          sql.SQL(", ").join(map(sql.Identifier, names)))
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [row[name] if name in row else defaults[name] for name in names]
            copy.write_row([json.dumps(value) if is_json and value is not None else value
                            for value, is_json in zip(values, as_json, strict=True)])
