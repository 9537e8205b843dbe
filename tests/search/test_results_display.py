"""What a result looks like: escaped highlights, "did you mean", autocomplete, the search page itself."""
import pytest

from app.money import Money
from tests.search.helpers import find, plain, suggestions


@pytest.fixture
def seller(make):
    return make.organization(make.user(), name="Pennine Bees", legal_form="cooperative", verified=True, country="GB")


def test_a_result_carries_the_listing_its_price_and_its_supplier(client, make, search, seller):
    honey = make.listing(seller, **plain("Wildflower honey", cpv_code="15831600", price=Money(650, "GBP")))
    search.sync()
    item, = find(client, q="honey")["items"]
    assert {key: item[key] for key in ("id", "title", "cpv_code", "price")} == {
        "id": honey.id, "title": "Wildflower honey", "cpv_code": "15831600-8", "price": {"amount": "6.50", "currency": "GBP"}}
    assert item["organization"] == {"id": seller.id, "name": "Pennine Bees", "legal_form": "cooperative",
                                    "is_cooperative": True, "verified": True, "country": "GB", "region": "Europe"}


def test_highlights_mark_the_words_found_and_escape_the_sellers_html(client, make, search, seller):
    make.listing(seller, **plain('Jam jars <script>alert("x")</script> & lids'))
    search.sync()
    item, = find(client, q="jam")["items"]
    assert item["highlight"] == "<mark>Jam</mark> jars &lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt; &amp; lids"
    assert item["title"] == 'Jam jars <script>alert("x")</script> & lids'


def test_the_search_page_never_runs_a_script_written_in_a_listing(client, make, search, seller):
    make.listing(seller, **plain('Jam jars <script>alert("x")</script>',
                                 description='Lids with <img src=x onerror=alert(1)> jam'))
    search.sync()
    html = client.get("/search", query_string={"q": "jam"}).get_data(as_text=True)
    assert "<mark>Jam</mark> jars &lt;script&gt;" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html


def test_a_highlight_can_come_from_the_description(client, make, search, seller):
    make.listing(seller, **plain("Crystallised honey", description="Set honey from heather moorland, in 340 g jars."))
    search.sync()
    item, = find(client, q="heather")["items"]
    assert "<mark>heather</mark>" in item["highlight"]


def test_a_misspelt_search_with_no_results_suggests_the_right_word(client, make, search, seller):
    make.listing(seller, **plain("Wildflower honey"))
    make.listing(seller, **plain("Beeswax candles"))
    search.sync()
    result = find(client, q="hunny")
    assert result["total"] == 0
    assert result["suggestion"] == "honey"
    assert find(client, q="beeswux canles")["suggestion"] == "beeswax candles"


def test_no_suggestion_when_the_words_are_right(client, make, search, seller):
    make.listing(seller, **plain("Wildflower honey"))
    search.sync()
    assert find(client, q="honey")["suggestion"] is None
    assert find(client, q="xylophone")["suggestion"] is None


def test_the_empty_page_offers_the_suggestion_as_a_link(client, make, search, seller):
    make.listing(seller, **plain("Wildflower honey"))
    search.sync()
    page = client.get("/search", query_string={"q": "hunny"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "No offers match." in html
    assert 'Did you mean <a href="/search?q=honey"><em>honey</em></a>?' in html


def test_autocomplete_suggests_listing_titles_and_organisation_names(client, make, search, seller):
    honey = make.listing(seller, **plain("Pennine wildflower honey"))
    make.listing(seller, **plain("Heather honey"))
    other = make.organization(make.user(), name="Penrith Bakers")
    make.listing(other, **plain("Sourdough loaves"))
    search.sync()
    found = suggestions(client, "penn")
    assert {"text": "Pennine wildflower honey", "kind": "listing", "id": honey.id} in found
    assert {"text": "Pennine Bees", "kind": "organization", "id": seller.id} in found
    assert [entry for entry in found if entry["kind"] == "organization"] == [
        {"text": "Pennine Bees", "kind": "organization", "id": seller.id}]  # once, though it has two listings
    assert {entry["text"] for entry in suggestions(client, "pen")} >= {"Pennine Bees", "Penrith Bakers"}
    assert suggestions(client, "zzz") == []


def test_autocomplete_completes_a_word_being_typed_in_the_middle_of_a_title(client, make, search, seller):
    honey = make.listing(seller, **plain("Pennine wildflower honey"))
    search.sync()
    assert {"text": "Pennine wildflower honey", "kind": "listing", "id": honey.id} in suggestions(client, "wildfl")
    assert {"text": "Pennine wildflower honey", "kind": "listing", "id": honey.id} in suggestions(client, "pennine wild")


def test_the_search_page_keeps_its_whole_state_in_the_url(client, make, search, seller):
    make.listing(seller, **plain("Wildflower honey", sdgs=[12]))
    search.sync()
    page = client.get("/search?q=honey&country=GB&sdg=12&cooperative=true&sort=newest")
    assert page.status_code == 200
    html = " ".join(page.get_data(as_text=True).split())
    assert '<label class="visually-hidden" for="q">Search for</label>' in html
    assert 'name="q" value="honey"' in html
    assert '<option value="newest" selected>' in html
    assert 'id="only-coops" checked' in html
    assert 'value="GB" id="facet-country-1" checked' in html
    assert 'value="12" id="facet-sdg-1" checked' in html
    assert "1 offer" in html


def test_the_answer_matches_its_documented_schema(client, make, search, seller):
    from app.catalog.search_schemas import ListingSearchResultSchema

    make.listing(seller, **plain("Heather honey", price=Money(1200, "JPY")))
    make.listing(seller, **plain("Honey on request", price=None))
    search.sync()
    answer = find(client, q="honey")
    assert ListingSearchResultSchema().dump(ListingSearchResultSchema().load(answer)) == answer
    assert {item["price"]["amount"] if item["price"] else None for item in answer["items"]} == {"1200", None}
