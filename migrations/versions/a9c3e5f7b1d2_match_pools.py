"""match pools: a match pledge is an offer the owners accept, paid into a pool before it matches

Existing pledges were never paid: they become `offered` and stop matching, and the matches they made are withdrawn (a
refund entry per match not given back already, the campaign's matched figure lowered), since only paid money counts.

Revision ID: a9c3e5f7b1d2
Revises: a3c5e7f9b1d2
Create Date: 2026-12-10 10:00:00

"""
import sqlalchemy as sa
from alembic import op

import app.models_base

revision = "a9c3e5f7b1d2"
down_revision = "a3c5e7f9b1d2"
branch_labels = None
depends_on = None

PLEDGE_STATUSES = ("offered", "accepted", "declined", "active", "settled", "refunded", "cancelled")
OLD_KINDS = ("donation", "match", "refund", "fee", "expense", "disbursement")
NEW_KINDS = OLD_KINDS + ("pool", "return")
POOL_WHERE = "donation_id IS NULL AND match_pledge_id IS NOT NULL"


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _withdraw_unpaid_matches():
    connection = op.get_bind()
    ledger = sa.table("ledger_entries", sa.column("id", sa.Integer), sa.column("campaign_id", sa.Integer),
                      sa.column("kind", sa.String), sa.column("amount_minor", sa.BigInteger),
                      sa.column("currency", sa.String), sa.column("donation_id", sa.Integer),
                      sa.column("match_pledge_id", sa.Integer), sa.column("description", sa.String),
                      sa.column("created_at", app.models_base.UTCDateTime(timezone=True)))
    campaigns = sa.table("campaigns", sa.column("id", sa.Integer), sa.column("matched_minor", sa.BigInteger))
    pledges = sa.table("match_pledges", sa.column("matched_minor", sa.BigInteger))
    match = ledger.alias("m")
    given_back = (sa.select(ledger.c.id).where(ledger.c.kind == "refund", ledger.c.donation_id == match.c.donation_id,
                                               ledger.c.match_pledge_id == match.c.match_pledge_id))
    kept = connection.execute(sa.select(match.c.campaign_id, match.c.amount_minor, match.c.currency, match.c.donation_id,
                                        match.c.match_pledge_id)
                              .where(match.c.kind == "match", match.c.match_pledge_id.is_not(None), ~given_back.exists())
                              ).all()
    now = app.models_base.utcnow()
    for campaign_id, amount, currency, donation_id, pledge_id in kept:
        connection.execute(ledger.insert().values(
            campaign_id=campaign_id, kind="refund", amount_minor=-amount, currency=currency, donation_id=donation_id,
            match_pledge_id=pledge_id, description="Match withdrawn: the pledge was never paid into a match pool",
            created_at=now))
        connection.execute(campaigns.update().where(campaigns.c.id == campaign_id)
                           .values(matched_minor=campaigns.c.matched_minor - amount))
    connection.execute(pledges.update().values(matched_minor=0))


def upgrade():
    with op.batch_alter_table("match_pledges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=10), server_default="offered", nullable=False))
        batch_op.add_column(sa.Column("paid_minor", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("refunded_minor", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("checkout_session_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("payment_intent_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("refund_id", sa.String(length=255), nullable=True))
        for name in ("decided_at", "paid_at", "settled_at", "refund_requested_at"):
            batch_op.add_column(sa.Column(name, app.models_base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_match_pledges_payment_intent_id"), ["payment_intent_id"], unique=False)

    _withdraw_unpaid_matches()

    with op.batch_alter_table("match_pledges", schema=None) as batch_op:
        batch_op.create_check_constraint("status", _in("status", PLEDGE_STATUSES))
        batch_op.create_check_constraint("paid", "paid_minor >= 0 AND paid_minor <= cap_total_minor")
        batch_op.create_check_constraint("within_pool", "refunded_minor >= 0 AND matched_minor + refunded_minor <= paid_minor")

    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_ledger_entries_kind"), type_="check")
        batch_op.create_check_constraint("kind", _in("kind", NEW_KINDS))
        batch_op.create_index("uq_ledger_entries_pool", ["kind", "match_pledge_id"], unique=True,
                              postgresql_where=sa.text(POOL_WHERE), sqlite_where=sa.text(POOL_WHERE))


def downgrade():
    ledger = sa.table("ledger_entries", sa.column("kind", sa.String))
    op.execute(ledger.delete().where(ledger.c.kind.in_(("pool", "return"))))
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("uq_ledger_entries_pool", postgresql_where=sa.text(POOL_WHERE), sqlite_where=sa.text(POOL_WHERE))
        batch_op.drop_constraint(batch_op.f("ck_ledger_entries_kind"), type_="check")
        batch_op.create_check_constraint("kind", _in("kind", OLD_KINDS))

    with op.batch_alter_table("match_pledges", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_match_pledges_within_pool"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_match_pledges_paid"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_match_pledges_status"), type_="check")
        batch_op.drop_index(batch_op.f("ix_match_pledges_payment_intent_id"))
        for name in ("refund_requested_at", "settled_at", "paid_at", "decided_at", "refund_id", "payment_intent_id",
                     "checkout_session_id", "refunded_minor", "paid_minor", "status"):
            batch_op.drop_column(name)
