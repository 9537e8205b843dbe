"""Small helpers shared by the search tests: calling the search API and reading its answers."""
SEARCH_API = "/api/v1/search/listings"
SUGGEST_API = "/api/v1/search/suggest"


def search_api(client, path, **params):
    """GET a search API (lists repeat as multi-valued parameters); asserts a 200 and returns the body."""
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return response.get_json()


def find(client, **params):
    return search_api(client, SEARCH_API, **params)


def found_ids(client, **params):
    return [item["id"] for item in find(client, per_page=100, **params)["items"]]


def facet(result, name):
    """{value: count} of one facet of a search answer."""
    return {entry["value"]: entry["count"] for entry in result["facets"][name]}


def suggestions(client, text):
    response = client.get(SUGGEST_API, query_string={"q": text})
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return response.get_json()["suggestions"]


def plain(text, **extra):
    """Listing fields with a description and CPV code that cannot match the words a test searches for."""
    return {"title": text, "description": "Delivered on pallets.", "cpv_code": "45000000", **extra}
