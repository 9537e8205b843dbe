"""How a browse is split into requests the engine answers cheaply at a million listings (bench/search.py measures it):
pure request building, no engine."""
from search.queries import RETURNED_FACETS, ListingQuery, listing_search_requests


def _facets(requests):
    return [name for request in requests[1:] for name in request["aggs"]]


def test_browsing_everything_counts_each_facet_alone_and_the_hits_once():
    hits, *facets = listing_search_requests(ListingQuery())
    assert hits["track_total_hits"] is False and "aggs" not in hits and "post_filter" not in hits
    assert hits["sort"] == [{"cooperative_tier": "desc"}, {"created_at": "desc"}, {"listing_id": "asc"}]
    assert [len(request["aggs"]) for request in facets] == [1] * len(RETURNED_FACETS)
    assert [request["track_total_hits"] for request in facets] == [True] + [False] * (len(RETURNED_FACETS) - 1)
    assert all("post_filter" not in request and request["size"] == 0 for request in facets)


def test_browsing_with_a_selection_counts_the_facets_in_two_halves_under_the_selection():
    hits, *facets = listing_search_requests(ListingQuery(selections={"country": ["FR"]}, cooperative=True))
    assert len(facets) == 2 and sorted(_facets([hits, *facets])) == sorted([*RETURNED_FACETS, "country__selected"])
    assert facets[0]["post_filter"] == hits["post_filter"] == {"bool": {"filter": [{"terms": {"organization.country": ["FR"]}}]}}
    assert [request["track_total_hits"] for request in facets] == [True, False]


def test_browsing_without_cooperative_preference_is_newest_first_and_a_text_search_is_one_request():
    hits, *_facets_ = listing_search_requests(ListingQuery(cooperative_boost=0))
    assert hits["sort"] == [{"created_at": "desc"}, {"listing_id": "asc"}]
    [search] = listing_search_requests(ListingQuery(text="oat flakes"))
    assert search["track_total_hits"] is True and "function_score" in search["query"] and search["aggs"]
