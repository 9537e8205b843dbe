"""A whole trade in Chromium: a buyer asks about a "price on request" listing, the seller answers with a quote, the
buyer accepts, the seller confirms and ships, the buyer confirms the delivery and rates; the order shows completed, the
seller's track record and the transparency figures show it, and each step's mail is in Mailpit."""
import re

import pytest
from playwright.sync_api import expect

from tests.campaigns.test_browser_campaigns import log_in
from tests.conftest import RUN_TAG, Factory
from tests.mailpit import Mailbox


@pytest.mark.browser
def test_a_question_becomes_a_quote_an_order_a_delivery_and_a_rating(committed_app, live_server, browser):
    make = Factory(committed_app)
    mailbox = Mailbox(committed_app, committed_app.config["MAILPIT_URL"], RUN_TAG)
    mailbox.clear()
    bea = make.user(email="bea@northern.coop", name="Bea Buyer")
    make.organization(bea, name="Northern Wholesale Co-operative", verified=True, role="buyer")
    sam = make.user(email="sam@valleymills.coop", name="Sam Seller")
    seller = make.organization(sam, name="Valley Mills Cooperative", verified=True, role="seller")
    listing = make.listing(seller, title="Stone-ground spelt flour", price=None, cpv_code="15612100")

    buying, selling = browser.new_context().new_page(), browser.new_context().new_page()
    log_in(buying, live_server, bea.email)
    log_in(selling, live_server, sam.email)

    # The buyer finds nothing to click but a question: the price is on request.
    buying.goto(f"{live_server}/listings/{listing.id}")
    expect(buying.get_by_text("Price on request").first).to_be_visible()
    buying.get_by_role("link", name="Ask for a quote").click()
    buying.get_by_label("Your message").fill("Could you quote 40 sacks of 25 kg, delivered to Manchester?")
    buying.get_by_role("button", name="Send").click()
    expect(buying.locator("#messages")).to_contain_text("Could you quote 40 sacks")
    conversation_url = buying.url

    # The seller reads it from the inbox and answers with a quote.
    selling.goto(f"{live_server}/inbox")
    selling.get_by_role("link", name="Northern Wholesale Co-operative").click()
    expect(selling.locator("#messages")).to_contain_text("Could you quote 40 sacks")
    selling.get_by_role("link", name="Send a quote").click()
    selling.get_by_label("Description of line 1").fill("Stone-ground spelt flour, 25 kg sack")
    selling.get_by_label("Quantity of line 1").fill("40")
    selling.get_by_label("Unit of line 1").fill("sack")
    selling.get_by_label("Unit price of line 1").fill("31.50")
    selling.get_by_label("Incoterms 2020 rule").select_option("DAP")
    selling.get_by_label("Named place").fill("Manchester, GB")
    selling.get_by_label("Lead time (days)").fill("7")
    selling.get_by_role("button", name="Send the quote").click()
    expect(selling.locator("#quote-total")).to_contain_text("1,260.00 GBP")

    # The buyer sees the quote in the conversation and accepts it: an order is placed.
    buying.goto(conversation_url)
    buying.get_by_role("link", name=re.compile(r"Quote #\d+, version 1")).click()
    buying.get_by_role("button", name="Accept and place the order").click()
    expect(buying.get_by_text("placed", exact=True).first).to_be_visible()
    order_url = buying.url

    # The seller confirms and ships; the buyer confirms the delivery and rates the supplier.
    selling.goto(order_url)
    selling.get_by_role("button", name="Confirm the order").click()
    selling.get_by_role("button", name="Mark as shipped").click()
    expect(selling.locator("#order-history")).to_contain_text("shipped")
    buying.goto(order_url)
    buying.get_by_role("button", name="Confirm delivery").click()
    buying.get_by_label("4").check()
    buying.get_by_label("Comment").fill("Good flour, on time.")
    buying.get_by_role("button", name="Rate and complete").click()
    expect(buying.locator("#order-history")).to_contain_text("completed")
    expect(buying.locator("#order-rating")).to_contain_text("Rated 4/5")

    # The seller's track record and the transparency figures count the order.
    buying.goto(f"{live_server}/organizations/{seller.id}")
    expect(buying.locator("#track-record")).to_contain_text("1 order fulfilled")
    buying.goto(f"{live_server}/transparency?currency=GBP")
    expect(buying.locator("#trade-value")).to_have_text("1,260.00 GBP")
    expect(buying.locator("#inter-cooperation-share")).to_have_text("100.0 %")

    # Each step reached the other side by mail.
    to_seller = [mail.subject for mail in mailbox.to(sam.email)]
    to_buyer = [mail.subject for mail in mailbox.to(bea.email)]
    assert any("message from Northern Wholesale" in subject for subject in to_seller)
    assert any("quote from Valley Mills" in subject for subject in to_buyer)
    order_mails = [subject for subject in to_seller + to_buyer if "order #" in subject]
    assert len(order_mails) == 5  # placed, confirmed, shipped, delivered, rated (which completes it)
