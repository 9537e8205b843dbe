"""Every kind of page in Chromium under the Content Security Policy: no violation and no console error, with the
scripts at work (search suggestions, the CPV picker, adding a lot, the transparency chart, the two-factor QR code)."""

import pytest
from playwright.sync_api import expect

from app.extensions import db, limiter
from app.indexing.sync import drain_all
from tests.campaigns.conftest import Funding
from tests.conftest import PASSWORD, Factory
from tests.tenders.conftest import Market

COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def auth(secret):
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def site(committed_app):
    """A market with offers in the search index, a live campaign and an awarded tender (the transparency chart)."""
    engine = committed_app.extensions["search"]
    assert engine.ping(), "OpenSearch is not running: make services"
    engine.drop_all()
    committed_app.config["SEARCH_SYNC_ON_COMMIT"] = True
    make, client = Factory(committed_app), committed_app.test_client()
    market = Market(committed_app, client, make, auth)
    funding = Funding(committed_app, client, make, auth)
    listing = make.listing(market.coop, title="Fairtrade coffee, ground", cpv_code="15861000")
    campaign = funding.live()
    tender = market.published()
    bid = market.bid(tender, 0, "coop", "1000.00")
    market.pass_deadline(tender)
    assert market.award(tender, 0, bid["id"], justification="Best evaluated price.").status_code == 201
    open_tender = market.published(title="Packaging for dried fruit", cpv_code="44000000")
    with committed_app.app_context():
        drain_all()
        db.session.remove()
        limiter.reset()  # the test logs in three times: earlier browser tests' log-ins may not count against it
    return {"listing": listing, "campaign": campaign, "tender": open_tender, "awarded": tender, "market": market,
            "owner_email": funding.owner_user.email}


class Visitor:
    """A browser tab that records policy violations and console errors on every page it opens."""

    def __init__(self, browser, base):
        self.base = base
        self.context = browser.new_context()
        self.context.add_init_script(COLLECT_VIOLATIONS)
        self.page = self.context.new_page()
        self.errors = []
        self.error_pages = set()  # pages opened for their error status: Chromium logs that status, nothing else may
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))

    def _console(self, message):
        url = message.location.get("url")
        if message.type == "error" and url not in self.error_pages:
            self.errors.append(f"{self.page.url}: {message.text} ({url})")

    def visit(self, path, status=200):
        if status != 200:
            self.error_pages.add(self.base + path)
        response = self.page.goto(self.base + path)
        assert response.status == status, (path, response.status)
        assert response.headers["content-security-policy"], path
        return self.page

    def violations(self):
        """The violations of the page open now (the init script starts a fresh list on each page)."""
        return [f"{self.page.url}: {v}" for v in self.page.evaluate("window.__csp")]

    def log_in(self, email):
        page = self.visit("/login")
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.mark.browser
def test_no_page_breaks_the_content_security_policy(site, live_server, browser):
    visitor = Visitor(browser, live_server)
    seen = []

    def check(page):
        page.wait_for_load_state("load")
        seen.extend(visitor.violations())

    check(visitor.visit("/"))
    page = visitor.visit("/search")
    page.get_by_label("Search for").press_sequentially("coff", delay=30)
    expect(page.locator("#search-suggestions option").first).to_be_attached()
    page.get_by_label("Search for").fill("coffee")
    page.get_by_label("Search for").press("Enter")
    expect(page.get_by_role("link", name="Fairtrade coffee, ground")).to_be_visible()
    check(page)
    check(visitor.visit(f"/listings/{site['listing'].id}"))
    check(visitor.visit(f"/organizations/{site['market'].coop.id}"))
    check(visitor.visit(f"/campaigns/{site['campaign']['id']}"))
    check(visitor.visit("/campaigns"))
    check(visitor.visit("/campaigns/search?q=cold"))
    check(visitor.visit(f"/campaigns/{site['campaign']['id']}/ledger"))
    check(visitor.visit("/listings"))
    check(visitor.visit("/tenders"))
    check(visitor.visit(f"/tenders/{site['tender']['id']}"))
    page = visitor.visit("/transparency")
    expect(page.locator("svg.transparency-chart").first).to_be_visible()
    check(page)
    check(visitor.visit("/signup"))
    check(visitor.visit("/login"))
    check(visitor.visit("/forgot-password"))
    check(visitor.visit("/no-such-page", status=404))

    # A seller: dashboard, the listing form with the CPV picker at work, the account and the two-factor set-up.
    visitor.log_in(site["market"].coop_admin.email)
    check(visitor.page)
    check(visitor.visit("/dashboard"))
    page = visitor.visit("/listings/new")
    page.get_by_label("CPV code").press_sequentially("apple juice", delay=20)
    expect(page.locator("#cpv-options option[value='15321600-0 Apple juice']")).to_have_count(1)
    check(page)
    check(visitor.visit("/account"))
    check(visitor.visit("/account/tokens"))
    check(visitor.visit(f"/organizations/{site['market'].coop.id}/members"))
    check(visitor.visit("/verifications"))
    page = visitor.visit("/account/two-factor")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    check(page)

    # A buyer: the tender form, adding a lot (a round trip to the server).
    visitor.page.get_by_role("button", name="Log out").click()
    visitor.log_in(site["market"].buyer_admin.email)
    page = visitor.visit("/tenders/new")
    lots = page.get_by_label("Lot title").count()
    page.get_by_role("button", name="Add a lot").click()
    expect(page.get_by_label("Lot title")).to_have_count(lots + 1)
    check(page)
    check(visitor.visit(f"/tenders/{site['awarded']['id']}/evaluation"))
    check(visitor.visit("/my/tenders"))
    check(visitor.visit("/notifications"))

    # The campaign's owner: the campaign form.
    visitor.page.get_by_role("button", name="Log out").click()
    visitor.log_in(site["owner_email"])
    check(visitor.visit("/campaigns/new"))
    check(visitor.visit(f"/campaigns/{site['campaign']['id']}/edit"))
    check(visitor.visit("/my/campaigns"))

    assert seen == []
    assert visitor.errors == []
    visitor.context.close()
