"""reports and the movement's directory: organisations' report visibility and federation scope, federation memberships

Revision ID: f15a0c3d7e21
Revises: d15b2e8f4a60
Create Date: 2026-12-06 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import app.models_base

revision = 'f15a0c3d7e21'
down_revision = 'd15b2e8f4a60'
branch_labels = None
depends_on = None

STANDING = "status IN ('declared', 'confirmed')"
SCOPE = ("federation_scope IS NULL OR (legal_form = 'cooperative_federation' AND "
         "federation_scope IN ('territorial', 'sectoral'))")


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('federation_scope', sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column('report_public', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_organizations_federation_scope'), SCOPE)

    op.create_table('federation_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('federation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('declared_by_id', sa.Integer(), nullable=True),
    sa.Column('declared_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_by_organization_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('declared', 'confirmed', 'declined', 'ended')", name=op.f('ck_federation_memberships_status')),
    sa.CheckConstraint('member_id <> federation_id', name=op.f('ck_federation_memberships_not_self')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_federation_memberships_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['declared_by_id'], ['users.id'], name=op.f('fk_federation_memberships_declared_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_federation_memberships_ended_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ended_by_organization_id'], ['organizations.id'], name=op.f('fk_federation_memberships_ended_by_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['federation_id'], ['organizations.id'], name=op.f('fk_federation_memberships_federation_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['organizations.id'], name=op.f('fk_federation_memberships_member_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_memberships'))
    )
    with op.batch_alter_table('federation_memberships', schema=None) as batch_op:
        batch_op.create_index('ix_federation_memberships_federation_status', ['federation_id', 'status'], unique=False)
        batch_op.create_index('ix_federation_memberships_member_status', ['member_id', 'status'], unique=False)
        batch_op.create_index('uq_federation_memberships_standing', ['member_id', 'federation_id'], unique=True,
                              postgresql_where=sa.text(STANDING), sqlite_where=sa.text(STANDING))


def downgrade():
    with op.batch_alter_table('federation_memberships', schema=None) as batch_op:
        batch_op.drop_index('uq_federation_memberships_standing', postgresql_where=sa.text(STANDING),
                            sqlite_where=sa.text(STANDING))
        batch_op.drop_index('ix_federation_memberships_member_status')
        batch_op.drop_index('ix_federation_memberships_federation_status')

    op.drop_table('federation_memberships')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_organizations_federation_scope'), type_='check')
        batch_op.drop_column('report_public')
        batch_op.drop_column('federation_scope')
