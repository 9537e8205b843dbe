"""stripe events as an inbox: the verified payload stored on receipt, applied later by `flask payments apply`

Revision ID: c17a1b2c3d04
Revises: b16e1d6f8a02
Create Date: 2026-12-08 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import app.models_base

revision = 'c17a1b2c3d04'
down_revision = 'b16e1d6f8a02'
branch_labels = None
depends_on = None

WAITING = "applied_at IS NULL"


def upgrade():
    with op.batch_alter_table('stripe_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=100), nullable=True))
        # The events recorded before the inbox were applied when they came: their bodies were not kept.
        batch_op.add_column(sa.Column('payload', sa.Text(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('applied_at', app.models_base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('next_attempt_at', app.models_base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))
        batch_op.alter_column('outcome', existing_type=sa.String(length=200), nullable=True)
    op.execute("UPDATE stripe_events SET applied_at = received_at")
    with op.batch_alter_table('stripe_events', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.Text(), server_default=None)
        batch_op.alter_column('attempts', existing_type=sa.Integer(), server_default=None)
        batch_op.create_index('ix_stripe_events_waiting', ['received_at'], unique=False,
                              postgresql_where=sa.text(WAITING), sqlite_where=sa.text(WAITING))
        batch_op.create_index('ix_stripe_events_waiting_subject', ['subject'], unique=False,
                              postgresql_where=sa.text(WAITING), sqlite_where=sa.text(WAITING))


def downgrade():
    # Events stored but not applied yet are kept as seen (Stripe will not send them again): say so in their outcome.
    op.execute("UPDATE stripe_events SET outcome = 'stored, not applied (inbox removed)' WHERE outcome IS NULL")
    with op.batch_alter_table('stripe_events', schema=None) as batch_op:
        batch_op.drop_index('ix_stripe_events_waiting_subject')
        batch_op.drop_index('ix_stripe_events_waiting')
        batch_op.alter_column('outcome', existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_column('error')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('applied_at')
        batch_op.drop_column('payload')
        batch_op.drop_column('subject')
