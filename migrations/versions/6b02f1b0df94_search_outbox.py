"""search outbox and listing search versions

Revision ID: 6b02f1b0df94
Revises: 411e7da56b46
Create Date: 2026-11-26 18:21:30.456279

"""
from alembic import op
import sqlalchemy as sa

import app.models_base


# revision identifiers, used by Alembic.
revision = '6b02f1b0df94'
down_revision = '411e7da56b46'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('doc_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('parked_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox'))
    )
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_search_outbox_due', ['parked_at', 'next_attempt_at', 'id'], unique=False)

    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_version', sa.Integer(), server_default='1', nullable=False))



def downgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_column('search_version')

    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_search_outbox_due')

    op.drop_table('search_outbox')
