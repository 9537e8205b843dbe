"""Fifty webhook deliveries at once for one campaign whose paid match pool is near its cap, through a real HTTP server
into the inbox, applied meanwhile by two payments workers (one on SQLite) under the database's own locks (PostgreSQL
under `make test-pg`, SQLite otherwise): every figure exact, the caps kept, no pool overdrawn; then two settling runs at
the same moment refund what is left in the pools exactly once."""
import json
import threading
import time

import requests
from sqlalchemy import func, select

from app.campaigns.models import Campaign, Donation, LedgerEntry, MatchPledge
from app.campaigns.settlement import close_due
from app.extensions import db
from app.payments.inbox import apply_all
from app.payments.models import StripeEvent
from tests.campaigns.conftest import Funding, Stripe, signature
from tests.conftest import Factory


def _at_once(count, work):
    barrier = threading.Barrier(count)

    def run():
        barrier.wait()
        work()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


class Workers:
    """Payments workers in threads, each applying small batches until told to stop and nothing is left."""

    def __init__(self, app, count):
        self.app, self.stop, self.applied = app, threading.Event(), []
        self.threads = [threading.Thread(target=self._work) for _ in range(count)]
        for thread in self.threads:
            thread.start()

    def _work(self):
        with self.app.app_context():
            while True:
                result = apply_all(batch=7)
                self.applied.append(result.applied)
                if self.stop.is_set() and not result.events:
                    break
                time.sleep(0.01)
            db.session.remove()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


def test_fifty_deliveries_at_once_count_every_donation_once_and_match_within_the_caps(committed_app, live_server,
                                                                                        stripe_calls_committed):
    app = committed_app
    app.config["DONATION_RATE_LIMIT"] = "1000 per minute"  # fifty donations from one address, within the minute
    app.config["PAYMENTS_APPLY_AT_ONCE"] = False  # the workers apply, as in production
    client = app.test_client()
    funding = Funding(app, client, Factory(app), lambda secret: {"Authorization": f"Bearer {secret}"})
    events = Stripe(app, client)
    campaign = funding.live(goal={"amount": "10000.00", "currency": "EUR"}, budget_lines=[])
    near_cap = funding.match(campaign, factor="1", per_donation="4.00", total="100.00")  # room for 25 matches of 4.00
    rest = funding.match(campaign, factor="0.1", per_donation="1.00", total="100.00")  # 50 × 0.75 drawn, 62.50 left
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
        answers.append((response.status_code, response.json().get("replay")))

    workers = Workers(app, 2 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else 1)
    threads = [threading.Thread(target=deliver, args=(event,)) for event in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    workers.finish()

    assert len(answers) == 60 and {status for status, _replay in answers} == {200}, answers
    assert sum(1 for _status, replay in answers if replay) == 10
    assert sum(workers.applied) == 50
    with app.app_context():
        outcomes = db.session.scalars(select(StripeEvent.outcome).where(StripeEvent.id.in_([e["id"] for e in deliveries])))
        assert sorted(outcome.split(",")[0] for outcome in outcomes) == ["succeeded"] * 50
        row = db.session.get(Campaign, campaign["id"])
        assert (row.raised_minor, row.matched_minor, row.donors_count) == (37_500, 10_000 + 3_750, 50)
        first, second = (db.session.get(MatchPledge, pledge["id"]) for pledge in (near_cap, rest))
        assert first.matched_minor == first.paid_minor == first.cap_total_minor == 10_000  # drawn to the last cent
        assert (second.matched_minor, second.paid_minor) == (3_750, 10_000)
        sums = dict(db.session.execute(select(LedgerEntry.kind, func.sum(LedgerEntry.amount_minor))
                                       .where(LedgerEntry.campaign_id == campaign["id"]).group_by(LedgerEntry.kind)).all())
        assert sums == {"pool": 20_000, "donation": 37_500, "match": 13_750}
        for pledge, most in ((first, 400), (second, 75)):
            matches = db.session.scalars(select(LedgerEntry.amount_minor).where(
                LedgerEntry.kind == "match", LedgerEntry.match_pledge_id == pledge.id)).all()
            assert all(0 < amount <= most for amount in matches) and sum(matches) == pledge.matched_minor
        assert db.session.scalar(select(func.count()).select_from(Donation).where(Donation.status == "succeeded")) == 50
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 52  # two pools, fifty donations

    # The deadline passes and two workers settle at the same moment: the rest of the second pool (62.50) is refunded
    # once, through Stripe, with one idempotency key; the first pool has nothing left to give back.
    funding.pass_deadline(campaign)

    def settle():
        with app.app_context():
            close_due()
            db.session.remove()

    _at_once(2, settle)
    refunds = [call for call in stripe_calls_committed.calls if call.method == "POST" and call.path == "/v1/refunds"]
    assert [(c.params["amount"], c.idempotency_key) for c in refunds] == [
        (["6250"], f"coopex-match-pledge-{rest['id']}-refund")]
    settle()  # and a later run asks nothing more
    assert len([c for c in stripe_calls_committed.calls if c.path == "/v1/refunds"]) == 1
    assert (funding.pledge(near_cap["id"])["status"], funding.pledge(rest["id"])["status"]) == ("settled", "refunded")
    assert funding.pledge(rest["id"])["refunded_minor"] == 6_250
    ledger = funding.ledger(campaign["id"])
    assert ledger["pools"] == {"paid_in": {"amount": "200.00", "currency": "EUR"},
                               "drawn": {"amount": "137.50", "currency": "EUR"},
                               "refunded": {"amount": "62.50", "currency": "EUR"},
                               "held": {"amount": "0.00", "currency": "EUR"}}
    assert ledger["balance"]["amount"] == "512.50"  # 375.00 given + 137.50 matched: the campaign's own money
    assert [e["amount"]["amount"] for e in ledger["entries"] if e["kind"] == "return"] == ["-62.50"]
