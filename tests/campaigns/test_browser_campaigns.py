"""A donation and an expense in Chromium: a visitor gives to a live campaign through the donate form up to Stripe's
Checkout page, Stripe's signed webhook says it was paid, the receipt shows it and the campaign page counts it; the owner
books an expense with its receipt file, and the public ledger shows it with the receipt and the right balance."""
import json
import re

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from app.campaigns.models import Donation
from app.extensions import db
from tests.campaigns.conftest import Stripe, campaign_payload, signature
from tests.campaigns.test_pages import png_bytes
from tests.conftest import PASSWORD, Factory
from tests.test_browser import SCREENSHOTS

CHECKOUT_PAGE = "<!doctype html><html lang='en'><title>Stripe Checkout</title><h1>Pay with your card</h1></html>"


def log_in(page, base, email):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def deliver(base, secret, event):
    """Post a Stripe event to the product's webhook endpoint, signed as Stripe signs it."""
    payload = json.dumps(event).encode()
    response = requests.post(f"{base}/payments/stripe/webhook", data=payload, timeout=10,
                             headers={"Stripe-Signature": signature(payload, secret), "Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.browser
def test_a_visitor_donates_and_the_owner_shows_where_the_money_went(committed_app, live_server, browser, tmp_path):
    committed_app.config["RECEIPTS_DIR"] = str(tmp_path / "receipts")
    make = Factory(committed_app)
    fatima = make.user(email="fatima@valley.coop", name="Fatima Finance")
    growers = make.organization(fatima, name="Valley Growers Cooperative", verified=True, role="finance")
    api = committed_app.test_client()
    headers = {"Authorization": f"Bearer {make.token(fatima)}"}
    created = api.post("/api/v1/campaigns", headers=headers, json=campaign_payload(growers.id)).get_json()
    campaign = api.post(f"/api/v1/campaigns/{created['id']}/publish", headers=headers).get_json()
    campaign_url = f"{live_server}/campaigns/{campaign['id']}"

    # A visitor, not logged in, gives 25.00 EUR and is sent on to Stripe's Checkout page.
    page = browser.new_page()
    checkout_requests = []

    def fake_checkout(route):
        checkout_requests.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body=CHECKOUT_PAGE)

    page.route("https://checkout.stripe.com/**", fake_checkout)
    page.goto(campaign_url)
    expect(page.locator("#donors-count")).to_have_text("0")
    page.get_by_label("Amount (EUR)").fill("25.00")
    page.get_by_label("E-mail for your receipt").fill("dana@example.org")
    page.get_by_label("Your name (optional)").fill("Dana")
    page.get_by_role("button", name="Donate").click()
    expect(page).to_have_url(re.compile(r"^https://checkout\.stripe\.com/"))
    expect(page.get_by_role("heading", name="Pay with your card")).to_be_visible()
    assert len(checkout_requests) == 1

    with committed_app.app_context():
        row = db.session.scalar(select(Donation).where(Donation.campaign_id == campaign["id"]))
        donation = {"id": row.id, "minor": row.amount_minor, "currency": row.currency}
        receipt_url = f"{live_server}/donations/{row.id}/receipt?token={row.receipt_token}"
        assert (row.status, row.amount_minor, row.email) == ("pending", 2500, "dana@example.org")

    # Before Stripe says so, nothing is counted; then Stripe's signed webhook arrives.
    page.goto(receipt_url)
    expect(page.locator("#donation-status")).to_contain_text("Waiting for the payment to be confirmed")
    event = Stripe(committed_app, None).checkout_completed(donation)
    assert deliver(live_server, committed_app.config["STRIPE_WEBHOOK_SECRET"], event) == {"received": True, "replay": False}

    # Checkout's success_url is the receipt page: it shows the donation paid.
    page.goto(receipt_url)
    expect(page.locator("#donation-status")).to_contain_text("Paid on")
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    page.goto(campaign_url)
    expect(page.locator("#progress-amount")).to_have_text("25.00 EUR")
    expect(page.locator("#donors-count")).to_have_text("1")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")  # 25 of 12,000: under 1 %
    expect(page.get_by_text("Dana · 25.00 EUR")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "campaign.png"), full_page=True)

    # The owner books an expense with its receipt (a PNG made here) against a budget line.
    owner = browser.new_page()
    log_in(owner, live_server, "fatima@valley.coop")
    owner.goto(campaign_url)
    owner.get_by_role("link", name="Add an expense").click()
    expect(owner.get_by_role("heading", name="Add an expense")).to_be_visible()
    owner.get_by_label("Amount").fill("10.00")
    owner.get_by_label("What was bought or paid for").fill("Insulation foam for the cold room")
    owner.get_by_label("Category").select_option("materials")
    owner.get_by_label("Budget line").select_option(label="Cold room panels and doors")
    owner.get_by_label("Receipt (PDF, PNG or JPEG, at most 5 MB)").set_input_files(
        files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": png_bytes()}])
    owner.get_by_role("button", name="Book the expense").click()
    expect(owner.get_by_text("Expense booked")).to_be_visible()

    # The public ledger, as the visitor sees it: the donation, the expense with its receipt, and the balance.
    page.goto(f"{campaign_url}/ledger")
    expect(page.locator("#total-donation")).to_have_text("25.00 EUR")
    expect(page.locator("#total-expense")).to_have_text("-10.00 EUR")
    expect(page.locator("#balance")).to_have_text("15.00 EUR")
    expense_row = page.locator("#ledger tbody tr", has_text="Insulation foam for the cold room")
    expect(expense_row).to_contain_text("-10.00 EUR")
    receipt_link = expense_row.get_by_role("link", name="receipt")
    expect(receipt_link).to_be_visible()
    served = page.request.get(live_server + receipt_link.get_attribute("href"))
    assert served.status == 200 and served.headers["content-type"] == "image/png" and served.body() == png_bytes()
    expect(page.locator("#budget tbody tr", has_text="Cold room panels and doors")).to_contain_text("10.00 EUR")
