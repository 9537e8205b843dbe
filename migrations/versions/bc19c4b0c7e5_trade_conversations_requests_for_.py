"""trade: conversations and messages, blocks, requests for quotation, quotes, orders, and the running trade totals

Revision ID: bc19c4b0c7e5
Revises: a9c3e5f7b1d2
Create Date: 2026-12-05 02:08:47.805933

"""
import sqlalchemy as sa
from alembic import op

import app.models_base

revision = 'bc19c4b0c7e5'
down_revision = 'a9c3e5f7b1d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trade_totals',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('dimension', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('value_minor', sa.BigInteger(), nullable=False),
    sa.Column('cooperative_minor', sa.BigInteger(), nullable=False),
    sa.Column('inter_cooperative_minor', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('currency', 'dimension', 'key', name=op.f('pk_trade_totals'))
    )
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_organization_id', sa.Integer(), nullable=False),
    sa.Column('seller_organization_id', sa.Integer(), nullable=False),
    sa.Column('started_by_organization_id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=8), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('last_message_id', sa.Integer(), nullable=True),
    sa.Column('last_message_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_sender_organization_id', sa.Integer(), nullable=True),
    sa.Column('message_count', sa.Integer(), nullable=False),
    sa.Column('created_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("subject_kind IS NULL OR subject_kind IN ('listing', 'rfq', 'quote', 'order')", name=op.f('ck_conversations_subject_kind')),
    sa.CheckConstraint('(subject_kind IS NULL) = (subject_id IS NULL)', name=op.f('ck_conversations_subject')),
    sa.CheckConstraint('buyer_organization_id <> seller_organization_id', name=op.f('ck_conversations_two_parties')),
    sa.ForeignKeyConstraint(['buyer_organization_id'], ['organizations.id'], name=op.f('fk_conversations_buyer_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seller_organization_id'], ['organizations.id'], name=op.f('fk_conversations_seller_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_organization_id'], ['organizations.id'], name=op.f('fk_conversations_started_by_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index('ix_conversations_buyer_last', ['buyer_organization_id', 'last_message_at'], unique=False)
        batch_op.create_index('ix_conversations_seller_last', ['seller_organization_id', 'last_message_at'], unique=False)

    op.create_table('organization_blocks',
    sa.Column('blocker_id', sa.Integer(), nullable=False),
    sa.Column('blocked_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('blocker_id <> blocked_id', name=op.f('ck_organization_blocks_not_self')),
    sa.ForeignKeyConstraint(['blocked_id'], ['organizations.id'], name=op.f('fk_organization_blocks_blocked_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['blocker_id'], ['organizations.id'], name=op.f('fk_organization_blocks_blocker_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_organization_blocks_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('blocker_id', 'blocked_id', name=op.f('pk_organization_blocks'))
    )
    op.create_table('rfqs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('cpv_code8', sa.String(length=8), nullable=False),
    sa.Column('quantity_milli', sa.BigInteger(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('delivery_country_code', sa.String(length=2), nullable=False),
    sa.Column('needed_by', sa.Date(), nullable=False),
    sa.Column('quotes_due', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('visibility', sa.String(length=8), nullable=False),
    sa.Column('cooperatives_only', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('published_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('suppliers_notified', sa.Integer(), nullable=False),
    sa.Column('search_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published', 'cancelled')", name=op.f('ck_rfqs_status')),
    sa.CheckConstraint("visibility IN ('public', 'invited')", name=op.f('ck_rfqs_visibility')),
    sa.CheckConstraint('quantity_milli > 0', name=op.f('ck_rfqs_quantity')),
    sa.ForeignKeyConstraint(['cpv_code8'], ['cpv_codes.code8'], name=op.f('fk_rfqs_cpv_code8_cpv_codes')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_rfqs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['delivery_country_code'], ['countries.iso2'], name=op.f('fk_rfqs_delivery_country_code_countries')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_rfqs_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rfqs'))
    )
    with op.batch_alter_table('rfqs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rfqs_cpv_code8'), ['cpv_code8'], unique=False)
        batch_op.create_index(batch_op.f('ix_rfqs_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_rfqs_status_quotes_due', ['status', 'quotes_due'], unique=False)

    op.create_table('conversation_reads',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_reads_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conversation_reads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'user_id', name=op.f('pk_conversation_reads'))
    )
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('sender_organization_id', sa.Integer(), nullable=False),
    sa.Column('sender_user_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('attachment_key', sa.String(length=60), nullable=True),
    sa.Column('attachment_name', sa.String(length=200), nullable=True),
    sa.Column('attachment_type', sa.String(length=100), nullable=True),
    sa.Column('attachment_bytes', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_organization_id'], ['organizations.id'], name=op.f('fk_messages_sender_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_user_id'], ['users.id'], name=op.f('fk_messages_sender_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_conversation_id', ['conversation_id', 'id'], unique=False)

    op.create_table('quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_version_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seller_organization_id', sa.Integer(), nullable=False),
    sa.Column('buyer_organization_id', sa.Integer(), nullable=False),
    sa.Column('rfq_id', sa.Integer(), nullable=True),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('incoterm', sa.String(length=3), nullable=False),
    sa.Column('delivery_place', sa.String(length=200), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("incoterm IN ('EXW', 'FCA', 'CPT', 'CIP', 'DAP', 'DPU', 'DDP', 'FAS', 'FOB', 'CFR', 'CIF')", name=op.f('ck_quotes_incoterm')),
    sa.CheckConstraint("status IN ('sent', 'superseded', 'withdrawn', 'declined', 'accepted')", name=op.f('ck_quotes_status')),
    sa.CheckConstraint('seller_organization_id <> buyer_organization_id', name=op.f('ck_quotes_two_parties')),
    sa.CheckConstraint('total_minor > 0', name=op.f('ck_quotes_total')),
    sa.ForeignKeyConstraint(['buyer_organization_id'], ['organizations.id'], name=op.f('fk_quotes_buyer_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_quotes_conversation_id_conversations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_quotes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_version_id'], ['quotes.id'], name=op.f('fk_quotes_first_version_id_quotes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rfq_id'], ['rfqs.id'], name=op.f('fk_quotes_rfq_id_rfqs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seller_organization_id'], ['organizations.id'], name=op.f('fk_quotes_seller_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes')),
    sa.UniqueConstraint('first_version_id', 'version', name='version')
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index('ix_quotes_buyer_status', ['buyer_organization_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_first_version_id'), ['first_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_rfq_id'), ['rfq_id'], unique=False)
        batch_op.create_index('ix_quotes_seller_status', ['seller_organization_id', 'status'], unique=False)

    op.create_table('rfq_invitations',
    sa.Column('rfq_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_rfq_invitations_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rfq_id'], ['rfqs.id'], name=op.f('fk_rfq_invitations_rfq_id_rfqs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('rfq_id', 'organization_id', name=op.f('pk_rfq_invitations'))
    )
    with op.batch_alter_table('rfq_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rfq_invitations_organization_id'), ['organization_id'], unique=False)

    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('buyer_organization_id', sa.Integer(), nullable=False),
    sa.Column('seller_organization_id', sa.Integer(), nullable=False),
    sa.Column('rfq_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('incoterm', sa.String(length=3), nullable=False),
    sa.Column('delivery_place', sa.String(length=200), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('seller_verified_cooperative', sa.Boolean(), nullable=False),
    sa.Column('buyer_verified_cooperative', sa.Boolean(), nullable=False),
    sa.Column('seller_region', sa.String(length=40), nullable=True),
    sa.Column('seller_sector', sa.String(length=20), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.Column('placed_at', app.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('shipped_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_by_organization_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=True),
    sa.Column('rated_at', app.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('placed', 'confirmed', 'shipped', 'delivered', 'completed', 'cancelled')", name=op.f('ck_orders_status')),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name=op.f('ck_orders_rating')),
    sa.CheckConstraint('total_minor > 0', name=op.f('ck_orders_total')),
    sa.ForeignKeyConstraint(['buyer_organization_id'], ['organizations.id'], name=op.f('fk_orders_buyer_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cancelled_by_organization_id'], ['organizations.id'], name=op.f('fk_orders_cancelled_by_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['placed_by_id'], ['users.id'], name=op.f('fk_orders_placed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_orders_quote_id_quotes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rfq_id'], ['rfqs.id'], name=op.f('fk_orders_rfq_id_rfqs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seller_organization_id'], ['organizations.id'], name=op.f('fk_orders_seller_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('quote_id', name=op.f('uq_orders_quote_id'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_buyer_status', ['buyer_organization_id', 'status'], unique=False)
        batch_op.create_index('ix_orders_seller_status', ['seller_organization_id', 'status'], unique=False)
        batch_op.create_index('ix_orders_status_delivered', ['status', 'delivered_at'], unique=False)

    op.create_table('quote_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('quantity_milli', sa.BigInteger(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('unit_price_minor', sa.BigInteger(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('quantity_milli > 0', name=op.f('ck_quote_lines_quantity')),
    sa.CheckConstraint('total_minor >= 0', name=op.f('ck_quote_lines_total')),
    sa.CheckConstraint('unit_price_minor > 0', name=op.f('ck_quote_lines_unit_price')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_quote_lines_listing_id_listings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_lines_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_lines'))
    )
    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_lines_quote_id'), ['quote_id'], unique=False)

    op.create_table('order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('quantity_milli', sa.BigInteger(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('unit_price_minor', sa.BigInteger(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_order_lines_listing_id_listings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_lines_order_id'), ['order_id'], unique=False)



def downgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_order_id'))

    op.drop_table('order_lines')
    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_lines_quote_id'))

    op.drop_table('quote_lines')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_status_delivered')
        batch_op.drop_index('ix_orders_seller_status')
        batch_op.drop_index('ix_orders_buyer_status')

    op.drop_table('orders')
    with op.batch_alter_table('rfq_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rfq_invitations_organization_id'))

    op.drop_table('rfq_invitations')
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index('ix_quotes_seller_status')
        batch_op.drop_index(batch_op.f('ix_quotes_rfq_id'))
        batch_op.drop_index(batch_op.f('ix_quotes_first_version_id'))
        batch_op.drop_index('ix_quotes_buyer_status')

    op.drop_table('quotes')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_conversation_id')

    op.drop_table('messages')
    op.drop_table('conversation_reads')
    with op.batch_alter_table('rfqs', schema=None) as batch_op:
        batch_op.drop_index('ix_rfqs_status_quotes_due')
        batch_op.drop_index(batch_op.f('ix_rfqs_organization_id'))
        batch_op.drop_index(batch_op.f('ix_rfqs_cpv_code8'))

    op.drop_table('rfqs')
    op.drop_table('organization_blocks')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_seller_last')
        batch_op.drop_index('ix_conversations_buyer_last')

    op.drop_table('conversations')
    op.drop_table('trade_totals')
