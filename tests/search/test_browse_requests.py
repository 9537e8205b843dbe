"""How a browse is split into requests the engine answers cheaply at a million listings (bench/search.py measures it):
pure request building, no engine."""
from search.facets import ALL_FACETS, FACET_VALUES_FIELD, FACET_VALUES_SIZE, RETURNED_FACETS
from search.queries import ListingQuery, listing_search_requests


def test_browsing_everything_counts_the_hits_once_and_every_facet_in_one_aggregation():
    hits, counts = listing_search_requests(ListingQuery())
    assert hits["track_total_hits"] is False and "aggs" not in hits and "post_filter" not in hits
    assert hits["sort"] == [{"cooperative_tier": "desc"}, {"created_at": "desc"}, {"listing_id": "asc"}]
    # one aggregation, no post filter, a query matching everything: the engine reads the counts from its statistics
    assert counts == {"size": 0, "track_total_hits": True, "query": {"bool": {"must": [{"match_all": {}}], "filter": []}},
                      "aggs": {ALL_FACETS: {"terms": {"field": FACET_VALUES_FIELD, "size": FACET_VALUES_SIZE}}}}


def test_browsing_with_a_selection_counts_its_facet_apart_and_the_others_under_every_selection():
    hits, counts, selected = listing_search_requests(ListingQuery(selections={"country": ["FR"]}, cooperative=True))
    country = {"terms": {"organization.country": ["FR"]}}
    cooperative = {"term": {"organization.is_cooperative": True}}
    assert hits["post_filter"] == {"bool": {"filter": [country]}} and hits["query"]["bool"]["filter"] == [cooperative]
    assert counts["query"]["bool"]["filter"] == [cooperative, country] and list(counts["aggs"]) == [ALL_FACETS]
    assert counts["track_total_hits"] is True and "post_filter" not in counts
    # the country facet is counted without its own selection, and its selected value always
    assert selected["query"] == hits["query"] and sorted(selected["aggs"]) == ["country", "country__selected"]
    assert selected["track_total_hits"] is False and selected["size"] == counts["size"] == 0


def test_browsing_without_cooperative_preference_is_newest_first_and_a_text_search_is_one_request():
    hits, *_facets_ = listing_search_requests(ListingQuery(cooperative_boost=0))
    assert hits["sort"] == [{"created_at": "desc"}, {"listing_id": "asc"}]
    [search] = listing_search_requests(ListingQuery(text="oat flakes"))
    assert search["track_total_hits"] is True and "function_score" in search["query"] and search["aggs"]


def test_until_the_index_is_rebuilt_the_unselected_facets_are_counted_each_alone_and_unwrapped():
    hits, counts, selected = listing_search_requests(ListingQuery(selections={"country": ["FR"]}), together=False)
    assert sorted(counts["aggs"]) == sorted(name for name in RETURNED_FACETS if name != "country")
    assert all("terms" in aggregation for aggregation in counts["aggs"].values())  # the query holds the selection
    assert sorted(selected["aggs"]) == ["country", "country__selected"]
    [search] = listing_search_requests(ListingQuery(text="oat", selections={"country": ["FR"]}), together=False)
    assert search["aggs"]["region"]["filter"] == {"bool": {"filter": [{"terms": {"organization.country": ["FR"]}}]}}
