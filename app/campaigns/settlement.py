"""Settling campaigns whose deadline has passed (`flask campaigns close-due`, also run by the worker).

Safe to run twice at once: the outcome is decided by one conditional UPDATE (live → succeeded | failed) that only one run
wins, and each all-or-nothing pledge is claimed by another (charge_requested_at set where it was NULL) before it is
charged, with an idempotency key per donation besides.
"""
from flask import current_app, url_for
from sqlalchemy import select, update

from app.campaigns import funds, services
from app.campaigns.models import Campaign, Donation
from app.extensions import db
from app.mail import send_mail
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
    return outcomes


def settle(campaign_id, now):
    campaign = db.session.get(Campaign, campaign_id)
    if campaign.funding_model == "all_or_nothing":
        reached = services.goal_reached_with_pledges(campaign)
    else:
        reached = services.progress(campaign).minor >= campaign.goal_minor
    outcome = "succeeded" if reached else "failed"
    won = db.session.execute(update(Campaign).where(Campaign.id == campaign_id, Campaign.status == "live")
                             .values(status=outcome, settled_at=now, search_version=Campaign.search_version + 1)).rowcount
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
    for donation in pledged:
        released = db.session.execute(update(Donation).where(Donation.id == donation.id, Donation.status == "pledged")
                                      .values(status="released")).rowcount
        if released:
            db.session.execute(update(Campaign).where(Campaign.id == campaign.id)
                               .values(pledged_minor=Campaign.pledged_minor - donation.amount_minor))
            send_mail(donation.email, f"{campaign.title}: the goal was not reached",
                      f"“{campaign.title}” did not reach its goal of {campaign.goal} by its deadline. As promised, your "
                      f"pledge of {donation.amount} is not charged. Thank you for backing it.")
        db.session.commit()


def charge_pledges(campaign):
    """Charge each pledge once, off-session. A refused card is recorded and its donor gets a link to pay by hand; the
    donation counts when Stripe's webhook says it was paid."""
    ids = db.session.scalars(select(Donation.id).where(Donation.campaign_id == campaign.id, Donation.status == "pledged",
                                                       Donation.charge_requested_at.is_(None)).order_by(Donation.id)).all()
    for donation_id in ids:
        claimed = db.session.execute(update(Donation).where(Donation.id == donation_id, Donation.status == "pledged",
                                                            Donation.charge_requested_at.is_(None))
                                     .values(charge_requested_at=utcnow())).rowcount
        db.session.commit()
        if claimed:
            _charge(db.session.get(Donation, donation_id), campaign)


def _charge(donation, campaign):
    try:
        if not donation.payment_method_id:
            donation.customer_id, donation.payment_method_id = gateway().saved_card(donation.setup_intent_id)
        donation.payment_intent_id = gateway().charge_pledge(donation)
        db.session.commit()
    except ChargeFailed as failure:
        db.session.rollback()
        _ask_to_pay(donation, campaign, failure)
    except PaymentUnavailable:
        # Not charged, or charged and the answer lost: the next run asks again with the same idempotency key.
        db.session.rollback()
        db.session.execute(update(Donation).where(Donation.id == donation.id).values(charge_requested_at=None))
        db.session.commit()
        current_app.logger.warning("Pledge %s not charged yet: Stripe unavailable", donation.id)


def _ask_to_pay(donation, campaign, failure):
    locked = funds.locked_donation(donation.id)
    funds.record_failure(locked, f"Off-session charge refused ({failure.code}): {failure.message}")
    receipt = url_for("campaigns.receipt", donation_id=locked.id, token=locked.receipt_token, _external=True)
    try:
        link = gateway().payment_link(locked, campaign.title, success_url=receipt,
                                      cancel_url=url_for("campaigns.campaign_page", campaign_id=campaign.id, _external=True))
        locked.checkout_session_id = link.id
        text = f"Please complete your pledge here: {link.url}"
    except PaymentUnavailable:
        text = f"Please give again from the campaign's page: {url_for('campaigns.campaign_page', campaign_id=campaign.id, _external=True)}"
    send_mail(locked.email, f"{campaign.title}: your pledge could not be charged",
              f"“{campaign.title}” reached its goal, but your card was refused for your pledge of {locked.amount} "
              f"({failure.message}). {text}")
    db.session.commit()
