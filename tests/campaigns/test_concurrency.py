"""Fifty webhook deliveries at once for one campaign whose match pledge is near its cap, through a real HTTP server and
the database's own locks (PostgreSQL under `make test-pg`, SQLite otherwise): every figure exact, the caps kept."""
import json
import threading

import requests
from sqlalchemy import func, select

from app.campaigns.models import Campaign, Donation, LedgerEntry, MatchPledge, StripeEvent
from app.extensions import db
from tests.campaigns.conftest import Funding, Stripe, signature
from tests.conftest import Factory


def test_fifty_deliveries_at_once_count_every_donation_once_and_match_within_the_caps(committed_app, live_server):
    app = committed_app
    app.config["DONATION_RATE_LIMIT"] = "1000 per minute"  # fifty donations from one address, within the minute
    client = app.test_client()
    funding = Funding(app, client, Factory(app), lambda secret: {"Authorization": f"Bearer {secret}"})
    events = Stripe(app, client)
    campaign = funding.live(goal={"amount": "10000.00", "currency": "EUR"}, budget_lines=[])
    funding.match(campaign, factor="1", per_donation="4.00", total="100.00")  # room for 25 full matches of 4.00
    donations = [funding.donate(campaign, "7.50", email=f"donor{n}@example.org") for n in range(50)]
    deliveries = [events.checkout_completed(donation) for donation in donations]
    deliveries += deliveries[:10]  # Stripe delivers some twice, at the same moment

    barrier = threading.Barrier(len(deliveries))
    answers = []

    def deliver(event):
        payload = json.dumps(event).encode()
        barrier.wait()
        response = requests.post(f"{live_server}/payments/stripe/webhook", data=payload, timeout=60,
                                 headers={"Stripe-Signature": signature(payload, events.secret),
                                          "Content-Type": "application/json"})
        answers.append((response.status_code, response.json().get("outcome")))

    threads = [threading.Thread(target=deliver, args=(event,)) for event in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(answers) == 60 and {status for status, _outcome in answers} == {200}, answers
    assert sum(1 for _status, outcome in answers if outcome.startswith("succeeded")) == 50
    with app.app_context():
        row = db.session.get(Campaign, campaign["id"])
        assert (row.raised_minor, row.matched_minor, row.donors_count) == (37_500, 10_000, 50)
        pledge = db.session.scalar(select(MatchPledge).where(MatchPledge.campaign_id == campaign["id"]))
        assert pledge.matched_minor == pledge.cap_total_minor == 10_000
        sums = dict(db.session.execute(select(LedgerEntry.kind, func.sum(LedgerEntry.amount_minor))
                                       .where(LedgerEntry.campaign_id == campaign["id"]).group_by(LedgerEntry.kind)).all())
        assert sums == {"donation": 37_500, "match": 10_000}
        matches = db.session.scalars(select(LedgerEntry.amount_minor).where(LedgerEntry.kind == "match",
                                                                            LedgerEntry.campaign_id == campaign["id"])).all()
        assert all(0 < amount <= 400 for amount in matches)
        assert db.session.scalar(select(func.count()).select_from(Donation).where(Donation.status == "succeeded")) == 50
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 50
