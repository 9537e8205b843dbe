"""indexes for the campaign page: latest paid donations, ledger totals and spending per budget line

Revision ID: d4e5f6a7b8c9
Revises: c12e505778b4
Create Date: 2026-11-26 23:20:00

"""
from alembic import op

revision = "d4e5f6a7b8c9"
down_revision = "c12e505778b4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("donations", schema=None) as batch_op:
        batch_op.drop_index("ix_donations_campaign_status")
        batch_op.create_index("ix_donations_campaign_status_paid", ["campaign_id", "status", "paid_at", "id"], unique=False)
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_entries_campaign_kind", ["campaign_id", "kind", "budget_line_id"], unique=False,
                              postgresql_include=["amount_minor"])


def downgrade():
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entries_campaign_kind")
    with op.batch_alter_table("donations", schema=None) as batch_op:
        batch_op.drop_index("ix_donations_campaign_status_paid")
        batch_op.create_index("ix_donations_campaign_status", ["campaign_id", "status"], unique=False)
