"""moderation: suspension of organisations and users (when, why, by whom)

Revision ID: e7b2c4d6f8a1
Revises: f1a2b3c4d5e6
Create Date: 2026-12-02 23:00:00

"""
import sqlalchemy as sa
from alembic import op

import app.models_base

revision = "e7b2c4d6f8a1"
down_revision = "f1a2b3c4d5e6"
branch_labels = None
depends_on = None

TABLES = ("organizations", "users")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("suspended_at", app.models_base.UTCDateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column("suspension_reason", sa.String(length=500), nullable=True))
            batch_op.add_column(sa.Column("suspended_by_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_suspended_by_id_users"), "users", ["suspended_by_id"], ["id"],
                                        ondelete="SET NULL")


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_suspended_by_id_users"), type_="foreignkey")
            batch_op.drop_column("suspended_by_id")
            batch_op.drop_column("suspension_reason")
            batch_op.drop_column("suspended_at")
