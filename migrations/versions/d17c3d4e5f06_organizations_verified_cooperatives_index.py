"""organisations: a partial index of the verified cooperatives, hashed by a lot's evaluation

Revision ID: d17c3d4e5f06
Revises: c17a1b2c3d04
Create Date: 2026-12-09 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'd17c3d4e5f06'
down_revision = 'c17a1b2c3d04'
branch_labels = None
depends_on = None

# As app.orgs.models.VERIFIED_COOPERATIVE when this migration was written.
VERIFIED_COOPERATIVE = ("legal_form IN ('cooperative', 'cooperative_federation', 'cooperative_bank') "
                        "AND verification_status = 'verified'")


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index('ix_organizations_verified_cooperatives', ['id'], unique=False,
                              postgresql_where=sa.text(VERIFIED_COOPERATIVE), sqlite_where=sa.text(VERIFIED_COOPERATIVE))


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_organizations_verified_cooperatives', postgresql_where=sa.text(VERIFIED_COOPERATIVE),
                            sqlite_where=sa.text(VERIFIED_COOPERATIVE))
