"""Every Stripe call the product makes, made against stripe-mock (which refuses any request Stripe's OpenAPI spec does not
allow), with the parameters and idempotency keys written down by a pass-through recorder."""
import pytest

from app.campaigns.models import Donation
from app.extensions import db


def _only(calls, method, path_start):
    found = [call for call in calls if call.method == method and call.path.startswith(path_start)]
    assert len(found) == 1, [(c.method, c.path) for c in calls]
    return found[0]


def test_a_keep_it_all_donation_opens_a_payment_checkout_session(app, funding, stripe_calls):
    campaign = funding.live()
    donation = funding.donate(campaign, "1,000.00".replace(",", ""), name="Dana")
    assert donation["checkout_url"].startswith("https://checkout.stripe.com/")
    call = _only(stripe_calls.calls, "POST", "/v1/checkout/sessions")
    params = call.params
    assert params["mode"] == ["payment"] and params["submit_type"] == ["donate"]
    assert params["line_items[0][price_data][unit_amount]"] == ["100000"]
    assert params["line_items[0][price_data][currency]"] == ["eur"]
    assert params["metadata[donation_id]"] == [str(donation["id"])]
    assert params["payment_intent_data[metadata][donation_id]"] == [str(donation["id"])]
    assert params["success_url"][0] == donation["receipt_url"]
    assert call.idempotency_key == f"coopex-donation-{donation['id']}-checkout"
    with app.app_context():
        assert db.session.get(Donation, donation["id"]).checkout_session_id.startswith("cs_")


def test_zero_decimal_currencies_are_sent_in_their_own_units(app, funding, stripe_calls):
    for currency, amount, minor in (("JPY", "5000", "5000"), ("XOF", "2500", "2500")):
        campaign = funding.live(goal={"amount": "1000000", "currency": currency}, budget_lines=[])
        funding.donate(campaign, amount)
        call = [c for c in stripe_calls.calls if c.path.startswith("/v1/checkout/sessions")][-1]
        assert call.params["line_items[0][price_data][unit_amount]"] == [minor]
        assert call.params["line_items[0][price_data][currency]"] == [currency.lower()]


def test_an_all_or_nothing_donation_saves_a_card_with_a_setup_checkout_session(app, funding, stripe_calls):
    campaign = funding.live(funding_model="all_or_nothing")
    donation = funding.donate(campaign, "25.00")
    params = _only(stripe_calls.calls, "POST", "/v1/checkout/sessions").params
    assert params["mode"] == ["setup"] and params["currency"] == ["eur"] and params["customer_creation"] == ["always"]
    assert params["setup_intent_data[metadata][donation_id]"] == [str(donation["id"])]
    assert "line_items[0][price_data][unit_amount]" not in params


@pytest.mark.parametrize(("currency", "amount", "message"), [
    ("EUR", "0.49", "At least 0.50 EUR."), ("GBP", "0.29", "At least 0.30 GBP."), ("JPY", "49", "At least 50 JPY."),
])
def test_amounts_under_stripes_minimum_are_refused_before_calling_stripe(app, funding, stripe_calls, currency, amount, message):
    campaign = funding.live(goal={"amount": "100000", "currency": currency}, budget_lines=[])
    response = funding.client.post(f"/api/v1/campaigns/{campaign['id']}/donations",
                                   json={"amount": {"amount": amount, "currency": currency}, "email": "dana@example.org"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["amount"]["amount"] == [message]
    assert stripe_calls.calls == []
    with app.app_context():
        assert db.session.query(Donation).count() == 0


def test_a_refund_asks_stripe_once_with_the_donations_key(app, funding, stripe_events, stripe_calls):
    campaign = funding.live()
    donation = funding.donate(campaign, "40.00")
    stripe_events.send(stripe_events.payment_succeeded(donation, payment_intent="pi_to_refund"))
    assert funding.client.post(f"/api/v1/donations/{donation['id']}/refund", headers=funding.h["owner"]).status_code == 200
    call = _only(stripe_calls.calls, "POST", "/v1/refunds")
    assert call.params["payment_intent"] == ["pi_to_refund"]
    assert call.idempotency_key == f"coopex-donation-{donation['id']}-refund"
    # Asking again before Stripe's webhook arrives sends the same key: Stripe answers the first refund again.
    assert funding.client.post(f"/api/v1/donations/{donation['id']}/refund", headers=funding.h["owner"]).status_code == 200
    keys = {c.idempotency_key for c in stripe_calls.calls if c.path.startswith("/v1/refunds")}
    assert keys == {f"coopex-donation-{donation['id']}-refund"}


def test_when_stripe_is_unreachable_the_donor_is_told_and_nothing_is_kept(app, funding):
    from app.payments.gateway import StripeGateway

    campaign = funding.live()
    original = app.extensions["payments"]
    app.extensions["payments"] = StripeGateway("sk_test_123", "whsec_dev", "http://127.0.0.1:9", timeout=2)
    try:
        response = funding.client.post(f"/api/v1/campaigns/{campaign['id']}/donations",
                                       json={"amount": {"amount": "10.00", "currency": "EUR"}, "email": "dana@example.org"})
    finally:
        app.extensions["payments"] = original
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "payment_unavailable"
    with app.app_context():
        assert db.session.query(Donation).count() == 0
