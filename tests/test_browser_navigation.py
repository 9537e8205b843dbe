"""The navigation bar in Chromium: one line at 1280 px whoever looks and whatever their organisation is called, the
collapsed menu on a 390 px phone, and the user menu: its organisation switcher and log out."""
import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.notices.models import Notification
from tests.browsing import log_in, log_out, open_user_menu, user_menu_button
from tests.conftest import Factory

LONG_NAME = "Maximiliana Featherstonehaugh-Rodríguez"
LONG_ORGANISATION = ("The Worker-Owned Cooperative Society of Organic Fruit, Vegetable and Herb Growers "
                     "of the Upper Calder Valley and Surrounding Moorland")

#: Every item of the bar, top level (the brand and each entry of the two lists): its box, the lines its text takes,
#: and the box of the bar's content.
BAR_ITEMS = """() => {
  const bar = document.querySelector('nav.navbar > .container');
  const items = [bar.querySelector('.navbar-brand'), ...bar.querySelectorAll('.navbar-nav > li')];
  return {bar: bar.getBoundingClientRect().toJSON(), page_width: document.documentElement.scrollWidth, items: items.map(item => {
    const text = item.querySelector('.nav-link, .btn') || item;
    const style = getComputedStyle(text);
    const inner = text.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    return {text: item.innerText.trim(), box: item.getBoundingClientRect().toJSON(),
            lines: Math.round(inner / parseFloat(style.lineHeight))};
  })};
}"""


@pytest.fixture
def member(committed_app):
    """A user with a long name acting for a long-named organisation, with unread notifications, and a member of a
    second organisation too."""
    make = Factory(committed_app)
    user = make.user(name=LONG_NAME)
    first = make.organization(user, name=LONG_ORGANISATION)
    second = make.organization(user, role="seller", name="Calder Bakers")
    with committed_app.app_context():
        db.session.add_all([Notification(organization_id=first.id, message=f"News {n}") for n in range(12)])
        db.session.commit()
        db.session.remove()
    return {"email": user.email, "first": first, "second": second}


def assert_one_line(page):
    """Each item of the bar on one line of text, all of them side by side in one row, none past the bar's end."""
    bar = page.evaluate(BAR_ITEMS)
    items = bar["items"]
    assert all(item["lines"] == 1 for item in items), items
    assert max(item["box"]["top"] for item in items) < min(item["box"]["bottom"] for item in items), items
    assert all(item["box"]["right"] <= bar["bar"]["right"] + 0.5 for item in items), bar
    assert bar["page_width"] <= page.viewport_size["width"], bar


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_bar_fits_on_one_line_at_1280_px(live_server, browser, member, language):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_extra_http_headers({"Accept-Language": language})
    page.goto(f"{live_server}/")
    expect(page.get_by_role("button", name="Menu", exact=True)).to_be_hidden()
    assert_one_line(page)

    page.set_extra_http_headers({"Accept-Language": "en"})
    log_in(page, live_server, member["email"])
    page.set_extra_http_headers({"Accept-Language": language})
    page.goto(f"{live_server}/campaigns")
    button = user_menu_button(page)
    expect(button).to_contain_text(LONG_NAME[:8])
    expect(button).to_contain_text(LONG_ORGANISATION[:8])
    expect(page.locator("nav .badge")).to_contain_text("12")
    assert_one_line(page)
    context.close()


@pytest.mark.browser
def test_a_phone_gets_the_collapsed_menu(live_server, browser, member):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server}/")
    toggler = page.get_by_role("button", name="Menu", exact=True)
    tenders = page.get_by_role("navigation", name="Main").get_by_role("link", name="Tenders")
    expect(toggler).to_be_visible()
    expect(tenders).to_be_hidden()
    expect(page.get_by_role("link", name="Log in")).to_be_hidden()
    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(tenders).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    tenders.click()
    expect(page).to_have_url(f"{live_server}/tenders")
    expect(tenders).to_be_hidden()  # a new page starts with the menu closed

    log_in(page, live_server, member["email"])
    expect(user_menu_button(page)).to_be_hidden()
    menu = open_user_menu(page)
    expect(menu.get_by_role("link", name="Your account")).to_be_visible()
    log_out(page)
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    context.close()


@pytest.mark.browser
def test_the_user_menu_switches_organisation_and_logs_out(live_server, browser, member):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log_in(page, live_server, member["email"])
    page.goto(f"{live_server}/dashboard")
    menu = page.locator("#user-menu")
    expect(menu).to_be_hidden()

    menu = open_user_menu(page)
    expect(user_menu_button(page)).to_have_attribute("aria-expanded", "true")
    expect(menu.locator("[aria-current=true]")).to_contain_text(LONG_ORGANISATION)
    for name in ("Dashboard", f"Audit trail of {LONG_ORGANISATION}", "Your account", "API tokens", "Two-factor sign-in"):
        expect(menu.get_by_role("link", name=name)).to_be_visible()
    expect(menu.get_by_role("link", name="Moderation")).to_have_count(0)  # for platform admins only
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    open_user_menu(page).get_by_role("button", name="Calder Bakers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calder Bakers")
    expect(user_menu_button(page)).to_contain_text("Calder Bakers")
    menu = open_user_menu(page)
    expect(menu.locator("[aria-current=true]")).to_contain_text("Calder Bakers")
    expect(menu.get_by_role("link", name="Audit trail of Calder Bakers")).to_have_count(0)  # a seller there, not an admin

    log_out(page)
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert page.goto(f"{live_server}/dashboard").url.startswith(f"{live_server}/login")
    context.close()
