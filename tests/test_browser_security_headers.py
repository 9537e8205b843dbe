"""Every kind of page in Chromium under the Content Security Policy: no violation and no console error, with the
scripts at work (search suggestions, the CPV picker, adding a lot, the transparency chart, the two-factor QR code)."""

import pytest
from playwright.sync_api import expect

from tests.browsing import log_in, log_out

COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


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
        log_in(self.page, self.base, email)


@pytest.mark.browser
def test_no_page_breaks_the_content_security_policy(site, live_server, browser):
    visitor = Visitor(browser, live_server)
    ids, people = site["ids"], site["people"]
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
    check(visitor.visit(f"/listings/{ids['listing']}"))
    check(visitor.visit(f"/organizations/{ids['seller_org']}"))
    check(visitor.visit(f"/campaigns/{ids['campaign']}"))
    check(visitor.visit("/campaigns"))
    check(visitor.visit("/campaigns/search?q=cold"))
    check(visitor.visit(f"/campaigns/{ids['campaign']}/ledger"))
    check(visitor.visit("/listings"))
    check(visitor.visit("/tenders"))
    check(visitor.visit(f"/tenders/{ids['tender']}"))
    page = visitor.visit("/transparency")
    expect(page.locator("svg.transparency-chart").first).to_be_visible()
    check(page)
    check(visitor.visit("/signup"))
    check(visitor.visit("/login"))
    check(visitor.visit("/forgot-password"))
    check(visitor.visit("/no-such-page", status=404))

    # A seller: dashboard, the listing form with the CPV picker at work, the account and the two-factor set-up.
    visitor.log_in(people["seller"])
    check(visitor.page)
    check(visitor.visit("/dashboard"))
    page = visitor.visit("/listings/new")
    page.get_by_label("CPV code").press_sequentially("apple juice", delay=20)
    expect(page.locator("#cpv-options option[value='15321600-0 Apple juice']")).to_have_count(1)
    check(page)
    check(visitor.visit("/account"))
    check(visitor.visit("/account/tokens"))
    check(visitor.visit(f"/organizations/{ids['seller_org']}/members"))
    check(visitor.visit("/verifications"))
    page = visitor.visit("/account/two-factor")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    check(page)

    # A buyer: the tender form, adding a lot (a round trip to the server).
    log_out(visitor.page)
    visitor.log_in(people["buyer"])
    page = visitor.visit("/tenders/new")
    lots = page.get_by_label("Lot title").count()
    page.get_by_role("button", name="Add a lot").click()
    expect(page.get_by_label("Lot title")).to_have_count(lots + 1)
    check(page)
    check(visitor.visit(f"/tenders/{ids['awarded']}/evaluation"))
    check(visitor.visit("/my/tenders"))
    check(visitor.visit("/notifications"))

    # The campaign's owner: the campaign form.
    log_out(visitor.page)
    visitor.log_in(people["owner"])
    check(visitor.visit("/campaigns/new"))
    check(visitor.visit(f"/campaigns/{ids['campaign']}/edit"))
    check(visitor.visit("/my/campaigns"))

    assert seen == []
    assert visitor.errors == []
    visitor.context.close()
