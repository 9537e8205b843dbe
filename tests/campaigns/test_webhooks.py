"""Stripe's signed webhooks against the real endpoint: success, replay, tampered and stale signatures, wrong amounts,
unknown donations and event types, events out of order, refunds — and what each leaves in the ledger. Every event goes
through the inbox, and every test runs twice: the app applying each stored event at once, then the payments worker."""
import time

import pytest

from app.extensions import db
from app.payments.models import StripeEvent
from tests.campaigns.conftest import ledger_sums

pytestmark = pytest.mark.usefixtures("either_path")

@pytest.fixture
def given(funding):
    campaign = funding.live()
    return campaign, funding.donate(campaign, "50.00", name="Dana", message="For the growers!")


def _figures(funding, campaign):
    body = funding.campaign(campaign["id"])
    return body["raised"]["amount"], body["matched"]["amount"], body["refunded"]["amount"], body["donors_count"]


def test_a_paid_checkout_makes_the_donation_succeed_and_counts_it_once(app, funding, stripe_events, given):
    campaign, donation = given
    assert donation["status"] == "pending" and funding.donation(donation["id"]) == "pending"
    assert _figures(funding, campaign) == ("0.00", "0.00", "0.00", 0)

    event = stripe_events.checkout_completed(donation)
    response = stripe_events.send(event)
    assert response.status_code == 200 and response.get_json() == {"received": True, "replay": False}
    assert stripe_events.outcome(event) == "succeeded"
    assert funding.donation(donation["id"]) == "succeeded"
    assert _figures(funding, campaign) == ("50.00", "0.00", "0.00", 1)
    assert ledger_sums(app, campaign["id"]) == {"donation": 5000}
    # Stripe also sends payment_intent.succeeded for the same payment: it changes nothing.
    assert stripe_events.deliver(stripe_events.payment_succeeded(donation)) == "already counted"
    assert _figures(funding, campaign) == ("50.00", "0.00", "0.00", 1)


def test_a_replayed_event_is_answered_200_and_changes_nothing(app, funding, stripe_events, given):
    campaign, donation = given
    event = stripe_events.checkout_completed(donation)
    assert stripe_events.send(event).status_code == 200
    replay = stripe_events.send(event)
    assert replay.status_code == 200 and replay.get_json() == {"received": True, "replay": True}
    assert stripe_events.outcome(event) == "succeeded"  # what the first delivery did
    assert _figures(funding, campaign) == ("50.00", "0.00", "0.00", 1)
    assert ledger_sums(app, campaign["id"]) == {"donation": 5000}


@pytest.mark.parametrize("how", ["tampered body", "wrong secret", "no header", "garbage header", "stale", "future"])
def test_a_bad_or_stale_signature_is_a_400_and_changes_nothing(app, funding, stripe_events, given, how):
    campaign, donation = given
    event = stripe_events.checkout_completed(donation)
    if how == "tampered body":
        response = stripe_events.send(event, tamper=lambda body: body.replace(b'"amount_total": 5000', b'"amount_total": 9000'))
    elif how == "wrong secret":
        response = stripe_events.send(event, secret="whsec_someone_else")
    elif how == "stale":
        response = stripe_events.send(event, timestamp=int(time.time()) - 301)
    elif how == "future":
        response = stripe_events.send(event, timestamp=int(time.time()) + 3600)
    else:
        response = stripe_events.client.post("/payments/stripe/webhook", json=event,
                                              headers={} if how == "no header" else {"Stripe-Signature": "t=1,v1=abc"})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "invalid_webhook"
    assert funding.donation(donation["id"]) == "pending"
    assert ledger_sums(app, campaign["id"]) == {}
    with app.app_context():
        assert db.session.get(StripeEvent, event["id"]) is None


@pytest.mark.parametrize(("amount", "currency"), [(4999, None), (500000, None), (5000, "usd")])
def test_a_wrong_amount_or_currency_is_flagged_for_review_not_counted(app, funding, stripe_events, given, amount, currency):
    campaign, donation = given
    assert "review" in stripe_events.deliver(stripe_events.checkout_completed(donation, amount=amount, currency=currency))
    assert funding.donation(donation["id"]) == "review"
    assert _figures(funding, campaign) == ("0.00", "0.00", "0.00", 0)
    assert ledger_sums(app, campaign["id"]) == {}
    # A later, correct event does not slip it past the review either.
    assert stripe_events.deliver(stripe_events.payment_succeeded(donation)) == "under review"
    assert _figures(funding, campaign) == ("0.00", "0.00", "0.00", 0)


@pytest.mark.parametrize("metadata", [{"donation_id": "999999"}, {}, {"donation_id": "abc"}, {"donation_id": "1" * 40}])
def test_an_event_for_an_unknown_donation_is_answered_200_and_recorded(app, funding, stripe_events, given, metadata):
    campaign, donation = given
    event = stripe_events.checkout_completed(donation)
    event["data"]["object"]["metadata"] = metadata
    event["data"]["object"]["payment_intent"] = "pi_nobody_knows"
    assert stripe_events.deliver(event) == "ignored: unknown payment"
    assert funding.donation(donation["id"]) == "pending"
    with app.app_context():
        assert db.session.get(StripeEvent, event["id"]).outcome == "ignored: unknown payment"


def test_an_event_type_we_do_not_use_is_answered_200(app, funding, stripe_events, given):
    campaign, donation = given
    assert "not used" in stripe_events.deliver(stripe_events.event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert ledger_sums(app, campaign["id"]) == {}


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"id": "evt_1"}', b'{"id": "evt_1", "type": "x", "data": {"object": 3}}'])
def test_a_signed_body_that_is_not_an_event_is_a_400(app, stripe_events, body):
    from tests.campaigns.conftest import signature

    response = stripe_events.client.post("/payments/stripe/webhook", data=body, content_type="application/json",
                                         headers={"Stripe-Signature": signature(body, stripe_events.secret)})
    assert response.status_code == 400


def test_a_failed_payment_fails_the_donation_and_a_later_success_still_counts(app, funding, stripe_events, given):
    campaign, donation = given
    assert stripe_events.deliver(stripe_events.payment_failed(donation)) == "failed"
    assert funding.donation(donation["id"]) == "failed"
    # The donor tried again on the Checkout page and paid: Stripe's word on the money wins.
    assert stripe_events.deliver(stripe_events.checkout_completed(donation)) == "succeeded"
    assert _figures(funding, campaign) == ("50.00", "0.00", "0.00", 1)
    # A failure reported after the success does not undo it.
    assert stripe_events.deliver(stripe_events.payment_failed(donation)).startswith("ignored")
    assert funding.donation(donation["id"]) == "succeeded"


def test_a_refund_arriving_before_the_payment_success_counts_the_payment_then_gives_it_back(app, funding, stripe_events, given):
    campaign, donation = given
    funding.match(campaign, factor="1", per_donation="20.00", total="1000.00")  # matched and given back in one go
    payment_intent = "pi_out_of_order_1"
    refund = stripe_events.charge_refunded(donation, payment_intent=payment_intent)
    assert stripe_events.deliver(refund) == "refunded"
    assert funding.donation(donation["id"]) == "refunded"
    # The late success events change nothing.
    late = stripe_events.checkout_completed({**donation, "payment_intent": payment_intent})
    assert stripe_events.deliver(late) == "already counted"
    assert stripe_events.send(stripe_events.payment_succeeded(donation, payment_intent=payment_intent)).status_code == 200
    assert _figures(funding, campaign) == ("50.00", "0.00", "50.00", 0)
    assert ledger_sums(app, campaign["id"]) == {"pool": 100000, "donation": 5000, "match": 2000, "refund": -7000}
    assert funding.ledger(campaign["id"])["balance"] == {"amount": "0.00", "currency": "EUR"}


def test_a_refund_gives_back_the_donation_and_its_match(app, funding, stripe_events, given):
    campaign, donation = given
    funding.match(campaign, factor="1", per_donation="30.00", total="1000.00")
    stripe_events.send(stripe_events.payment_succeeded(donation, payment_intent="pi_refund_me"))
    assert _figures(funding, campaign) == ("50.00", "30.00", "0.00", 1)

    owner = funding.h["owner"]
    response = funding.client.post(f"/api/v1/donations/{donation['id']}/refund", headers=owner)
    assert response.status_code == 200, response.get_json()
    assert funding.donation(donation["id"]) == "succeeded"  # until Stripe confirms
    confirmed = stripe_events.charge_refunded(donation, payment_intent="pi_refund_me", with_metadata=False)
    assert stripe_events.deliver(confirmed) == "refunded"
    assert funding.donation(donation["id"]) == "refunded"
    assert _figures(funding, campaign) == ("50.00", "0.00", "50.00", 0)
    assert ledger_sums(app, campaign["id"]) == {"pool": 100000, "donation": 5000, "match": 3000, "refund": -8000}
    ledger = funding.ledger(campaign["id"])
    assert ledger["balance"]["amount"] == "0.00" and ledger["totals"]["refund"]["amount"] == "-80.00"
    # The pledge's room is free again.
    second = funding.donate(campaign, "10.00")
    stripe_events.send(stripe_events.checkout_completed(second))
    assert _figures(funding, campaign) == ("60.00", "10.00", "50.00", 1)


def test_a_partial_refund_is_not_ours_and_changes_nothing(app, funding, stripe_events, given):
    campaign, donation = given
    stripe_events.send(stripe_events.checkout_completed(donation))
    event = stripe_events.charge_refunded(donation)
    event["data"]["object"]["amount_refunded"] = 1000
    assert "partial" in stripe_events.deliver(event)
    assert funding.donation(donation["id"]) == "succeeded"


def test_an_all_or_nothing_checkout_saves_a_card_as_a_pledge(app, funding, stripe_events):
    campaign = funding.live(funding_model="all_or_nothing")
    donation = funding.donate(campaign, "25.00")
    assert stripe_events.deliver(stripe_events.checkout_completed(donation, mode="setup")) == "pledged"
    assert funding.donation(donation["id"]) == "pledged"
    body = funding.campaign(campaign["id"])
    assert body["pledged"]["amount"] == "25.00" and body["raised"]["amount"] == "0.00"
    assert body["progress"]["amount"] == "25.00" and body["donors_count"] == 0
    assert ledger_sums(app, campaign["id"]) == {}


def _charge_event(stripe_events, donation, transaction, event_type="charge.updated"):
    charge = {"id": "ch_fee_1", "object": "charge", "amount": donation["minor"], "currency": donation["currency"].lower(),
              "status": "succeeded", "paid": True, "payment_intent": "pi_fee_1", "balance_transaction": transaction,
              "metadata": {"donation_id": str(donation["id"])}}
    return stripe_events.event(event_type, charge)


def test_stripes_fee_enters_the_ledger_once_when_the_charge_reports_it(app, funding, stripe_events, given):
    campaign, donation = given
    stripe_events.send(stripe_events.checkout_completed(donation))
    transaction = {"id": "txn_fee_1", "object": "balance_transaction", "fee": 175, "currency": "eur"}
    outcome = stripe_events.deliver(_charge_event(stripe_events, donation, transaction))
    assert outcome == "already counted; fee recorded"
    assert stripe_events.deliver(_charge_event(stripe_events, donation, transaction)).endswith(
        "no fee to record")
    assert ledger_sums(app, campaign["id"]) == {"donation": 5000, "fee": -175}
    assert funding.ledger(campaign["id"])["balance"]["amount"] == "48.25"


def test_a_charge_success_arriving_first_counts_the_payment(app, funding, stripe_events, given):
    campaign, donation = given
    transaction = {"id": "txn_fee_2", "object": "balance_transaction", "fee": 100, "currency": "usd"}
    outcome = stripe_events.deliver(_charge_event(stripe_events, donation, transaction, "charge.succeeded"))
    assert outcome.startswith("succeeded") and "not recorded" in outcome  # a fee settled in USD is not EUR money
    assert ledger_sums(app, campaign["id"]) == {"donation": 5000}


def test_a_fee_given_as_a_balance_transaction_id_is_read_from_stripe(app, funding, stripe_events, stripe_calls):
    campaign = funding.live(goal={"amount": "1000.00", "currency": "USD"}, budget_lines=[])
    donation = funding.donate(campaign, "20.00")
    stripe_events.send(stripe_events.checkout_completed(donation))
    outcome = stripe_events.deliver(_charge_event(stripe_events, donation, "txn_123"))
    assert [c.path for c in stripe_calls.calls if c.method == "GET"] == ["/v1/balance_transactions/txn_123"]
    assert outcome == "already counted; no fee to record"  # stripe-mock's balance transaction has a fee of 0
