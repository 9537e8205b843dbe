"""tenders: documents (every version), bids' files, clarification questions and the clarification deadline

Revision ID: a16d0c5e7f01
Revises: f15a0c3d7e21
Create Date: 2026-12-05 09:02:03.724083

"""
import sqlalchemy as sa
from alembic import op

import app.models_base

revision = 'a16d0c5e7f01'
down_revision = 'f15a0c3d7e21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tender_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_tender_documents_version')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_tender_documents_tender_id_tenders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_tender_documents_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_documents')),
    sa.UniqueConstraint('tender_id', 'number', 'version', name=op.f('uq_tender_documents_tender_id_number_version'))
    )
    with op.batch_alter_table('tender_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_documents_tender_id'), ['tender_id'], unique=False)

    op.create_table('tender_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_tender_questions_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asked_by_id'], ['users.id'], name=op.f('fk_tender_questions_asked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_tender_questions_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_tender_questions_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_questions'))
    )
    with op.batch_alter_table('tender_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_questions_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_questions_tender_id'), ['tender_id'], unique=False)

    op.create_table('tender_bid_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['tender_bids.id'], name=op.f('fk_tender_bid_files_bid_id_tender_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_tender_bid_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_bid_files'))
    )
    with op.batch_alter_table('tender_bid_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_bid_files_bid_id'), ['bid_id'], unique=False)

    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clarification_deadline', app.models_base.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_column('clarification_deadline')

    with op.batch_alter_table('tender_bid_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_bid_files_bid_id'))

    op.drop_table('tender_bid_files')
    with op.batch_alter_table('tender_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_questions_tender_id'))
        batch_op.drop_index(batch_op.f('ix_tender_questions_organization_id'))

    op.drop_table('tender_questions')
    with op.batch_alter_table('tender_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_documents_tender_id'))

    op.drop_table('tender_documents')
