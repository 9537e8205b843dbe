"""An alert in Chromium: a supplier saves a tender search from the tenders page; a buyer publishes a matching tender
through the form; the alert is in Mailpit when the buyer's page answers; the mail's unsubscribe link (no login) stops
the next one."""
import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.mail.models import MailOutbox
from app.models_base import utcnow
from tests.browsing import log_in, open_link_from_mail
from tests.conftest import RUN_TAG, Factory
from tests.mailpit import Mailbox


def publish_tender(page, base, title):
    page.goto(f"{base}/tenders/new")
    page.get_by_label("Subject").fill(title)
    page.get_by_label("Description of the need").fill("From our members' packhouses to the regional hub.")
    page.get_by_label("CPV code").fill("60000000")
    page.get_by_label("Currency of bids").select_option("EUR")
    page.get_by_label("Deadline", exact=True).fill((utcnow() + dt.timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Lot title").fill("All routes")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published: suppliers can bid until the deadline.")).to_be_visible()


@pytest.mark.browser
def test_a_saved_tender_search_alerts_by_mail_until_unsubscribed(committed_app, live_server, browser):
    engine = committed_app.extensions["search"]
    engine.drop_all()
    committed_app.config["SEARCH_SYNC_ON_COMMIT"] = True
    make = Factory(committed_app)
    mailbox = Mailbox(committed_app, committed_app.config["MAILPIT_URL"], RUN_TAG)
    mailbox.clear()
    sue = make.user(email="sue@valleyhaulage.coop", name="Sue Supplier")
    make.organization(sue, name="Valley Haulage Cooperative", verified=True, role="seller")
    ana = make.user(email="ana@northern.coop", name="Ana Buyer")
    make.organization(ana, name="Northern Wholesale Co-operative", verified=True)

    supplier = browser.new_context().new_page()
    log_in(supplier, live_server, sue.email)
    supplier.goto(f"{live_server}/tenders?q=refrigerated+transport")
    supplier.get_by_text("Save this search and get alerts").click()
    supplier.get_by_label("Name").fill("Refrigerated transport")
    supplier.get_by_label("Alerts").select_option("immediately")
    supplier.get_by_role("button", name="Save search").click()
    expect(supplier.get_by_text("Search saved.")).to_be_visible()
    expect(supplier.locator("#main, main").get_by_text("Refrigerated transport").first).to_be_visible()

    buyer = browser.new_context().new_page()
    log_in(buyer, live_server, ana.email)
    publish_tender(buyer, live_server, "Refrigerated transport of fresh produce")
    with committed_app.app_context():  # the alert left before the buyer's page answered
        assert db.session.scalar(select(func.count(MailOutbox.id))) == 0
    [alert] = [mail for mail in mailbox.to(sue.email) if "Refrigerated transport" in mail.subject]
    assert "Refrigerated transport of fresh produce" in alert.body
    assert alert.headers["List-Unsubscribe-Post"] == ["List-Unsubscribe=One-Click"]

    # Unsubscribe from the mail, in a browser that is not logged in.
    stranger = browser.new_context().new_page()
    stranger.goto(live_server)
    open_link_from_mail(stranger, mailbox, sue.email, "/unsubscribe/")
    stranger.get_by_role("button", name="Unsubscribe").click()
    expect(stranger.locator("#unsubscribed")).to_contain_text("Refrigerated transport")

    publish_tender(buyer, live_server, "Refrigerated transport, second season")
    assert len([mail for mail in mailbox.to(sue.email) if "Refrigerated transport" in mail.subject]) == 1
    supplier.goto(f"{live_server}/saved-searches")
    expect(supplier.get_by_label("Alerts")).to_have_value("off")
    committed_app.config["SEARCH_SYNC_ON_COMMIT"] = False
