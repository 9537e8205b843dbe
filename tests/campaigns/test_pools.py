"""Match funding backed by money: a verified organisation offers, the campaign's owners accept or decline, the pledger
pays its cap into a match pool through Checkout (Stripe's signed webhook), only then does it match; what is left is
refunded at settlement, the whole pool when an all-or-nothing campaign fails. And charges count only when paid. Every
test runs twice: the app applying each stored Stripe event at once, then the payments worker."""
import pytest

from app.campaigns.settlement import close_due
from tests.audit import trail
from tests.campaigns.conftest import ledger_sums

pytestmark = pytest.mark.usefixtures("either_path")

def _figures(funding, campaign):
    body = funding.campaign(campaign["id"])
    return body["raised"]["amount"], body["matched"]["amount"], body["progress"]["amount"]


def _paid(funding, stripe_events, campaign, amount="50.00"):
    donation = funding.donate(campaign, amount)
    assert stripe_events.send(stripe_events.checkout_completed(donation)).status_code == 200
    return donation


def test_an_offered_or_accepted_pledge_matches_nothing_until_its_pool_is_paid(app, funding, stripe_events):
    campaign = funding.live()
    pledge = funding.offer(campaign, factor="1", per_donation="20.00", total="100.00")
    assert pledge["status"] == "offered" and pledge["paid"]["amount"] == "0.00"
    _paid(funding, stripe_events, campaign)
    assert _figures(funding, campaign) == ("50.00", "0.00", "50.00")  # a promise counts nothing

    pledge = funding.accept(pledge)
    assert pledge["status"] == "accepted"
    _paid(funding, stripe_events, campaign)
    assert _figures(funding, campaign) == ("100.00", "0.00", "100.00")

    assert funding.pay(pledge) == "pool paid"
    assert funding.pledge(pledge["id"])["status"] == "active"
    _paid(funding, stripe_events, campaign)
    assert _figures(funding, campaign) == ("150.00", "20.00", "170.00")
    assert ledger_sums(app, campaign["id"]) == {"pool": 10000, "donation": 15000, "match": 2000}
    ledger = funding.ledger(campaign["id"])
    assert ledger["balance"]["amount"] == "170.00"  # the pool is not the campaign's money until a match draws it
    assert {name: money["amount"] for name, money in ledger["pools"].items()} == {
        "paid_in": "100.00", "drawn": "20.00", "refunded": "0.00", "held": "80.00"}


def test_the_pledgers_checkout_is_for_its_cap_in_all_with_the_pledge_in_its_metadata(funding, stripe_calls):
    campaign = funding.live()
    pledge = funding.accept(funding.offer(campaign, total="250.00"))
    response = funding.client.post(f"/api/v1/match-pledges/{pledge['id']}/checkout", headers=funding.h["bank"])
    assert response.status_code == 201 and response.get_json()["amount"] == {"amount": "250.00", "currency": "EUR"}
    [call] = [c for c in stripe_calls.calls if c.path == "/v1/checkout/sessions"]
    assert call.params["mode"] == ["payment"] and call.params["line_items[0][price_data][unit_amount]"] == ["25000"]
    assert call.params["metadata[match_pledge_id]"] == [str(pledge["id"])]
    assert call.params["payment_intent_data[metadata][match_pledge_id]"] == [str(pledge["id"])]
    assert call.idempotency_key == f"coopex-match-pledge-{pledge['id']}-checkout"


def test_only_a_verified_organisation_may_offer(app, funding, make, auth, client):
    campaign = funding.live()
    newcomer_user = make.user(name="Nina Newcomer")
    newcomer = make.organization(newcomer_user, name="Brand New Trading Ltd", legal_form="sme", verified=False)
    response = client.post(f"/api/v1/campaigns/{campaign['id']}/match-pledges", headers=auth(make.token(newcomer_user)),
                           json={"organization_id": newcomer.id, "factor": "10",
                                 "cap_per_donation": {"amount": "1000000.00", "currency": "EUR"},
                                 "cap_total": {"amount": "1000000.00", "currency": "EUR"}})
    assert response.status_code == 403 and "verified" in response.get_json()["error"]["message"]
    assert trail(app, newcomer.id) == []


def test_only_the_campaigns_owners_accept_or_decline_and_only_the_pledger_pays(funding, client, make, auth):
    campaign = funding.live()
    pledge = funding.offer(campaign)
    stranger = make.user(name="Sam Stranger")
    make.organization(stranger, name="Elsewhere Cooperative", verified=True)
    seller = make.member(funding.owner, role="seller")
    for headers, status in ((auth(make.token(stranger)), 404), (auth(make.token(seller)), 403), (funding.h["bank"], 403)):
        assert client.post(f"/api/v1/match-pledges/{pledge['id']}/accept", headers=headers).status_code == status
        assert client.post(f"/api/v1/match-pledges/{pledge['id']}/decline", headers=headers).status_code == status
    assert client.post(f"/api/v1/match-pledges/{pledge['id']}/accept").status_code == 401
    # Not accepted yet: the pledger cannot pay; the owners cannot pay for it either.
    assert client.post(f"/api/v1/match-pledges/{pledge['id']}/checkout", headers=funding.h["bank"]).status_code == 409
    funding.accept(pledge)
    assert client.post(f"/api/v1/match-pledges/{pledge['id']}/checkout", headers=funding.h["owner"]).status_code == 403
    assert client.post(f"/api/v1/match-pledges/{pledge['id']}/accept", headers=funding.h["owner"]).status_code == 409


def test_a_declined_pledge_never_matches_and_its_decision_is_in_the_audit_trail(app, funding, stripe_events, client):
    campaign = funding.live()
    pledge = funding.offer(campaign)
    response = client.post(f"/api/v1/match-pledges/{pledge['id']}/decline", headers=funding.h["owner"])
    assert response.status_code == 200 and response.get_json()["status"] == "declined"
    assert client.post(f"/api/v1/match-pledges/{pledge['id']}/checkout", headers=funding.h["bank"]).status_code == 409
    # Even a payment Stripe reports for it does not make it match.
    assert "not accepted" in stripe_events.deliver(stripe_events.pool_paid(pledge))
    _paid(funding, stripe_events, campaign)
    assert _figures(funding, campaign) == ("50.00", "0.00", "50.00")
    [(action, actor, subject, details, _ip)] = trail(app, funding.owner.id)
    assert (action, actor, subject) == ("match_pledge.declined", funding.owner_user.email, f"match_pledge:{pledge['id']}")


def test_a_pool_payment_of_another_amount_or_a_replay_changes_nothing(app, funding, stripe_events):
    campaign = funding.live()
    pledge = funding.accept(funding.offer(campaign, total="100.00"))
    assert "mismatch" in funding.pay(pledge, amount=9999)
    assert funding.pledge(pledge["id"])["status"] == "accepted"
    event = stripe_events.pool_paid(pledge, payment_intent="pi_pool_once")
    assert stripe_events.deliver(event) == "pool paid"
    assert stripe_events.send(event).get_json()["replay"] is True
    assert stripe_events.deliver(stripe_events.pool_paid(pledge, payment_intent="pi_pool_once")) == "already paid"
    assert ledger_sums(app, campaign["id"]) == {"pool": 10000}


def test_at_settlement_the_rest_of_the_pool_is_refunded_once_and_shows_in_the_ledger(app, funding, stripe_events,
                                                                                     stripe_calls):
    campaign = funding.live(goal={"amount": "80.00", "currency": "EUR"}, budget_lines=[])  # reached with the match
    pledge = funding.match(campaign, factor="1", per_donation="30.00", total="100.00")
    unpaid = funding.accept(funding.offer(campaign))
    _paid(funding, stripe_events, campaign, "50.00")
    funding.pass_deadline(campaign)
    with app.app_context():
        assert close_due() == {campaign["id"]: "succeeded"}
        assert close_due() == {}
    refunds = [c for c in stripe_calls.calls if c.path == "/v1/refunds"]
    assert [(c.params["amount"], c.params["payment_intent"], c.idempotency_key) for c in refunds] == [
        (["7000"], [pledge["payment_intent_id"]], f"coopex-match-pledge-{pledge['id']}-refund")]
    row = funding.pledge(pledge["id"])
    assert (row["status"], row["refunded_minor"], bool(row["refund_id"])) == ("refunded", 7000, True)
    assert funding.pledge(unpaid["id"])["status"] == "cancelled"
    ledger = funding.ledger(campaign["id"])
    assert [(e["kind"], e["amount"]["amount"]) for e in ledger["entries"]] == [
        ("pool", "100.00"), ("donation", "50.00"), ("match", "30.00"), ("return", "-70.00")]
    assert {name: money["amount"] for name, money in ledger["pools"].items()} == {
        "paid_in": "100.00", "drawn": "30.00", "refunded": "70.00", "held": "0.00"}
    assert ledger["balance"]["amount"] == "80.00"
    [(action, _actor, subject, details, _ip)] = [e for e in trail(app, funding.bank.id) if e[0] == "match_pledge.refunded"]
    assert subject == f"match_pledge:{pledge['id']}" and details["amount_minor"] == 7000
    # Stripe's confirmation of the partial refund changes nothing more.
    confirm = stripe_events.event("charge.refunded", {"id": "ch_pool", "object": "charge", "amount": 10000,
                                                      "amount_refunded": 7000, "payment_intent": pledge["payment_intent_id"]})
    assert stripe_events.deliver(confirm) == "pool refund confirmed (refunded)"
    assert ledger_sums(app, campaign["id"])["return"] == -7000


def test_a_failed_all_or_nothing_campaign_refunds_the_whole_pool_and_counts_no_match(app, funding, stripe_events,
                                                                                     stripe_calls):
    campaign = funding.live(funding_model="all_or_nothing", goal={"amount": "1000.00", "currency": "EUR"}, budget_lines=[])
    pledge = funding.match(campaign, factor="1", per_donation="50.00", total="200.00")
    donation = funding.donate(campaign, "40.00")
    stripe_events.send(stripe_events.checkout_completed(donation, mode="setup"))
    funding.pass_deadline(campaign)
    with app.app_context():
        assert close_due() == {campaign["id"]: "failed"}
    assert [c.params["amount"] for c in stripe_calls.calls if c.path == "/v1/refunds"] == [["20000"]]
    body = funding.campaign(campaign["id"])
    assert (body["matched"]["amount"], body["progress"]["amount"]) == ("0.00", "0.00")
    assert funding.pledge(pledge["id"])["refunded_minor"] == 20000
    assert funding.ledger(campaign["id"])["pools"]["held"]["amount"] == "0.00"


def test_a_succeeded_all_or_nothing_pool_waits_for_the_charges_before_giving_back_the_rest(app, funding, stripe_events,
                                                                                           stripe_calls):
    campaign = funding.live(funding_model="all_or_nothing", goal={"amount": "100.00", "currency": "EUR"}, budget_lines=[])
    pledge = funding.match(campaign, factor="1", per_donation="50.00", total="80.00")
    donation = funding.donate(campaign, "60.00")
    stripe_events.send(stripe_events.checkout_completed(donation, mode="setup"))
    funding.pass_deadline(campaign)
    with app.app_context():
        assert close_due() == {campaign["id"]: "succeeded"}  # 60 pledged + a 50 match from the paid pool
    assert [c for c in stripe_calls.calls if c.path == "/v1/refunds"] == []  # the charge's match draws on it first
    intent = [c for c in stripe_calls.calls if c.path == "/v1/payment_intents"]
    assert len(intent) == 1
    with app.app_context():
        from app.campaigns.models import Donation
        from app.extensions import db

        payment_intent = db.session.get(Donation, donation["id"]).payment_intent_id
    stripe_events.send(stripe_events.payment_succeeded(donation, payment_intent=payment_intent))
    assert funding.campaign(campaign["id"])["matched"]["amount"] == "50.00"
    with app.app_context():
        close_due()
    assert [c.params["amount"] for c in stripe_calls.calls if c.path == "/v1/refunds"] == [["3000"]]
    assert funding.pledge(pledge["id"])["status"] == "refunded"


# Charges count only when Stripe says they succeeded and were paid ------------------------------------------------------


@pytest.mark.parametrize(("event_type", "status", "paid"), [
    ("charge.succeeded", "pending", False), ("charge.succeeded", "failed", False), ("charge.updated", "pending", False),
    ("charge.updated", "failed", False), ("charge.succeeded", "succeeded", False), ("charge.updated", "succeeded", None)])
def test_a_pending_or_failed_charge_counts_nothing(app, funding, stripe_events, event_type, status, paid):
    campaign = funding.live()
    funding.match(campaign, factor="1", per_donation="10.00", total="100.00")
    donation = funding.donate(campaign, "50.00")
    event = stripe_events.charge(donation, status=status, paid=paid, event_type=event_type)
    outcome = stripe_events.deliver(event)
    assert outcome.startswith("not counted") and funding.donation(donation["id"]) == "pending"
    assert _figures(funding, campaign) == ("0.00", "0.00", "0.00")
    assert ledger_sums(app, campaign["id"]) == {"pool": 10000}


@pytest.mark.parametrize("event_type", ["charge.succeeded", "charge.updated"])
def test_a_succeeded_and_paid_charge_counts_with_its_match(app, funding, stripe_events, event_type):
    campaign = funding.live()
    funding.match(campaign, factor="1", per_donation="10.00", total="100.00")
    donation = funding.donate(campaign, "50.00")
    outcome = stripe_events.deliver(stripe_events.charge(donation, event_type=event_type))
    assert outcome == "succeeded, matched 1000"
    assert _figures(funding, campaign) == ("50.00", "10.00", "60.00")


def test_a_charge_update_that_is_not_paid_still_brings_the_fee_of_a_counted_donation(app, funding, stripe_events):
    campaign = funding.live()
    donation = _paid(funding, stripe_events, campaign)
    transaction = {"id": "txn_pending_fee", "object": "balance_transaction", "fee": 120, "currency": "eur"}
    event = stripe_events.charge(donation, status="pending", paid=False, event_type="charge.updated",
                                 balance_transaction=transaction)
    outcome = stripe_events.deliver(event)
    assert outcome.startswith("not counted") and outcome.endswith("fee recorded")
    assert ledger_sums(app, campaign["id"]) == {"donation": 5000, "fee": -120}


# The local test Checkout: development against stripe-mock only ---------------------------------------------------------


def test_local_checkout_is_on_in_development_only_against_a_loopback_stripe_and_refused_in_production():
    from config import load_config

    assert load_config("development", {"STRIPE_API_BASE": "http://127.0.0.1:12111"}).LOCAL_CHECKOUT is True
    assert load_config("development", {"STRIPE_API_BASE": "https://api.stripe.com"}).LOCAL_CHECKOUT is False
    assert load_config("development", {"LOCAL_CHECKOUT": "false"}).LOCAL_CHECKOUT is False
    assert load_config("testing", {}).LOCAL_CHECKOUT is False
    from tests.test_config import PRODUCTION

    production = dict(PRODUCTION)
    assert load_config("production", production).LOCAL_CHECKOUT is False
    with pytest.raises(RuntimeError, match="LOCAL_CHECKOUT"):
        load_config("production", {**production, "LOCAL_CHECKOUT": "true"})


def test_the_local_checkout_page_does_not_exist_outside_development(client):
    assert client.get("/dev/checkout/anything").status_code == 404
