"""Settling campaigns whose deadline has passed (`flask campaigns close-due`, also run by the worker).

Safe to run twice at once: the outcome is decided by one conditional UPDATE (live → succeeded | failed) that only one run
wins, and each all-or-nothing pledge is claimed by another (charge_requested_at set where it was NULL) before it is
charged, with an idempotency key per donation besides.

Match pools: once a campaign is settled and no pledged donation waits for its charge (whose match would draw on the
pool), each active pool is claimed by a conditional UPDATE (active → refunded | settled, the rest computed in it from
the row as it is then) and what is left is refunded to its pledger through Stripe, once, with an idempotency key per
pledge; pledges never paid are cancelled.
"""
from flask import current_app
from sqlalchemy import case, exists, select, update

from app.campaigns import donor_mail, funds, services
from app.campaigns.models import Campaign, Donation, MatchPledge
from app.extensions import db
from app.indexing import queue
from app.mail import link
from app.models_base import utcnow
from app.payments.gateway import ChargeFailed, PaymentUnavailable, gateway


def close_due(now=None):
    """Settle every live campaign whose deadline has passed, then charge the pledges of all-or-nothing campaigns that
    succeeded (including pledges a previous run could not reach Stripe for). Returns {campaign id: outcome}."""
    now = now or utcnow()
    due = db.session.scalars(select(Campaign.id).where(Campaign.status == "live", Campaign.deadline <= now)).all()
    outcomes = {campaign_id: settle(campaign_id, now) for campaign_id in due}
    waiting = db.session.scalars(
        select(Donation.campaign_id).join(Campaign).where(Campaign.status == "succeeded", Donation.status == "pledged",
                                                          Donation.charge_requested_at.is_(None)).distinct()).all()
    for campaign_id in waiting:
        outcomes.setdefault(campaign_id, "succeeded")
        charge_pledges(db.session.get(Campaign, campaign_id))
    refund_pools(now)
    return outcomes


def _end_reads():
    """End the transaction that read what to do before writing: each conditional UPDATE then starts a transaction of
    its own (on SQLite, a write in a transaction whose snapshot another run has since changed fails at once)."""
    db.session.commit()


def settle(campaign_id, now):
    campaign = db.session.get(Campaign, campaign_id)
    if campaign.funding_model == "all_or_nothing":
        reached = services.goal_reached_with_pledges(campaign)
    else:
        reached = services.progress(campaign).minor >= campaign.goal_minor
    outcome = "succeeded" if reached else "failed"
    _end_reads()
    won = db.session.execute(update(Campaign).where(Campaign.id == campaign_id, Campaign.status == "live")
                             .values(status=outcome, settled_at=now, search_version=Campaign.search_version + 1)).rowcount
    # A Core UPDATE fires no flush listener: the search document (its status) is queued here, in the same transaction.
    queue("campaigns", [campaign_id] if won else [])
    db.session.commit()
    if not won:
        return "settled by another run"
    db.session.refresh(campaign)
    if campaign.funding_model == "all_or_nothing":
        if reached:
            charge_pledges(campaign)
        else:
            release_pledges(campaign)
    return outcome


def release_pledges(campaign):
    """The goal was missed: no card is charged; every pledger is told."""
    pledged = db.session.scalars(select(Donation).where(Donation.campaign_id == campaign.id, Donation.status == "pledged")).all()
    _end_reads()
    for donation in pledged:
        released = db.session.execute(update(Donation).where(Donation.id == donation.id, Donation.status == "pledged")
                                      .values(status="released")).rowcount
        if released:
            db.session.execute(update(Campaign).where(Campaign.id == campaign.id)
                               .values(pledged_minor=Campaign.pledged_minor - donation.amount_minor))
            donor_mail.released(donation.id)
        db.session.commit()


def charge_pledges(campaign):
    """Charge each pledge once, off-session. A refused card is recorded and its donor gets a link to pay by hand; the
    donation counts when Stripe's webhook says it was paid."""
    ids = db.session.scalars(select(Donation.id).where(Donation.campaign_id == campaign.id, Donation.status == "pledged",
                                                       Donation.charge_requested_at.is_(None)).order_by(Donation.id)).all()
    _end_reads()
    for donation_id in ids:
        claimed = db.session.execute(update(Donation).where(Donation.id == donation_id, Donation.status == "pledged",
                                                            Donation.charge_requested_at.is_(None))
                                     .values(charge_requested_at=utcnow())).rowcount
        db.session.commit()
        if claimed:
            _charge(donation_id, campaign)


def _charge(donation_id, campaign):
    """Charge one claimed pledge. No transaction is open while Stripe is called (it may take seconds): the donation is
    read, detached, charged, and the answer written by an UPDATE of its own."""
    donation = db.session.get(Donation, donation_id)
    db.session.expunge(donation)
    _end_reads()
    try:
        if not donation.payment_method_id:
            donation.customer_id, donation.payment_method_id = gateway().saved_card(donation.setup_intent_id)
        intent = gateway().charge_pledge(donation)
    except ChargeFailed as failure:
        _ask_to_pay(donation, campaign, failure)
        return
    except PaymentUnavailable:
        # Not charged, or charged and the answer lost: the next run asks again with the same idempotency key.
        changes = {"charge_requested_at": None}
        current_app.logger.warning("Pledge %s not charged yet: Stripe unavailable", donation.id)
    else:
        changes = {"payment_intent_id": intent}
    db.session.execute(update(Donation).where(Donation.id == donation.id).values(
        customer_id=donation.customer_id, payment_method_id=donation.payment_method_id, **changes))
    db.session.commit()


def _ask_to_pay(donation, campaign, failure):
    """The card was refused: a Checkout link to pay by hand (made before any write), then the donation fails with the
    reason and the donor gets the link."""
    receipt = link("campaigns.receipt", donation_id=donation.id, token=donation.receipt_token)
    try:
        session = gateway().payment_link(donation, campaign.title, success_url=receipt,
                                         cancel_url=link("campaigns.campaign_page", campaign_id=campaign.id))
        pay_url, session_id = session.url, session.id
    except PaymentUnavailable:
        pay_url, session_id = link("campaigns.campaign_page", campaign_id=campaign.id), None
    funds.record_failure(funds.locked_donation(donation.id),
                         f"Off-session charge refused ({failure.code}): {failure.message}")
    db.session.execute(update(Donation).where(Donation.id == donation.id).values(
        customer_id=donation.customer_id, payment_method_id=donation.payment_method_id,
        checkout_session_id=session_id or donation.checkout_session_id))
    # Queued in the same transaction as the failure: the donor is told exactly when it is recorded.
    donor_mail.charge_refused(donation.id, failure.message, pay_url, by_link=session_id is not None)
    db.session.commit()


# Match pools ------------------------------------------------------------------------------------------------------------

_pledges = MatchPledge.__table__
_SETTLED = ("succeeded", "failed", "closed")


def refund_pools(now=None):
    """Cancel the pledges of settled campaigns that were never paid, and give back what is left in each paid pool once
    nothing can draw on it any more (no pledged donation of the campaign waits for its charge). Also asks again for the
    refunds Stripe could not be reached for. Returns how many refunds were asked for."""
    now = now or utcnow()
    settled = select(Campaign.id).where(Campaign.status.in_(_SETTLED))
    db.session.execute(_pledges.update().where(_pledges.c.campaign_id.in_(settled),
                                               _pledges.c.status.in_(("offered", "accepted")))
                       .values(status="cancelled"))
    charging = exists().where(Donation.campaign_id == _pledges.c.campaign_id, Donation.status == "pledged")
    ready = db.session.scalars(select(_pledges.c.id).where(_pledges.c.campaign_id.in_(settled), _pledges.c.status == "active",
                                                           ~charging).order_by(_pledges.c.id)).all()
    retries = db.session.scalars(select(_pledges.c.id).where(_pledges.c.status == "refunded", _pledges.c.refund_id.is_(None),
                                                             _pledges.c.refund_requested_at.is_(None))).all()
    _end_reads()
    asked = 0
    for pledge_id in ready:
        # Claimed under the row's lock: a webhook drawing on the pool at this moment finishes first, and the rest is
        # computed from what it left; the pool draws nothing more once it is not active.
        claimed = db.session.execute(_pledges.update().where(_pledges.c.id == pledge_id, _pledges.c.status == "active").values(
            status=case((_pledges.c.paid_minor > _pledges.c.matched_minor, "refunded"), else_="settled"),
            refunded_minor=_pledges.c.paid_minor - _pledges.c.matched_minor, settled_at=now,
            refund_requested_at=now)).rowcount
        db.session.commit()
        if claimed:
            asked += _refund_pool(pledge_id)
    for pledge_id in retries:
        claimed = db.session.execute(_pledges.update().where(
            _pledges.c.id == pledge_id, _pledges.c.status == "refunded", _pledges.c.refund_id.is_(None),
            _pledges.c.refund_requested_at.is_(None)).values(refund_requested_at=now)).rowcount
        db.session.commit()
        if claimed:
            asked += _refund_pool(pledge_id)
    return asked


def _refund_pool(pledge_id):
    """Ask Stripe to give back the claimed rest of the pool (no transaction open meanwhile); the ledger shows it once
    Stripe accepted. If Stripe cannot be reached, the claim is let go and the next run asks again, with the same key."""
    pledge = db.session.get(MatchPledge, pledge_id)
    if pledge.refunded_minor <= 0:
        db.session.commit()
        return 0
    amount, campaign_id = pledge.refunded_minor, pledge.campaign_id
    db.session.expunge(pledge)
    _end_reads()
    try:
        refund_id = gateway().refund_pool(pledge, amount)
    except PaymentUnavailable:
        current_app.logger.warning("Match pool %s (campaign %s) not refunded yet: Stripe unavailable", pledge_id, campaign_id)
        db.session.execute(_pledges.update().where(_pledges.c.id == pledge_id).values(refund_requested_at=None))
        db.session.commit()
        return 0
    funds.record_pool_return(funds.locked_pool(pledge_id), amount, refund_id)
    db.session.commit()
    return 1
