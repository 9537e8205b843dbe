"""Faceted navigation with several selections, sorting, and pagination that neither repeats nor loses a listing."""
import re

import pytest

from app.catalog.models import Listing
from app.extensions import db
from app.money import Money
from tests.search.helpers import facet, find, found_ids, plain


@pytest.fixture
def market(make, search):
    """Five suppliers with 1 to 5 listings each (one SDG per supplier), so every count tells whose listings it holds.

    | supplier   | country | sector      | legal form  | listings | SDG |
    | gb_coop    | GB      | agriculture | cooperative | 1        | 1   |
    | fr_sme     | FR      | agriculture | sme         | 2        | 2   |
    | es_coop    | ES      | consumer    | cooperative | 3        | 3   |
    | fr_coop    | FR      | consumer    | cooperative | 4        | 4   |
    | fr_mutual  | FR      | housing     | mutual      | 5        | 5   |
    """
    owner = make.user()
    table = [
        ("gb_coop", "GB", "agriculture", "cooperative"),
        ("fr_sme", "FR", "agriculture", "sme"),
        ("es_coop", "ES", "consumer", "cooperative"),
        ("fr_coop", "FR", "consumer", "cooperative"),
        ("fr_mutual", "FR", "housing", "mutual"),
    ]
    listings = {}
    for number, (name, country, sector, legal_form) in enumerate(table, start=1):
        organization = make.organization(owner, name=name, country=country, sector=sector, legal_form=legal_form)
        listings[name] = [make.listing(organization, **plain(f"Seasonal box {name} {n}", sdgs=[number])).id
                          for n in range(number)]
    # Text that must never be counted: a draft and a paused listing of a supplier in the selection.
    fr_sme = make.organization(owner, name="fr_sme hidden", country="FR", sector="agriculture", legal_form="sme")
    make.listing(fr_sme, **plain("Seasonal box draft", status="draft", sdgs=[2]))
    paused = make.listing(fr_sme, **plain("Seasonal box paused", sdgs=[2]))
    search.sync()
    with make.app.app_context():
        db.session.get(Listing, paused.id).status = "paused"
        db.session.commit()
    search.sync()
    return listings


#: Browsing is counted in requests of its own, a text search in one (search.queries.listing_search_requests): both
#: count alike. "seasonal box" is in every listing's title.
BROWSE_OR_TEXT = pytest.mark.parametrize("words", [{}, {"q": "seasonal box"}], ids=["browse", "text"])


@BROWSE_OR_TEXT
def test_without_selections_each_facet_counts_every_public_listing(client, market, words):
    result = find(client, **words)
    assert result["total"] == 15
    assert facet(result, "country") == {"GB": 1, "FR": 11, "ES": 3}
    assert facet(result, "sector") == {"agriculture": 3, "consumer": 7, "housing": 5}
    assert facet(result, "legal_form") == {"cooperative": 8, "sme": 2, "mutual": 5}
    assert facet(result, "region") == {"Europe": 15}
    assert facet(result, "sdg") == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
    assert [entry["value"] for entry in result["facets"]["sdg"]] == [5, 4, 3, 2, 1]  # the most frequent first


@BROWSE_OR_TEXT
def test_facet_counts_ignore_their_own_selection_but_respect_the_others(client, market, words):
    result = find(client, **words, country=["FR", "ES"], sector=["agriculture", "housing"], legal_form=["sme", "cooperative"])
    assert sorted(item["id"] for item in result["items"]) == sorted(market["fr_sme"])
    assert result["total"] == 2
    # country: sector in (agriculture, housing) and legal form in (sme, cooperative) -> gb_coop 1, fr_sme 2;
    # a selected value that matches nothing stays listed with 0, so its box can be unchecked
    assert facet(result, "country") == {"GB": 1, "FR": 2, "ES": 0}
    # sector: country in (FR, ES) and legal form in (sme, cooperative) -> fr_sme 2, es_coop 3 + fr_coop 4
    assert facet(result, "sector") == {"agriculture": 2, "consumer": 7, "housing": 0}
    # legal form: country in (FR, ES) and sector in (agriculture, housing) -> fr_sme 2, fr_mutual 5
    assert facet(result, "legal_form") == {"sme": 2, "mutual": 5, "cooperative": 0}
    # facets nobody selected count the results themselves
    assert facet(result, "region") == {"Europe": 2}
    assert facet(result, "sdg") == {2: 2}


@BROWSE_OR_TEXT
def test_values_selected_in_one_facet_are_or_ed(client, market, words):
    result = find(client, **words, country=["GB", "ES"], per_page=100)
    assert sorted(item["id"] for item in result["items"]) == sorted(market["gb_coop"] + market["es_coop"])
    assert facet(result, "country") == {"GB": 1, "FR": 11, "ES": 3}
    assert facet(result, "legal_form") == {"cooperative": 4}


def test_text_and_filters_narrow_the_facet_counts_too(client, market):
    result = find(client, q="box fr_coop", cooperative="true", sdg=[4, 5])
    assert sorted(item["id"] for item in result["items"]) == sorted(market["fr_coop"])
    assert facet(result, "sdg") == {4: 4, 5: 0}
    assert facet(result, "country") == {"FR": 4}


def test_facet_values_come_with_labels(client, market):
    result = find(client, country="ES")
    assert {entry["value"]: entry["label"] for entry in result["facets"]["country"]}["ES"] == "Spain"
    assert {entry["value"]: entry["label"] for entry in result["facets"]["legal_form"]}["cooperative"] == "Cooperative"
    assert result["facets"]["sdg"][0]["label"].startswith("3. ")


def test_the_search_page_shows_counts_and_a_removable_chip_per_selection(client, market):
    page = client.get("/search", query_string={"country": ["FR", "ES"], "sector": "agriculture"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2 offers" in html
    assert re.search(r'value="FR" id="facet-country-\d+"\s+checked', html)
    assert re.search(r'value="ES" id="facet-country-\d+"\s+checked', html)  # no Spanish match, still checkable
    assert re.search(r'France <span class="text-muted">\(2\)</span>', html)
    assert re.search(r'Spain <span class="text-muted">\(0\)</span>', html)
    assert "country: France" in html and "country: Spain" in html and "sector: Agriculture" in html
    assert 'href="/search?country=ES&amp;sector=agriculture"' in html  # the France chip removes France only


@pytest.fixture
def priced(make, search):
    organization = make.organization(make.user())
    listings = {}
    for name, price in [("mid", Money(1250, "EUR")), ("on request", None), ("cheap", Money(500, "EUR")),
                        ("dear", Money(3000, "EUR"))]:
        listings[name] = make.listing(organization, **plain(f"Crate of pears ({name})", price=price)).id
    search.sync()
    return listings


def test_sorting_by_price_puts_prices_on_request_last(client, priced):
    assert found_ids(client, q="pears", sort="price_asc") == [priced[n] for n in ("cheap", "mid", "dear", "on request")]
    assert found_ids(client, q="pears", sort="price_desc") == [priced[n] for n in ("dear", "mid", "cheap", "on request")]
    prices = [item["price"] for item in find(client, q="pears", sort="price_asc")["items"]]
    assert prices == [{"amount": "5.00", "currency": "EUR"}, {"amount": "12.50", "currency": "EUR"},
                      {"amount": "30.00", "currency": "EUR"}, None]


def test_the_price_range_filter_keeps_listings_within_it(client, priced):
    assert sorted(found_ids(client, price_min="5", price_max="12.5")) == sorted([priced["cheap"], priced["mid"]])
    assert found_ids(client, price_min="12.51") == [priced["dear"]]


def test_sorting_by_newest_puts_the_latest_listing_first(client, priced):
    assert found_ids(client, q="pears", sort="newest") == [priced[n] for n in ("dear", "cheap", "on request", "mid")]


@pytest.mark.parametrize("sort", ["relevance", "newest", "price_asc", "price_desc"])
def test_pages_never_overlap_and_together_hold_every_result(client, make, search, sort):
    owner = make.user()
    organizations = [make.organization(owner, legal_form=form) for form in ("cooperative", "sme")]
    expected = {make.listing(organizations[n % 2], **plain("Identical crate of plums", price=Money(100 * (n % 3 + 1), "EUR"))).id
                for n in range(23)}
    search.sync()
    pages = [find(client, q="plums", sort=sort, per_page=5, page=page) for page in range(1, 7)]
    ids = [item["id"] for result in pages for item in result["items"]]
    assert [len(result["items"]) for result in pages] == [5, 5, 5, 5, 3, 0]
    assert len(ids) == len(set(ids)) == 23
    assert set(ids) == expected
    assert {result["total"] for result in pages} == {23}
    assert ids == [item["id"] for item in find(client, q="plums", sort=sort, per_page=23)["items"]]
