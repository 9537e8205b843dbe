"""Stripe's events as production handles them: the endpoint stores each one and answers, the payments worker
(`flask payments apply`) applies them in batches — the donor's receipt says "processing" meanwhile, a batch mixing
campaigns and events out of order counts every one exactly, an event that fails waits for its next try without holding
up the others, and a worker killed in the middle of a batch loses nothing."""
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text, update

from app.campaigns.models import Campaign, Donation, LedgerEntry
from app.extensions import db
from app.models_base import utcnow
from app.payments.models import StripeEvent
from tests.campaigns.conftest import Funding, Stripe, apply_stored_events, ledger_sums
from tests.conftest import Factory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stored(app, client):
    """Stripe's webhooks stored and left for the worker, as in production (the test runs the worker itself)."""
    app.config["PAYMENTS_APPLY_AT_ONCE"] = False
    yield Stripe(app, client, by_worker=False)
    app.config["PAYMENTS_APPLY_AT_ONCE"] = True


def _receipt(app, client, donation):
    with app.app_context():
        token = db.session.get(Donation, donation["id"]).receipt_token
    page = client.get(f"/donations/{donation['id']}/receipt?token={token}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _figures(funding, campaign):
    body = funding.campaign(campaign["id"])
    return body["raised"]["amount"], body["matched"]["amount"], body["refunded"]["amount"], body["donors_count"]


def test_the_receipt_says_processing_until_the_worker_applies_the_payment(app, client, funding, stored):
    campaign = funding.live()
    donation = funding.donate(campaign, "25.00")
    assert "Waiting for the payment to be confirmed" in _receipt(app, client, donation)

    event = stored.checkout_completed(donation)
    assert stored.send(event).get_json() == {"received": True, "replay": False}
    page = _receipt(app, client, donation)
    assert "Processing" in page and "Paid on" not in page
    assert funding.donation(donation["id"]) == "pending" and _figures(funding, campaign) == ("0.00", "0.00", "0.00", 0)
    assert stored.send(event).get_json() == {"received": True, "replay": True}  # delivered again: stored once

    assert "1 event(s) applied, 0 to retry" in apply_stored_events(app)
    page = _receipt(app, client, donation)
    assert "Paid on" in page and "Processing" not in page
    assert funding.donation(donation["id"]) == "succeeded" and _figures(funding, campaign) == ("25.00", "0.00", "0.00", 1)
    assert stored.outcome(event) == "succeeded"


def test_the_receipt_says_processing_while_a_refund_named_by_its_payment_intent_waits(app, client, funding, stored):
    campaign = funding.live()
    donation = funding.donate(campaign, "25.00")
    stored.send(stored.payment_succeeded(donation, payment_intent="pi_refund_waits"))
    apply_stored_events(app)
    assert "Paid on" in _receipt(app, client, donation)

    stored.send(stored.charge_refunded(donation, payment_intent="pi_refund_waits", with_metadata=False))
    assert "Processing" in _receipt(app, client, donation)
    apply_stored_events(app)
    page = _receipt(app, client, donation)
    assert "Refunded on" in page and "Processing" not in page


def test_one_batch_applies_several_campaigns_events_each_in_the_order_they_came(app, funding, stored):
    first, second = funding.live(), funding.live(title="A bakery for the village")
    funding.match(first, factor="1", per_donation="20.00", total="30.00")  # its pool paid through the worker
    a, b, c = funding.donate(first, "50.00"), funding.donate(first, "50.00"), funding.donate(second, "10.00")
    events = [stored.charge_refunded(a, payment_intent="pi_a"),  # the refund comes before the payment it refunds
              stored.checkout_completed(c),
              stored.checkout_completed({**a, "payment_intent": "pi_a"}),
              stored.checkout_completed(b)]
    for event in events:
        assert stored.send(event).status_code == 200
    assert [stored.outcome(event) for event in events] == [None] * 4

    assert "4 event(s) applied, 0 to retry" in apply_stored_events(app)
    assert [stored.outcome(event) for event in events] == ["refunded", "succeeded", "already counted",
                                                           "succeeded, matched 2000"]
    assert _figures(funding, first) == ("100.00", "20.00", "50.00", 1)  # a's match went back to the pool, then to b
    assert _figures(funding, second) == ("10.00", "0.00", "0.00", 1)
    assert ledger_sums(app, first["id"]) == {"pool": 3000, "donation": 10000, "match": 4000, "refund": -7000}


def test_an_event_that_fails_waits_for_its_next_try_and_holds_up_no_other(app, client, funding, stored):
    campaign = funding.live()
    paid, other = funding.donate(campaign, "50.00"), funding.donate(campaign, "30.00")
    stored.send(stored.payment_succeeded(paid, payment_intent="pi_poison"))
    apply_stored_events(app)
    poison = stored.charge_refunded(paid, payment_intent="pi_poison")
    poison["data"]["object"]["refunds"] = ["re_not_an_object"]  # not Stripe's shape: the refund handler fails on it
    stored.send(poison)
    good = stored.checkout_completed(other)
    stored.send(good)

    assert "1 event(s) applied, 1 to retry" in apply_stored_events(app)
    assert stored.outcome(good) == "succeeded" and funding.donation(other["id"]) == "succeeded"
    assert funding.donation(paid["id"]) == "succeeded" and _figures(funding, campaign) == ("80.00", "0.00", "0.00", 2)
    with app.app_context():
        row = db.session.get(StripeEvent, poison["id"])
        assert (row.applied_at, row.outcome, row.attempts) == (None, None, 1)
        assert row.error.startswith("AttributeError") and row.next_attempt_at > utcnow()
    assert "Processing" in _receipt(app, client, paid)

    assert "0 event(s) applied, 0 to retry" in apply_stored_events(app)  # not due yet
    status = app.test_cli_runner().invoke(args=["payments", "status"]).output
    assert "1 waiting (1 failed at least once)" in status and f"{poison['id']} charge.refunded: 1 attempt(s)" in status

    with app.app_context():  # its time comes: tried again, it fails again and waits longer
        db.session.execute(update(StripeEvent).where(StripeEvent.id == poison["id"])
                           .values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
    assert "0 event(s) applied, 1 to retry" in apply_stored_events(app)
    with app.app_context():
        row = db.session.get(StripeEvent, poison["id"])
        assert row.attempts == 2 and row.next_attempt_at > utcnow() + dt.timedelta(seconds=1)


def test_an_event_the_app_cannot_apply_at_once_is_still_answered_200_and_kept(app, funding, stripe_events):
    campaign = funding.live()
    donation = funding.donate(campaign, "50.00")
    assert stripe_events.deliver(stripe_events.payment_succeeded(donation, payment_intent="pi_kept")) == "succeeded"
    poison = stripe_events.charge_refunded(donation, payment_intent="pi_kept")
    poison["data"]["object"]["refunds"] = ["re_not_an_object"]
    response = stripe_events.send(poison)
    assert response.status_code == 200 and response.get_json() == {"received": True, "replay": False}
    assert stripe_events.outcome(poison) is None and funding.donation(donation["id"]) == "succeeded"


# A worker killed in the middle of a batch ---------------------------------------------------------------------------------


def _start_worker(name, batch):
    """`flask payments apply --watch` as its own process on the test database, its connection named `name`."""
    env = {**os.environ, "COOPEX_CONFIG": "testing", "PGAPPNAME": name}
    return subprocess.Popen([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "payments", "apply", "--watch",
                             "--interval", "0.05", "--batch", str(batch)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _stop(worker, how):
    if worker.poll() is None:
        worker.send_signal(how)
    worker.wait(timeout=30)
    worker.stderr.close()


def _wait_for(condition, what, worker, seconds=60, poll=0.02):
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, f"the worker stopped: {worker.stderr.read().decode()[-2000:]}"
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(poll)


def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing(committed_app):
    """PostgreSQL: the test holds the lock of one donation, so the worker's batch that reaches it stops there, after
    applying (uncommitted) the events of an earlier campaign in the same batch; the worker is SIGKILLed then, started
    again, and every figure of both campaigns is exact. SQLite, which has no row locks to stop it with: the worker,
    applying one event a transaction, is killed as soon as it has applied a few (most likely in a transaction)."""
    app = committed_app
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    app.config.update(DONATION_RATE_LIMIT="1000 per minute", PAYMENTS_APPLY_AT_ONCE=False)
    client = app.test_client()
    funding = Funding(app, client, Factory(app), lambda secret: {"Authorization": f"Bearer {secret}"})
    events = Stripe(app, client, by_worker=False)
    campaigns = [funding.live(goal={"amount": "10000.00", "currency": "EUR"}, budget_lines=[], title=title)
                 for title in ("A cold store for the valley", "A bakery for the village")]
    for campaign in campaigns:  # 1:1 up to 5.00 a donation, 60.00 in all: used up about halfway
        funding.match(campaign, factor="1", per_donation="5.00", total="60.00")
    gifts = {c["id"]: [funding.donate(c, "7.50", email=f"donor{n}@example.org") for n in range(24)] for c in campaigns}
    refunded = {gifts[c["id"]][n]["id"] for c in campaigns for n in (3, 17)}
    deliveries = []
    for first, second in zip(*gifts.values(), strict=True):  # the two campaigns' events interleaved
        for donation in (first, second):
            if donation["id"] in refunded:  # the refund comes first, then the payment it refunds
                intent = f"pi_{uuid.uuid4().hex[:12]}"
                deliveries += [events.charge_refunded(donation, payment_intent=intent),
                               events.checkout_completed({**donation, "payment_intent": intent})]
            else:
                deliveries.append(events.checkout_completed(donation))
    deliveries += deliveries[5:9]  # some delivered twice
    for event in deliveries:
        assert events.send(event).status_code == 200

    def applied(connection=None):
        """The events applied, as committed (read on `connection` if given)."""
        statement = select(func.count()).select_from(StripeEvent).where(StripeEvent.applied_at.is_not(None))
        if connection is not None:
            return connection.scalar(statement)
        with app.app_context():
            count = db.session.scalar(statement)
            db.session.remove()
            return count

    # PostgreSQL: the test holds a donation of the second campaign, received late: the worker's batch holding its event
    # applies the first campaign's share of the batch, then waits for that lock, inside its transaction.
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    blocker = engine.connect()
    if postgres:
        blocker.execute(select(Donation.id).where(Donation.id == gifts[campaigns[1]["id"]][18]["id"]).with_for_update())
    name = f"coopex-test-payments-{uuid.uuid4().hex[:8]}"
    batch = 6 if postgres else 1
    worker = _start_worker(name, batch)
    try:
        def waiting_for_the_lock():
            with engine.connect() as connection:  # a transaction of its own: the activity as it is now
                row = connection.execute(text("SELECT wait_event_type FROM pg_stat_activity WHERE application_name = :name"),
                                         {"name": name}).first()
            return row is not None and row.wait_event_type == "Lock"

        if postgres:
            _wait_for(waiting_for_the_lock, "the worker to wait for the held donation", worker)
            before_kill = applied(blocker)
            assert 2 < before_kill < 2 + len(deliveries) - 4  # some batches committed, some events left
        else:
            _wait_for(lambda: applied(blocker) > 4, "the worker's first events", worker, poll=0.001)
    finally:
        _stop(worker, signal.SIGKILL)
        blocker.rollback()
        blocker.close()
        engine.dispose()
    if postgres:
        assert applied() == before_kill  # what the killed batch did is gone with it

    worker = _start_worker(name, batch)
    try:
        _wait_for(lambda: applied() == 2 + len(deliveries) - 4, "the restarted worker to apply every event", worker)
    finally:
        _stop(worker, signal.SIGTERM)

    with app.app_context():
        assert db.session.scalar(select(func.max(StripeEvent.attempts))) == 1  # each applied once, by one transaction
        for campaign in campaigns:
            mine = gifts[campaign["id"]]
            kept = [d for d in mine if d["id"] not in refunded]
            row = db.session.get(Campaign, campaign["id"])
            matched = min(6000, 500 * len(kept))
            assert (row.raised_minor, row.refunded_minor, row.matched_minor, row.donors_count) == (
                750 * len(mine), 750 * 2, matched, len(kept))
            counted = db.session.execute(select(LedgerEntry.donation_id, func.count()).where(
                LedgerEntry.campaign_id == campaign["id"], LedgerEntry.kind == "donation")
                .group_by(LedgerEntry.donation_id)).all()
            assert len(counted) == len(mine) and {n for _d, n in counted} == {1}
    for campaign in campaigns:
        sums = ledger_sums(app, campaign["id"])
        assert (sums["donation"], sums["match"] + sums["refund"] + 750 * 2) == (750 * 24, 6000)
