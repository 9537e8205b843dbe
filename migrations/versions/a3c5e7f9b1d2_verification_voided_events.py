"""verification events: "voided", when a change of name, legal form or country undoes a verification

Revision ID: a3c5e7f9b1d2
Revises: e7b2c4d6f8a1
Create Date: 2026-12-03 10:00:00

"""
from alembic import op

revision = "a3c5e7f9b1d2"
down_revision = "e7b2c4d6f8a1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("verification_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_verification_events_kind"), type_="check")
        batch_op.create_check_constraint("kind", "kind IN ('requested', 'verified', 'rejected', 'voided')")


def downgrade():
    # The older schema has no word for a voided verification: those records go (the status they explain stays).
    op.execute("DELETE FROM verification_events WHERE kind = 'voided'")
    with op.batch_alter_table("verification_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_verification_events_kind"), type_="check")
        batch_op.create_check_constraint("kind", "kind IN ('requested', 'verified', 'rejected')")
