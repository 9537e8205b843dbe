"""Searching in Chromium: suggestions as you type, facets, chips, highlights, shareable URL, back button."""
import re

import pytest
from playwright.sync_api import expect

from app.indexing.sync import drain_all
from tests.conftest import Factory


@pytest.fixture
def marketplace(committed_app):
    """A few committed listings, delivered to a fresh index."""
    engine = committed_app.extensions["search"]
    assert engine.ping(), "OpenSearch is not running: make services"
    engine.drop_all()
    committed_app.config["SEARCH_SYNC_ON_COMMIT"] = True
    make = Factory(committed_app)
    kenyan = make.organization(make.user(), name="Meru Herbs Cooperative", country="KE", verified=True)
    french = make.organization(make.user(), name="Scop Café Michel", country="FR", verified=True)
    british = make.organization(make.user(), name="Equal Exchange Trading", country="GB", legal_form="sme")
    make.listing(kenyan, title="Organic hibiscus tea", cpv_code="15863000", description="Dried calyces, hand picked.")
    make.listing(french, title="Café arabica torréfié", cpv_code="15861000", description="Torréfaction artisanale.")
    make.listing(british, title="Fairtrade coffee, ground", cpv_code="15861000", description="Medium roast.")
    with committed_app.app_context():
        drain_all()
    return committed_app


@pytest.mark.browser
def test_search_with_suggestions_facets_chips_and_back_button(marketplace, live_server, browser):
    page = browser.new_page()
    page.goto(f"{live_server}/search")
    box = page.get_by_label("Search for")
    box.press_sequentially("caf", delay=30)
    expect(page.locator("#search-suggestions option[value='Café arabica torréfié']")).to_have_count(1)
    box.fill("coffee")
    box.press("Enter")
    expect(page.get_by_text("2 offers")).to_be_visible()
    expect(page.locator("article mark").first).to_be_visible()

    page.get_by_label("France (1)").check()  # applies at once, without a button
    expect(page.get_by_text("1 offer", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Café arabica torréfié")).to_be_visible()
    assert "country=FR" in page.url and "q=coffee" in page.url
    chip = page.get_by_role("link", name=re.compile(r"^country: France"))
    expect(chip).to_be_visible()

    shared = page.url
    other = browser.new_page()
    other.goto(shared)  # the URL holds the whole state
    expect(other.get_by_text("1 offer", exact=True)).to_be_visible()

    page.go_back()
    expect(page.get_by_text("2 offers")).to_be_visible()
    page.go_forward()
    expect(page.get_by_text("1 offer", exact=True)).to_be_visible()
    chip.click()
    expect(page.get_by_text("2 offers")).to_be_visible()

    box = page.get_by_label("Search for")
    box.fill("cofee")
    box.press("Enter")
    expect(page.get_by_text("2 offers")).to_be_visible()
    box = page.get_by_label("Search for")
    box.fill("hibiskus tee")
    box.press("Enter")
    expect(page.get_by_text("Did you mean")).to_be_visible()
