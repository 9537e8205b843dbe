"""Settling campaigns at their deadline: all-or-nothing pledges charged once when the goal is met (even with two
`close-due` runs at the same time), nothing charged when it is missed; refused cards get a link to pay."""
import threading

import pytest
from sqlalchemy import select

from app.campaigns.models import Campaign, Donation
from app.campaigns.settlement import close_due
from app.extensions import db
from tests.conftest import Factory


def _pledge(funding, stripe_events, campaign, amount, email):
    donation = funding.donate(campaign, amount, email=email)
    assert stripe_events.deliver(stripe_events.checkout_completed(donation, mode="setup")) == "pledged"
    return donation


def _charges(stripe_calls):
    return [c for c in stripe_calls.calls if c.method == "POST" and c.path == "/v1/payment_intents"]


def _status(app, campaign_id):
    with app.app_context():
        return db.session.get(Campaign, campaign_id).status


def test_goal_reached_every_pledge_is_charged_off_session_once(app, funding, stripe_events, stripe_calls, outbox):
    campaign = funding.live(funding_model="all_or_nothing", goal={"amount": "100.00", "currency": "EUR"}, budget_lines=[])
    pledges = [_pledge(funding, stripe_events, campaign, amount, f"p{n}@example.org")
               for n, amount in enumerate(("60.00", "30.00", "10.00"))]
    funding.pass_deadline(campaign)
    with app.app_context():
        assert close_due() == {campaign["id"]: "succeeded"}
        assert close_due() == {}  # a second run finds nothing left to do
    assert _status(app, campaign["id"]) == "succeeded"
    charges = _charges(stripe_calls)
    assert sorted(c.idempotency_key for c in charges) == sorted(f"coopex-donation-{p['id']}-charge" for p in pledges)
    for call in charges:
        assert call.params["off_session"] == ["true"] and call.params["confirm"] == ["true"]
        assert call.params["currency"] == ["eur"]
    # The saved cards were read from their SetupIntents first.
    assert len([c for c in stripe_calls.calls if c.path.startswith("/v1/setup_intents/")]) == 3
    # Pledges stay pledged until Stripe's webhook says each charge succeeded.
    assert {funding.donation(p["id"]) for p in pledges} == {"pledged"}
    for pledge in pledges:
        with app.app_context():
            intent = db.session.get(Donation, pledge["id"]).payment_intent_id
        stripe_events.send(stripe_events.payment_succeeded(pledge, payment_intent=intent))
    body = funding.campaign(campaign["id"])
    assert (body["raised"]["amount"], body["pledged"]["amount"], body["donors_count"]) == ("100.00", "0.00", 3)


def test_goal_missed_nothing_is_charged_and_pledgers_are_told(app, funding, stripe_events, stripe_calls, outbox):
    campaign = funding.live(funding_model="all_or_nothing", goal={"amount": "100.00", "currency": "EUR"}, budget_lines=[])
    pledges = [_pledge(funding, stripe_events, campaign, "40.00", f"p{n}@example.org") for n in range(2)]
    funding.pass_deadline(campaign)
    with app.app_context():
        assert close_due() == {campaign["id"]: "failed"}
        close_due()
    assert _charges(stripe_calls) == []
    assert {funding.donation(p["id"]) for p in pledges} == {"released"}
    told = [m for m in outbox if "not reached" in m.subject]
    assert sorted(m.to for m in told) == ["p0@example.org", "p1@example.org"]
    assert funding.campaign(campaign["id"])["pledged"]["amount"] == "0.00"


def test_matches_count_toward_an_all_or_nothing_goal(app, funding, stripe_events, stripe_calls):
    campaign = funding.live(funding_model="all_or_nothing", goal={"amount": "100.00", "currency": "EUR"}, budget_lines=[])
    funding.match(campaign, factor="1", per_donation="50.00", total="50.00")
    _pledge(funding, stripe_events, campaign, "60.00", "p@example.org")  # 60 + a 50 match ≥ 100
    funding.pass_deadline(campaign)
    with app.app_context():
        assert close_due() == {campaign["id"]: "succeeded"}
    assert len(_charges(stripe_calls)) == 1


def test_a_refused_card_fails_the_pledge_and_sends_a_link_to_pay(app, funding, stripe_events, stripe_calls, outbox):
    campaign = funding.live(funding_model="all_or_nothing", goal={"amount": "10.00", "currency": "EUR"}, budget_lines=[])
    pledge = _pledge(funding, stripe_events, campaign, "20.00", "refused@example.org")
    stripe_calls.decline = "card_declined"
    funding.pass_deadline(campaign)
    with app.app_context():
        close_due()
    assert funding.donation(pledge["id"]) == "failed"
    link = [c for c in stripe_calls.calls if c.path == "/v1/checkout/sessions"][-1]
    assert link.params["mode"] == ["payment"] and link.idempotency_key == f"coopex-donation-{pledge['id']}-pay-by-link"
    mail = [m for m in outbox if m.to == "refused@example.org" and "could not be charged" in m.subject]
    assert len(mail) == 1 and "https://checkout.stripe.com/" in mail[0].body
    # The donor pays through the link: the donation counts.
    assert stripe_events.deliver(stripe_events.checkout_completed(pledge)) == "succeeded"
    assert funding.campaign(campaign["id"])["raised"]["amount"] == "20.00"


def test_keep_it_all_campaigns_settle_without_charging_anything(app, funding, stripe_events, stripe_calls):
    reached = funding.live(goal={"amount": "50.00", "currency": "EUR"}, budget_lines=[])
    missed = funding.live(goal={"amount": "5000.00", "currency": "EUR"}, budget_lines=[])
    for campaign in (reached, missed):
        stripe_events.send(stripe_events.checkout_completed(funding.donate(campaign, "50.00")))
        funding.pass_deadline(campaign)
    with app.app_context():
        assert close_due() == {reached["id"]: "succeeded", missed["id"]: "failed"}
    assert _charges(stripe_calls) == []
    # The money is kept either way.
    assert funding.campaign(missed["id"])["raised"]["amount"] == "50.00"


@pytest.mark.usefixtures("stripe_calls")
def test_close_due_runs_from_the_command_line(app, funding):
    campaign = funding.live()
    funding.pass_deadline(campaign)
    result = app.test_cli_runner().invoke(args=["campaigns", "close-due"])
    assert result.exit_code == 0 and f"campaign {campaign['id']}: failed" in result.output


def test_two_close_due_runs_at_the_same_time_charge_each_pledge_once(committed_app, stripe_calls_committed):
    """Two workers settle at the same moment, each with its own connection: every pledge is charged exactly once."""
    from tests.campaigns.conftest import Funding, Stripe

    app = committed_app
    client = app.test_client()
    make = Factory(app)
    funding = Funding(app, client, make, lambda secret: {"Authorization": f"Bearer {secret}"})
    events = Stripe(app, client)
    campaign = funding.live(funding_model="all_or_nothing", goal={"amount": "100.00", "currency": "EUR"}, budget_lines=[])
    pledges = [_pledge(funding, events, campaign, "10.00", f"p{n}@example.org") for n in range(12)]
    funding.pass_deadline(campaign)

    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        with app.app_context():
            barrier.wait()
            outcomes.append(close_due())
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes, key=len) and any(o.get(campaign["id"]) == "succeeded" for o in outcomes)
    keys = [c.idempotency_key for c in _charges(stripe_calls_committed)]
    assert sorted(keys) == sorted(f"coopex-donation-{p['id']}-charge" for p in pledges)  # once each, no more
    with app.app_context():
        claimed = db.session.scalars(select(Donation.charge_requested_at).where(Donation.campaign_id == campaign["id"])).all()
        assert len(claimed) == 12 and all(claimed)
