"""audit trail (append-only audit_entries, guarded by triggers) and revocable invitations

Revision ID: f1a2b3c4d5e6
Revises: e7f8a9b0c1d2
Create Date: 2026-11-27 10:00:00

The audit trail stores the actor's and the organisation's ids without foreign keys: a foreign key with ON DELETE SET NULL
would be an UPDATE of the entry (which the guard refuses), and one with NO ACTION would forbid deleting a user or an
organisation once it appears in the trail. The guard: on PostgreSQL a trigger function refuses UPDATE and DELETE of a
row and TRUNCATE of the table; on SQLite BEFORE UPDATE / BEFORE DELETE triggers abort. Only the table's owner can lift
it (ALTER TABLE … DISABLE TRIGGER, or dropping the triggers), so production should run the app as a role that does
not own the table.
"""
import sqlalchemy as sa
from alembic import op

import app.models_base

revision = "f1a2b3c4d5e6"
down_revision = "e7f8a9b0c1d2"
branch_labels = None
depends_on = None

POSTGRESQL_GUARD = [
    """
    CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()
    """,
    """
    CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()
    """,
]
SQLITE_GUARD = [
    """
    CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only: DELETE refused'); END
    """,
]


def upgrade():
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", app.models_base.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", app.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_organization_id_id", ["organization_id", "id"], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_GUARD if dialect == "postgresql" else SQLITE_GUARD if dialect == "sqlite" else []:
        op.execute(statement)


def downgrade():
    op.drop_table("audit_entries")  # its triggers go with it; dropping a table fires no DELETE trigger
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_entries_append_only()")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
