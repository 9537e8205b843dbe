"""a lot's evaluation in one statement: the verified cooperatives in a partial index, joint bids' members by lot

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
    with op.batch_alter_table('tender_bid_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lot_id', sa.Integer(), nullable=True))
    op.execute("UPDATE tender_bid_members SET lot_id = "
               "(SELECT tender_bids.lot_id FROM tender_bids WHERE tender_bids.id = tender_bid_members.bid_id)")
    with op.batch_alter_table('tender_bid_members', schema=None) as batch_op:
        batch_op.alter_column('lot_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_tender_bid_members_lot_id_tender_lots'), 'tender_lots', ['lot_id'],
                                    ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_tender_bid_members_lot_id'), ['lot_id'], unique=False)


def downgrade():
    with op.batch_alter_table('tender_bid_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_bid_members_lot_id'))
        batch_op.drop_constraint(batch_op.f('fk_tender_bid_members_lot_id_tender_lots'), type_='foreignkey')
        batch_op.drop_column('lot_id')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_organizations_verified_cooperatives', postgresql_where=sa.text(VERIFIED_COOPERATIVE),
                            sqlite_where=sa.text(VERIFIED_COOPERATIVE))
