"""Whatever a user types answers normally; parameters that make no sense answer with the field at fault."""
import pytest

from tests.search.helpers import SEARCH_API, SUGGEST_API, find, plain

NASTY = [
    '"unbalanced quote',
    "it's \"quoted\" 'twice'",
    "(brackets [and {braces}",
    "back\\slash \\\\ \\",
    "title:honey AND organization.name:*",
    "honey~2 OR hon?y^10 -wax +jam",
    "/regex.*[a-z]+/",
    "&& || ! : ( ) { } [ ] ^ \" ~ * ? \\ /",
    "<script>alert(1)</script>",
    "%00%2F%27",
    "\t\n\r  ",
    "café Ölmühle crème brûlée ñandú",
    "日本茶 緑茶",
    "زيت الزيتون",
    "ми́лый мёд",
    "🐝🍯 honey ☕",
    "👩🏽‍🌾 e\u0301 \u200b\u200d\ufeff",
    "a" * 500,
    ("honey " * 100)[:500],
    ('"(\\[' * 125)[:500],
    "🍯" * 500,
    "日本茶" * 166,
    " ".join(f"word{n}" for n in range(100))[:500],
]


@pytest.fixture
def honey(make, search):
    listing = make.listing(make.organization(make.user()), **plain("Wildflower honey"))
    search.sync()
    return listing


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_any_text_answers_normally_in_the_api(client, honey, text):
    result = find(client, q=text)
    assert result["page"] == 1
    assert isinstance(result["total"], int)
    response = client.get(SUGGEST_API, query_string={"q": text})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_any_text_answers_normally_on_the_search_page(client, honey, text):
    response = client.get("/search", query_string={"q": text})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "Search offers" in response.get_data(as_text=True)


def test_text_around_the_words_does_not_stop_them_being_found(client, honey):
    for text in ['"wildflower honey"', "(honey)", "honey\\", "honey*", "HONEY!!!", "honey ✓", "🐝 honey 🍯", "honey" + " " * 400]:
        assert [item["id"] for item in find(client, q=text)["items"]] == [honey.id], text


def test_a_query_longer_than_five_hundred_characters_is_refused_with_its_field(client, honey):
    response = client.get(SEARCH_API, query_string={"q": "🍯" * 501})
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["q"]
    assert client.get("/search", query_string={"q": "a" * 501}).status_code == 400


@pytest.mark.parametrize(("params", "field"), [
    ({"page": "0"}, "page"),
    ({"page": "-3"}, "page"),
    ({"page": "two"}, "page"),
    ({"per_page": "1000"}, "per_page"),
    ({"per_page": "0"}, "per_page"),
    ({"sdg": "18"}, "sdg"),
    ({"sdg": "0"}, "sdg"),
    ({"price_min": "20", "price_max": "10"}, "price_min"),
    ({"price_min": "-1"}, "price_min"),
    ({"price_max": "NaN"}, "price_max"),
    ({"price_min": "Infinity"}, "price_min"),
    ({"price_max": "ten"}, "price_max"),
    ({"sort": "foo"}, "sort"),
    ({"sort": "_score"}, "sort"),
    ({"country": "XXX"}, "country"),
    ({"region": "Atlantis"}, "region"),
    ({"legal_form": "guild"}, "legal_form"),
    ({"sector": "mining"}, "sector"),
    ({"size": "huge"}, "size"),
    ({"cpv": "0300"}, "cpv"),
    ({"cpv_division": "3"}, "cpv_division"),
    ({"cooperative": "maybe"}, "cooperative"),
    ({"verified": "perhaps"}, "verified"),
    ({"currency": "euro"}, "currency"),
])
def test_bad_parameters_are_refused_with_the_field_at_fault(client, honey, params, field):
    response = client.get(SEARCH_API, query_string=params)
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error
    page = client.get("/search", query_string=params)
    assert page.status_code == 400
    assert field in page.get_data(as_text=True)


def test_several_bad_parameters_are_all_reported(client, honey):
    response = client.get(SEARCH_API, query_string={"page": "0", "per_page": "1000", "sdg": "18", "sort": "foo", "country": "XXX"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"page", "per_page", "sdg", "sort", "country"}


def test_a_suggestion_needs_some_text(client, honey):
    response = client.get(SUGGEST_API)
    assert response.status_code == 422
    assert "q" in response.get_json()["error"]["fields"]


def test_the_last_page_within_the_result_window_is_allowed(client, honey):
    assert find(client, page=100, per_page=100)["items"] == []
