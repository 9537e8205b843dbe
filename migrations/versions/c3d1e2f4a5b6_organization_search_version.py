"""organisations in search: their search version, and every organisation queued for the new index

Revision ID: c3d1e2f4a5b6
Revises: 6b02f1b0df94
Create Date: 2026-11-26 21:05:00

"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

import app.models_base

revision = 'c3d1e2f4a5b6'
down_revision = '6b02f1b0df94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_version', sa.Integer(), server_default='1', nullable=False))
    organizations = sa.table('organizations', sa.column('id', sa.Integer()))
    outbox = sa.table('search_outbox', sa.column('kind', sa.String()), sa.column('doc_id', sa.Integer()),
                      sa.column('created_at', app.models_base.UTCDateTime(timezone=True)), sa.column('attempts', sa.Integer()))
    now = sa.literal(dt.datetime.now(dt.timezone.utc), type_=app.models_base.UTCDateTime(timezone=True))
    op.execute(outbox.insert().from_select(
        ['kind', 'doc_id', 'created_at', 'attempts'],
        sa.select(sa.literal('organizations'), organizations.c.id, now, sa.literal(0)).order_by(organizations.c.id),
    ))


def downgrade():
    op.execute(sa.text("DELETE FROM search_outbox WHERE kind = 'organizations'"))
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('search_version')
