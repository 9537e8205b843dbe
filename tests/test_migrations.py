"""Migrations build the schema from empty, and agree with the models."""
import os
import tempfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db


@pytest.fixture
def empty_database_app():
    """An app on its own empty database (PostgreSQL when the suite runs on it, else a fresh SQLite file)."""
    url = os.environ.get("COOPEX_TEST_MIGRATIONS_URL")
    if not url or not os.environ.get("COOPEX_TEST_DATABASE_URL", "").startswith("postgresql"):
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='coopex-migrations-')) / 'empty.db'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_from_empty_matches_the_models_and_downgrades(empty_database_app):
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations disagree: {differences}"
    tables = set(inspect(db.engine).get_table_names())
    assert {"users", "organizations", "listings", "cpv_codes", "memberships", "api_tokens"} <= tables
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
