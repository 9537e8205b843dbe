"""Every kind of page in Chromium, checked by axe-core against WCAG 2.1 A and AA: no violation, with no rule turned
off and no part of a page left out. A new kind of page is one more row in PAGES; a form's error messages, one more row
in FORMS_SENT_EMPTY. The pages only a mailed link or a second factor leads to, and the menus that show once opened,
have their own tests."""
import time

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browsing import log_in, log_out, open_link_from_mail, open_user_menu
from tests.conftest import PASSWORD

#: The rules of WCAG 2.0 and 2.1, levels A and AA.
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

#: Who opens which page, and the status it answers with. `{listing}` and the like are the ids of the site's records
#: (tests/browsing.py, seed_site); `anonymous` is nobody signed in, the others are the site's people.
PAGES = (
    ("anonymous", "/", 200),
    ("anonymous", "/search?q=coffee", 200),
    ("anonymous", "/search?q=zzzz-nothing-like-it", 200),
    ("anonymous", "/listings", 200),
    ("anonymous", "/listings/{listing}", 200),
    ("anonymous", "/tenders", 200),
    ("anonymous", "/tenders?q=packaging", 200),
    ("anonymous", "/tenders/{tender}", 200),
    ("anonymous", "/tenders/{awarded}", 200),
    ("anonymous", "/campaigns", 200),
    ("anonymous", "/campaigns/search?q=cold", 200),
    ("anonymous", "/campaigns/{campaign}", 200),
    ("anonymous", "/campaigns/{campaign}/ledger", 200),
    ("anonymous", "/donations/{donation}/receipt?token={receipt_token}", 200),
    ("anonymous", "/donations/statement", 200),
    ("anonymous", "/donations/statement/{statement_token}", 200),
    ("anonymous", "/campaigns/follow/a-link-from-the-mail", 200),
    ("anonymous", "/transparency", 200),
    ("anonymous", "/organizations/{seller_org}", 200),
    ("anonymous", "/login", 200),
    ("anonymous", "/signup", 200),
    ("anonymous", "/forgot-password", 200),
    ("anonymous", "/reset-password/not-a-real-token", 200),
    ("anonymous", "/no-such-page", 404),
    ("seller", "/dashboard", 200),
    ("seller", "/listings/new", 200),
    ("seller", "/listings/{listing}/edit", 200),
    ("seller", "/tenders/{tender}/lots/{lot}/bid", 200),
    ("seller", "/tenders/{tender}", 200),
    ("seller", "/tenders/{tender}/lots/{lot}/joint-bid", 200),
    ("seller", "/bids/{joint}/group", 200),
    ("seller", "/notifications", 200),
    ("seller", "/my/tenders", 200),
    ("seller", "/account", 200),
    ("seller", "/account/tokens", 200),
    ("seller", "/account/two-factor", 200),
    ("seller", "/organizations/{seller_org}", 200),
    ("seller", "/organizations/{seller_org}/edit", 200),
    ("seller", "/organizations/{seller_org}/members", 200),
    ("seller", "/organizations/{seller_org}/audit", 200),
    ("seller", "/organizations/{buyer_org}/edit", 403),
    ("buyer", "/tenders/new", 200),
    ("buyer", "/tenders/{draft}/edit", 200),
    ("buyer", "/tenders/{tender}/cancel", 200),
    ("buyer", "/tenders/{tender}/documents", 200),
    ("buyer", "/tenders/{awarded}/evaluation", 200),
    ("buyer", "/tenders/{standstill}", 200),
    ("buyer", "/my/tenders", 200),
    ("owner", "/campaigns/new", 200),
    ("owner", "/campaigns/{campaign}/edit", 200),
    ("owner", "/campaigns/{campaign}/updates/new", 200),
    ("owner", "/campaigns/{campaign}/expenses/new", 200),
    ("owner", "/campaigns/{campaign}/disbursements/new", 200),
    ("owner", "/campaigns/{campaign}/donations", 200),
    ("owner", "/my/campaigns", 200),
    ("admin", "/admin/moderation", 200),
    ("admin", "/admin/audit", 200),
    ("admin", "/verifications", 200),
    ("admin", "/account/confirm-password", 200),
    ("anonymous", "/rfqs", 200),
    ("anonymous", "/rfqs?q=wheat", 200),
    ("anonymous", "/rfqs/{rfq}", 200),
    ("buyer", "/inbox", 200),
    ("buyer", "/conversations/{conversation}", 200),
    ("buyer", "/conversations/new?kind=listing&id={listing}", 200),
    ("buyer", "/quotes/{quote}", 200),
    ("buyer", "/orders/{order}", 200),
    ("buyer", "/organizations/{buyer_org}/orders", 200),
    ("buyer", "/organizations/{buyer_org}/rfqs", 200),
    ("buyer", "/rfqs/new", 200),
    ("buyer", "/rfqs/{rfq}", 200),
    ("buyer", "/dashboard", 200),
    ("seller", "/inbox", 200),
    ("seller", "/conversations/{conversation}", 200),
    ("seller", "/quotes/new?conversation={conversation}", 200),
    ("seller", "/quotes/{quote}", 200),
    ("seller", "/quotes/{quote}/revise", 200),
    ("seller", "/orders/{order}", 200),
    ("seller", "/rfqs/{rfq}", 200),
    ("anonymous", "/directory", 200),
    ("anonymous", "/directory?kind=cooperative_bank", 200),
    ("anonymous", "/organizations/{buyer_org}/report", 200),
    ("seller", "/organizations/{seller_org}/report", 200),
    ("seller", "/organizations/{seller_org}/report?from=2026-13-01", 422),
    ("seller", "/organizations/{seller_org}/federations", 200),
    ("federation", "/organizations/{federation}/federations", 200),
    ("federation", "/organizations/{federation}/federation-report", 200),
    ("federation", "/organizations/{federation}", 200),
    ("seller", "/saved-searches", 200),
    ("seller", "/account/notifications", 200),
    ("seller", "/tenders?q=transport", 200),
    ("anonymous", "/unsubscribe/{unsubscribe_token}", 200),
)

#: Forms sent empty, and the status of the answer: the page again, with its error messages. (who, path, button, status)
FORMS_SENT_EMPTY = (
    ("anonymous", "/login", "Log in", 401),
    ("anonymous", "/signup", "Create account", 422),
    ("anonymous", "/forgot-password", "Send the link", 422),
    ("anonymous", "/donations/statement", "Send the link", 422),
    ("seller", "/listings/new", "Save listing", 422),
    ("seller", "/quotes/new?conversation={conversation}", "Send the quote", 422),
    ("buyer", "/rfqs/new", "Publish", 422),
    ("seller", "/tenders/{tender}/lots/{lot}/bid", "Submit sealed bid", 422),
    ("seller", "/tenders/{tender}/lots/{lot}/joint-bid", "Submit sealed joint bid", 422),
    ("seller", "/account", "Change password", 422),
    ("seller", "/account/tokens", "Create token", 200),  # a token with the default name and scope: its secret shown
    ("seller", "/organizations/{seller_org}/members", "Send invitation", 422),
    ("buyer", "/tenders/new", "Save draft", 422),
    ("owner", "/campaigns/new", "Save draft", 422),
    ("owner", "/campaigns/{campaign}/updates/new", "Post the update", 422),
    ("owner", "/campaigns/{campaign}/expenses/new", "Book the expense", 422),
    ("seller", "/organizations/{seller_org}/federations", "Declare membership", 422),
)

PEOPLE = sorted({row[0] for row in PAGES + FORMS_SENT_EMPTY})


def violations(page):
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now, one line per element."""
    found = Axe().run(page, options=WCAG_21_AA).response["violations"]
    return [f"{page.url} {v['id']} ({v['help']}): {node['target']} {node['failureSummary']}"
            for v in found for node in v["nodes"]]


@pytest.mark.browser
@pytest.mark.parametrize("who", PEOPLE)
def test_no_page_violates_wcag_21_aa(site, live_server, browser, who):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    if who != "anonymous":
        log_in(page, live_server, site["people"][who])
    found = []
    for person, path, status in PAGES:
        if person == who:
            response = page.goto(live_server + path.format(**site["ids"]))
            assert response.status == status, (path, response.status)
            found.extend(violations(page))
    for person, path, button, status in FORMS_SENT_EMPTY:
        if person == who:
            page.goto(live_server + path.format(**site["ids"]))
            with page.expect_response(lambda answer: answer.request.method == "POST") as answer:
                page.get_by_role("main").get_by_role("button", name=button, exact=True).click()
            assert answer.value.status == status, (path, button, answer.value.status)
            page.wait_for_load_state()
            found.extend(violations(page))
    context.close()
    assert not found, "\n".join(found)


@pytest.mark.browser
def test_the_pages_a_mailed_link_or_a_second_factor_leads_to_violate_nothing(site, live_server, browser, mailbox):
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    found = []

    def check(heading):
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        found.extend(violations(page))

    # A newcomer signs up, logs in before confirming the address (the banner), then confirms it.
    page.goto(f"{live_server}/signup")
    page.get_by_label("Your name").fill("Nadia Newcomer")
    page.get_by_label("E-mail address").fill("nadia@newcomers.coop")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Organisation name").fill("Newcomers Cooperative")
    page.get_by_label("Legal form").select_option("cooperative")
    page.get_by_label("Size").select_option("small")
    page.get_by_label("Country").select_option("GB")
    page.get_by_label("Sector").select_option("agriculture")
    page.get_by_role("button", name="Create account").click()
    check("Check your mail")
    log_in(page, live_server, "nadia@newcomers.coop")
    expect(page.locator("#unverified-banner")).to_be_visible()
    page.goto(f"{live_server}/dashboard")
    check("Newcomers Cooperative")
    open_link_from_mail(page, mailbox, "nadia@newcomers.coop", "/verify-email/")
    check("Confirm your e-mail address")
    page.get_by_role("button", name="Confirm my address").click()
    check("Newcomers Cooperative")

    # She invites a colleague, who opens the invitation.
    page.goto(f"{live_server}/dashboard")
    page.get_by_role("link", name="Members").click()
    page.get_by_label("E-mail address").fill("colleague@newcomers.coop")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent")).to_be_visible()
    log_out(page)
    open_link_from_mail(page, mailbox, "colleague@newcomers.coop", "/invitations/")
    check("Join Newcomers Cooperative")

    # She forgot her password.
    page.goto(f"{live_server}/forgot-password")
    page.get_by_label("E-mail address").fill("nadia@newcomers.coop")
    page.get_by_role("button", name="Send the link").click()
    check("Check your mail")
    open_link_from_mail(page, mailbox, "nadia@newcomers.coop", "/reset-password/")
    check("Choose a new password")

    # The seller turns two-factor sign-in on, then logs in with a code and goes to switch it off.
    log_in(page, live_server, site["people"]["seller"])
    page.goto(f"{live_server}/account/two-factor")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Switch two-factor sign-in on").click()
    expect(page.locator("#recovery-codes")).to_be_visible()
    check("Two-factor sign-in")
    log_out(page)
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address").fill(site["people"]["seller"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    check("Two-factor sign-in")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))  # the next step: a code is good once
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/account/two-factor/disable")
    check("Switch two-factor sign-in off")
    assert not found, "\n".join(found)


@pytest.mark.browser
@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_the_open_menus_violate_nothing(site, live_server, browser, width, height):
    """What only shows once opened: the collapsed menu on a phone, the user menu with the organisation switcher."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    log_in(page, live_server, site["people"]["seller"])
    page.goto(f"{live_server}/dashboard")
    open_user_menu(page)
    found = violations(page)
    context.close()
    assert not found, "\n".join(found)
