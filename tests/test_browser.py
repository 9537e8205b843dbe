"""A person's journey in Debian's Chromium, driven by Playwright, against the app served on loopback."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browsing import log_out, open_link_from_mail, user_menu_button

SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def sign_up(page, base, name, email, organization, mailbox, country="GB"):
    page.goto(f"{base}/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("a-long-journey-passphrase")
    page.get_by_label("Organisation name").fill(organization)
    page.get_by_label("Legal form").select_option("cooperative")
    page.get_by_label("Size").select_option("small")
    page.get_by_label("Country").select_option(country)
    page.get_by_label("Sector").select_option("agriculture")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mail")
    open_link_from_mail(page, mailbox, email, "/verify-email/")
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(organization)


@pytest.mark.browser
def test_sign_up_list_an_offer_and_keep_others_out(live_server, browser, mailbox):
    page = browser.new_page()
    sign_up(page, live_server, "Rosa Grower", "rosa@hebden.coop", "Hebden Bridge Growers", mailbox)
    log_out(page)

    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address").fill("rosa@hebden.coop")
    page.get_by_label("Password").fill("a-long-journey-passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hebden Bridge Growers")

    page.get_by_role("link", name="New listing").click()
    page.get_by_label("Title").fill("Heritage apple juice, pressed on the farm")
    page.get_by_label("Description").fill("Unfiltered, from twelve member orchards.")
    picker = page.get_by_label("CPV code")
    picker.press_sequentially("jus de pomme", delay=20)
    expect(page.locator("#cpv-options option").first).to_have_attribute("value", "15321600-0 Apple juice")
    picker.fill("15321600-0 Apple juice")
    page.get_by_label("Amount").fill("3.20")
    page.get_by_label("Currency").select_option("GBP")
    page.get_by_label("Unit").fill("litre")
    page.get_by_label("Status").select_option("active")
    page.get_by_role("button", name="Save listing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Heritage apple juice, pressed on the farm")
    expect(page.get_by_text("3.20 GBP")).to_be_visible()
    listing_url = page.url

    page.get_by_role("link", name="Hebden Bridge Growers").first.click()
    expect(page.get_by_role("link", name="Heritage apple juice, pressed on the farm")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "organisation-page.png"), full_page=True)
    log_out(page)

    sign_up(page, live_server, "Omar Other", "omar@elsewhere.coop", "Elsewhere Fishers", mailbox, country="FR")
    response = page.goto(f"{listing_url}/edit")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("403")
    expect(page.get_by_text("You do not have the role needed")).to_be_visible()


@pytest.mark.browser
def test_confirm_the_address_then_reset_a_forgotten_password_ending_the_other_session(live_server, browser, mailbox):
    laptop = browser.new_context()
    page = laptop.new_page()
    sign_up(page, live_server, "Ines Weaver", "ines@telares.coop", "Telares del Sur", mailbox, country="ES")
    expect(page.get_by_text("Your e-mail address is confirmed")).to_be_visible()
    log_out(page)

    # Another browser, still signed in: it must be signed out by the reset.
    phone = browser.new_context().new_page()
    phone.goto(f"{live_server}/login")
    phone.get_by_label("E-mail address").fill("ines@telares.coop")
    phone.get_by_label("Password").fill("a-long-journey-passphrase")
    phone.get_by_role("button", name="Log in").click()
    expect(user_menu_button(phone)).to_contain_text("Ines Weaver")

    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill("ines@telares.coop")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mail")
    open_link_from_mail(page, mailbox, "ines@telares.coop", "/reset-password/")
    page.get_by_label("New password").fill("loom-and-shuttle-at-dawn")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()

    page.get_by_label("E-mail address").fill("ines@telares.coop")
    page.get_by_label("Password").fill("loom-and-shuttle-at-dawn")
    page.get_by_role("button", name="Log in").click()
    expect(user_menu_button(page)).to_contain_text("Ines Weaver")

    phone.goto(f"{live_server}/dashboard")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Log in")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "password-reset.png"), full_page=True)
