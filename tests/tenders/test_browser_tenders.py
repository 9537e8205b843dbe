"""A tender from draft to award in Chromium: a buyer publishes a margin-of-preference tender, two suppliers bid, the
deadline passes, the buyer reads the explained ranking and awards; the public notice and the transparency chart show it."""
import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from app.extensions import db
from app.models_base import utcnow
from app.tenders.models import Tender
from tests.browsing import log_in, log_out
from tests.conftest import Factory
from tests.test_browser import SCREENSHOTS


def bid(page, base, tender_url, email, amount, shown, days):
    log_in(page, base, email)
    page.goto(tender_url)
    page.get_by_role("link", name="Bid on this lot").click()
    page.get_by_label("Price").fill(amount)
    page.get_by_label("Delivery time (days)").fill(days)
    page.get_by_label("Proposal").fill("Refrigerated vans, GPS-tracked, three runs a week.")
    page.get_by_role("button", name="Submit sealed bid").click()
    expect(page.get_by_text("Bid sealed.")).to_be_visible()
    expect(page.get_by_text(f"Your bid: {shown} EUR, delivery in {days} days")).to_be_visible()
    log_out(page)


@pytest.mark.browser
def test_a_price_margin_tender_from_draft_to_public_award(committed_app, live_server, browser):
    make = Factory(committed_app)
    buyer = make.user(email="ana@northern.coop", name="Ana Buyer")
    make.organization(buyer, name="Northern Wholesale Co-operative", verified=True)
    cooperative = make.user(email="ben@valley.coop", name="Ben Haulier")
    make.organization(cooperative, name="Valley Haulage Cooperative", verified=True)
    sme = make.user(email="cy@speedy.example", name="Cy Freight")
    make.organization(sme, name="Speedy Freight Ltd", legal_form="sme", size="medium")

    page = browser.new_page()
    log_in(page, live_server, "ana@northern.coop")
    page.goto(f"{live_server}/tenders/new")
    page.get_by_label("Subject").fill("Cold-chain transport of fresh produce")
    page.get_by_label("Description of the need").fill("From our members' packhouses to the regional hub.")
    page.get_by_label("CPV code").fill("60000000")
    page.get_by_label("Currency of bids").select_option("EUR")
    page.get_by_label("Budget (optional)").fill("15000")
    deadline = (utcnow() + dt.timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Deadline", exact=True).fill(deadline)
    page.get_by_label("Lot title").fill("All routes")
    page.get_by_label("Preference policy").select_option("price_margin")
    page.get_by_label("Margin of preference (%)").fill("10")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published: suppliers can bid until the deadline.")).to_be_visible()
    tender_url = page.url
    tender_id = int(tender_url.rstrip("/").rsplit("/", 1)[1])
    log_out(page)

    bid(page, live_server, tender_url, "ben@valley.coop", "11000.00", "11,000.00", "5")
    bid(page, live_server, tender_url, "cy@speedy.example", "10500.00", "10,500.00", "3")

    # The buyer sees how many bids there are, never their prices, before the deadline.
    log_in(page, live_server, "ana@northern.coop")
    page.goto(tender_url)
    expect(page.get_by_text("2 sealed bids")).to_be_visible()
    expect(page.get_by_text("10,500.00")).to_have_count(0)

    # Time passes: the deadline is behind us.
    with committed_app.app_context():
        db.session.execute(update(Tender).where(Tender.id == tender_id).values(deadline=utcnow() - dt.timedelta(minutes=1)))
        db.session.commit()

    page.goto(tender_url)
    page.get_by_role("link", name="Evaluation and award").click()
    ranking = page.locator("#ranking tbody tr")
    expect(ranking).to_have_count(2)
    expect(ranking.nth(0)).to_contain_text("Valley Haulage Cooperative")
    expect(ranking.nth(0)).to_contain_text("price 11,000.00 EUR (verified cooperative)")
    expect(ranking.nth(1)).to_contain_text("Speedy Freight Ltd")
    expect(ranking.nth(1)).to_contain_text("price 10,500.00 EUR + 10 % margin (not a cooperative) = 11,550.00 EUR")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "tender-evaluation.png"), full_page=True)
    ranking.nth(0).get_by_role("button", name="Award").click()
    expect(page.get_by_text("Lot 1 awarded")).to_be_visible()
    log_out(page)

    # The public award notice: winner, co-op and SME status, value, number of bids; the losing price stays private.
    page.goto(tender_url)
    notice = page.locator(".award-notice")
    expect(notice).to_contain_text("Valley Haulage Cooperative")
    expect(notice).to_contain_text("11,000.00 EUR")
    expect(notice.locator("dd").nth(5)).to_have_text("2")
    expect(page.get_by_text("10,500.00")).to_have_count(0)

    # The transparency dashboard counts it, all of it going to a verified cooperative.
    page.goto(f"{live_server}/transparency")
    expect(page.locator("#total-value")).to_have_text("11,000.00 EUR")
    expect(page.locator("#by-policy")).to_contain_text("Margin of preference")
    expect(page.locator("#by-policy")).to_contain_text("11,000.00 EUR · 100")
    page.screenshot(path=str(SCREENSHOTS / "transparency.png"), full_page=True)
