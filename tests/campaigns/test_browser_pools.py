"""In Chromium, on the development configuration (LOCAL_CHECKOUT against stripe-mock): a donor pays on the local test
Checkout and watches the receipt and the progress move, or declines and nothing counts; and the whole match funding
journey — a verified co-op bank offers, the owner accepts, the bank pays its pool at Checkout (a signed webhook), donations
are matched, the campaign settles, the rest of the pool is refunded and the public ledger balances."""
import contextlib
import re

import pytest
from playwright.sync_api import expect

from app.campaigns.settlement import close_due
from app.extensions import db
from app.payments.gateway import StripeGateway
from tests.campaigns.conftest import Funding
from tests.campaigns.test_browser_campaigns import log_in
from tests.conftest import Factory


@contextlib.contextmanager
def _local_checkout(app):
    """The development configuration's payments: stripe-mock on loopback, payers sent to the app's test Checkout."""
    original = app.extensions["payments"]
    app.config["LOCAL_CHECKOUT"] = True
    app.extensions["payments"] = StripeGateway.from_config(app.config)
    try:
        yield
    finally:
        app.config["LOCAL_CHECKOUT"] = False
        app.extensions["payments"] = original


@pytest.fixture
def dev_app(committed_app):
    with _local_checkout(committed_app):
        yield committed_app


def _give(page, campaign_url, amount, email):
    page.goto(campaign_url)
    page.get_by_label(re.compile(r"^Amount")).fill(amount)
    page.get_by_label("E-mail for your receipt").fill(email)
    page.get_by_role("button", name="Donate").click()
    expect(page).to_have_url(re.compile(r"/dev/checkout/"))
    expect(page.get_by_role("heading", name="Test checkout")).to_be_visible()


@pytest.mark.browser
def test_a_donor_pays_on_the_local_test_checkout_and_a_decline_counts_nothing(dev_app, live_server, browser):
    dev_app.config["DONATION_RATE_LIMIT"] = "1000 per minute"
    funding = Funding(dev_app, dev_app.test_client(), Factory(dev_app), lambda s: {"Authorization": f"Bearer {s}"})
    campaign = funding.live(goal={"amount": "100.00", "currency": "EUR"}, budget_lines=[])
    campaign_url = f"{live_server}/campaigns/{campaign['id']}"
    page = browser.new_page()

    _give(page, campaign_url, "25.00", "dana@example.org")
    expect(page.locator("#checkout-amount")).to_have_text("25.00 EUR")
    page.get_by_role("button", name="Pay with a test card").click()
    expect(page.locator("#donation-status")).to_contain_text("Paid on")  # the receipt: Checkout's success address
    page.goto(campaign_url)
    expect(page.locator("#progress-amount")).to_have_text("25.00 EUR")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "25")
    expect(page.locator("#donors-count")).to_have_text("1")

    _give(page, campaign_url, "40.00", "eve@example.org")
    page.get_by_role("link", name="Decline").click()
    expect(page).to_have_url(campaign_url)
    expect(page.locator("#progress-amount")).to_have_text("25.00 EUR")
    expect(page.locator("#donors-count")).to_have_text("1")
    assert funding.ledger(campaign["id"])["balance"]["amount"] == "25.00"


@pytest.mark.browser
def test_a_bank_pays_its_match_pool_donations_are_matched_and_the_rest_is_refunded(dev_app, live_server, browser):
    dev_app.config["DONATION_RATE_LIMIT"] = "1000 per minute"
    make = Factory(dev_app)
    funding = Funding(dev_app, dev_app.test_client(), make, lambda s: {"Authorization": f"Bearer {s}"})
    campaign = funding.live(goal={"amount": "100.00", "currency": "EUR"}, budget_lines=[])
    campaign_url = f"{live_server}/campaigns/{campaign['id']}"
    # The verified bank offers on the campaign's page.
    bank = browser.new_page()
    log_in(bank, live_server, funding.bank_user.email)
    bank.goto(campaign_url)
    bank.get_by_label("Factor").fill("1")
    bank.get_by_label("Cap per donation (EUR)").fill("20.00")
    bank.get_by_label("Cap in total (EUR)").fill("100.00")
    bank.get_by_role("button", name="Offer match funding").click()
    expect(bank.get_by_text("Your offer is sent")).to_be_visible()
    expect(bank.locator("#our-pledges .pledge-status")).to_have_text("offered")

    # The owner accepts it on the campaigns dashboard.
    owner = browser.new_page()
    log_in(owner, live_server, funding.owner_user.email)
    owner.goto(f"{live_server}/my/campaigns")
    offer = owner.locator("[id^='match-pledge-']")
    expect(offer).to_contain_text("Cooperative Bank of the Valley offers to match 1.00 for 1")
    pledge = {"id": int(offer.get_attribute("id").removeprefix("match-pledge-"))}
    offer.get_by_role("button", name="Accept").click()
    expect(owner.get_by_text("Match pledge accepted")).to_be_visible()

    # The bank pays its pool at Checkout: the signed webhook makes the pledge active.
    bank.goto(campaign_url)
    bank.get_by_role("button", name="Pay 100.00 EUR into the match pool").click()
    expect(bank.locator("#checkout-amount")).to_have_text("100.00 EUR")
    bank.get_by_role("button", name="Pay with a test card").click()
    expect(bank.locator("#match-funding")).to_contain_text("paid into the match pool")

    # Two donors give; each is matched from the pool.
    donor = browser.new_page()
    for amount, email in (("30.00", "dana@example.org"), ("10.00", "eve@example.org")):
        _give(donor, campaign_url, amount, email)
        donor.get_by_role("button", name="Pay with a test card").click()
        expect(donor.locator("#donation-status")).to_contain_text("Paid on")
    donor.goto(campaign_url)
    expect(donor.locator("#progress-amount")).to_have_text("70.00 EUR")  # 40 given + 20 + 10 matched

    # The campaign settles; the 70.00 the matches did not draw goes back to the bank.
    funding.pass_deadline(campaign)
    with dev_app.app_context():
        close_due()
        db.session.remove()
    assert funding.pledge(pledge["id"])["refunded_minor"] == 7000

    donor.goto(f"{campaign_url}/ledger")
    expect(donor.locator("#pool-paid-in")).to_have_text("100.00 EUR")
    expect(donor.locator("#pool-drawn")).to_have_text("30.00 EUR")
    expect(donor.locator("#pool-refunded")).to_have_text("70.00 EUR")
    expect(donor.locator("#pool-held")).to_have_text("0.00 EUR")
    expect(donor.locator("#total-donation")).to_have_text("40.00 EUR")
    expect(donor.locator("#total-match")).to_have_text("30.00 EUR")
    expect(donor.locator("#balance")).to_have_text("70.00 EUR")
    expect(donor.locator("#ledger tbody tr", has_text="Rest of the match pool refunded")).to_contain_text("-70.00 EUR")
