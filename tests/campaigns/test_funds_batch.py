"""The payments worker's group context (app.campaigns.funds_batch): a campaign's events applied as one group — its rows
read once, its writes made at its end — leave exactly the rows the same events leave applied one by one, whatever the
events and their order (payments, refunds before or after their payment, failures, pledges, fees, amounts that do not
match, the match pool paid in the middle); and a group that fails writes nothing."""
import secrets

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.campaigns import funds, funds_batch, payment_events
from app.campaigns.models import Campaign, CampaignFollower, Donation, LedgerEntry, MatchPledge
from app.mail.models import MailOutbox
from tests.campaigns.conftest import live_campaign

DONATIONS = 4
events = st.lists(st.one_of(
    st.tuples(st.just("pay"), st.integers(0, DONATIONS - 1), st.booleans()),  # True: the amount is the donation's
    st.tuples(st.just("refund"), st.integers(0, DONATIONS - 1)),
    st.tuples(st.just("fail"), st.integers(0, DONATIONS - 1)),
    st.tuples(st.just("pledge"), st.integers(0, DONATIONS - 1)),
    st.tuples(st.just("fee"), st.integers(0, DONATIONS - 1), st.integers(1, 500)),
    st.tuples(st.just("pool")),
), max_size=16)


def _stripe_object(step, donation_id, amount):
    """The event type and object Stripe would send for the step."""
    kind = step[0]
    metadata = {"donation_id": str(donation_id)}
    intent = f"pi_batch_{donation_id}"
    if kind == "pay":
        return "payment_intent.succeeded", {"id": intent, "amount_received": amount if step[2] else amount + 1,
                                            "currency": "eur", "metadata": metadata}
    if kind == "refund":
        return "charge.refunded", {"id": f"ch_{donation_id}", "amount": amount, "amount_refunded": amount, "currency": "eur",
                                   "status": "succeeded", "paid": True, "payment_intent": intent, "metadata": metadata,
                                   "refunds": {"data": [{"id": f"re_{donation_id}"}]}}
    if kind == "fail":
        return "payment_intent.payment_failed", {"id": intent, "metadata": metadata,
                                                 "last_payment_error": {"message": "Your card was declined."}}
    if kind == "pledge":
        return "checkout.session.completed", {"id": f"cs_{donation_id}", "mode": "setup", "metadata": metadata,
                                              "setup_intent": f"seti_{donation_id}", "customer": f"cus_{donation_id}"}
    return "charge.succeeded", {"id": f"ch_{donation_id}", "amount": amount, "currency": "eur", "status": "succeeded",
                                "paid": True, "payment_intent": intent, "metadata": metadata,
                                "balance_transaction": {"id": f"txn_{donation_id}", "fee": step[2], "currency": "eur"}}


def _apply(steps, donations, pool):
    """Apply the steps as the webhook handlers do; returns their outcomes."""
    outcomes = []
    for step in steps:
        if step[0] == "pool":
            outcomes.append(payment_events.POOL_EVENTS["checkout.session.completed"](funds.locked_pool(pool.id), {
                "payment_status": "paid", "amount_total": pool.cap_total_minor, "currency": "eur",
                "payment_intent": "pi_pool"}))
            continue
        donation_id, amount = donations[step[1]]
        event_type, obj = _stripe_object(step, donation_id, amount)
        outcomes.append(payment_events.DONATION_EVENTS[event_type](payment_events.find_donation(obj), obj))
    return outcomes


def _rows(db, campaign_id):
    """Everything the events may have written, as comparable values."""
    ledger = db.session.execute(select(LedgerEntry.kind, LedgerEntry.amount_minor, LedgerEntry.donation_id,
                                       LedgerEntry.match_pledge_id, LedgerEntry.description, LedgerEntry.stripe_reference)
                                .where(LedgerEntry.campaign_id == campaign_id).order_by(LedgerEntry.id)).all()
    donations = db.session.execute(select(
        Donation.id, Donation.status, Donation.paid_at.is_(None), Donation.refunded_at.is_(None), Donation.failure_reason,
        Donation.review_reason, Donation.payment_intent_id, Donation.refund_id, Donation.setup_intent_id,
        Donation.customer_id).where(Donation.campaign_id == campaign_id).order_by(Donation.id)).all()
    campaign = db.session.execute(select(Campaign.raised_minor, Campaign.matched_minor, Campaign.refunded_minor,
                                         Campaign.pledged_minor, Campaign.donors_count)
                                  .where(Campaign.id == campaign_id)).one()
    pledges = db.session.execute(select(MatchPledge.id, MatchPledge.status, MatchPledge.paid_minor,
                                        MatchPledge.matched_minor).where(MatchPledge.campaign_id == campaign_id)
                                 .order_by(MatchPledge.id)).all()
    followers = db.session.execute(select(CampaignFollower.email, CampaignFollower.language, CampaignFollower.source)
                                   .where(CampaignFollower.campaign_id == campaign_id)
                                   .order_by(CampaignFollower.email)).all()
    mail = db.session.execute(select(MailOutbox.recipient, MailOutbox.subject, MailOutbox.body,
                                     MailOutbox.unsubscribe_scope).where(MailOutbox.recipient.like("%@batch.example.org"))
                              .order_by(MailOutbox.id)).all()
    return {"ledger": ledger, "donations": donations, "campaign": campaign, "pledges": pledges, "followers": followers,
            "mail": mail}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=events, amounts=st.lists(st.integers(50, 9_000), min_size=DONATIONS, max_size=DONATIONS),
       factor=st.integers(50, 200), cap=st.integers(100, 3_000), total=st.integers(100, 8_000))
def test_a_group_applied_in_one_go_writes_what_its_events_write_one_by_one(app, db, steps, amounts, factor, cap, total):
    with app.test_request_context():
        organization, campaign = live_campaign(db, "Batch")
        active = MatchPledge(campaign=campaign, organization=organization, factor_percent=factor, status="accepted",
                             cap_per_donation_minor=cap, cap_total_minor=max(total, cap))
        pool = MatchPledge(campaign=campaign, organization=organization, factor_percent=100, status="accepted",
                           cap_per_donation_minor=cap, cap_total_minor=max(total, cap))
        db.session.add_all([active, pool])
        db.session.flush()
        funds.record_pool_payment(funds.locked_pool(active.id), active.cap_total_minor, "EUR", "pi_active")
        donations = []
        for n, amount in enumerate(amounts):
            donation = Donation(campaign=campaign, amount_minor=amount, currency="EUR", name=f"Donor {n}",
                                email=f"donor{n % 3}@batch.example.org", receipt_token=secrets.token_hex(16))
            db.session.add(donation)
            db.session.flush()
            donations.append((donation.id, amount))
        db.session.commit()

        with db.session.begin_nested() as one_by_one:
            alone = _apply(steps, donations, pool)
            expected = _rows(db, campaign.id)
            one_by_one.rollback()
        with db.session.begin_nested() as together:
            group = funds.hold_campaign(campaign.id, [donation_id for donation_id, _amount in donations])
            with funds_batch.applying(group):
                grouped = _apply(steps, donations, pool)
            actual = _rows(db, campaign.id)
            together.rollback()
        db.session.rollback()
    assert grouped == alone
    for name in expected:  # one kind of row at a time: a failure says which
        assert actual[name] == expected[name], name


def test_a_group_that_fails_writes_nothing(app, db):
    with app.test_request_context():
        _organization, campaign = live_campaign(db, "Batch")
        donation = Donation(campaign=campaign, amount_minor=2_500, currency="EUR", email="d@batch.example.org",
                            receipt_token=secrets.token_hex(16))
        db.session.add(donation)
        db.session.flush()
        before = _rows(db, campaign.id)
        with pytest.raises(RuntimeError), funds_batch.applying(funds.hold_campaign(campaign.id, [donation.id])):
            held = funds.locked_donation(donation.id)
            assert funds.record_payment(held, 2_500, "eur") == "succeeded"
            assert held.status == "succeeded" and funds_batch.current().entries  # kept in memory, not written yet
            raise RuntimeError("an event of the group failed")
        assert funds_batch.current() is None
        assert _rows(db, campaign.id) == before
        assert funds.locked_donation(donation.id).status == "pending"  # read again: the group's copy is gone
