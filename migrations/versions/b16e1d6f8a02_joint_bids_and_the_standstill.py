"""joint bids (members with declared shares, contract shares, contracts.joint_bid) and the standstill (award decisions,
tenders.standstill_days)

Revision ID: b16e1d6f8a02
Revises: a16d0c5e7f01
Create Date: 2026-12-05 09:00:12.803146

"""
import sqlalchemy as sa
from alembic import op

import app.models_base

revision = 'b16e1d6f8a02'
down_revision = 'a16d0c5e7f01'
branch_labels = None
depends_on = None

STANDING = "status <> 'withdrawn'"


def upgrade():
    op.create_table('tender_award_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('bid_count', sa.Integer(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('standstill_ends_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdraw_reason', sa.Text(), nullable=True),
    sa.Column('concluded_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('standstill', 'withdrawn', 'concluded')", name=op.f('ck_tender_award_decisions_status')),
    sa.ForeignKeyConstraint(['bid_id'], ['tender_bids.id'], name=op.f('fk_tender_award_decisions_bid_id_tender_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_tender_award_decisions_decided_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lot_id'], ['tender_lots.id'], name=op.f('fk_tender_award_decisions_lot_id_tender_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_tender_award_decisions_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_award_decisions'))
    )
    with op.batch_alter_table('tender_award_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_award_decisions_bid_id'), ['bid_id'], unique=False)
        batch_op.create_index('ix_tender_award_decisions_due', ['status', 'standstill_ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_award_decisions_tender_id'), ['tender_id'], unique=False)
        batch_op.create_index('uq_tender_award_decisions_standing', ['lot_id'], unique=True, postgresql_where=sa.text(STANDING),
                                sqlite_where=sa.text(STANDING))

    op.create_table('tender_bid_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('share_basis_points', sa.Integer(), nullable=False),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.Column('confirmed_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('share_basis_points BETWEEN 1 AND 10000', name=op.f('ck_tender_bid_members_share')),
    sa.ForeignKeyConstraint(['bid_id'], ['tender_bids.id'], name=op.f('fk_tender_bid_members_bid_id_tender_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_tender_bid_members_confirmed_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_tender_bid_members_organization_id_organizations'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_bid_members')),
    sa.UniqueConstraint('bid_id', 'organization_id', name=op.f('uq_tender_bid_members_bid_id_organization_id'))
    )
    with op.batch_alter_table('tender_bid_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_bid_members_bid_id'), ['bid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_bid_members_organization_id'), ['organization_id'], unique=False)

    op.create_table('contract_shares',
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('share_basis_points', sa.Integer(), nullable=False),
    sa.Column('value_minor', sa.BigInteger(), nullable=False),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.Column('verified_cooperative', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_shares_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_contract_shares_organization_id_organizations'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contract_id', 'organization_id', name=op.f('pk_contract_shares'))
    )
    with op.batch_alter_table('contract_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_shares_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joint_bid', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standstill_days', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_tenders_standstill_days'), 'standstill_days BETWEEN 0 AND 30')



def downgrade():
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_tenders_standstill_days'), type_='check')
        batch_op.drop_column('standstill_days')

    with op.batch_alter_table('contract_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_shares_organization_id'))

    op.drop_table('contract_shares')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_column('joint_bid')

    with op.batch_alter_table('tender_bid_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_bid_members_organization_id'))
        batch_op.drop_index(batch_op.f('ix_tender_bid_members_bid_id'))

    op.drop_table('tender_bid_members')
    with op.batch_alter_table('tender_award_decisions', schema=None) as batch_op:
        batch_op.drop_index('uq_tender_award_decisions_standing', postgresql_where=sa.text(STANDING),
                                sqlite_where=sa.text(STANDING))
        batch_op.drop_index(batch_op.f('ix_tender_award_decisions_tender_id'))
        batch_op.drop_index('ix_tender_award_decisions_due')
        batch_op.drop_index(batch_op.f('ix_tender_award_decisions_bid_id'))

    op.drop_table('tender_award_decisions')
