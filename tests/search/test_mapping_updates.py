"""An index made by older code is brought up to date with the code's mapping when it can be in place (new fields), and
named for `flask search reindex` when its documents lack the new fields or it cannot be (a changed field, another
analysis, other fixed settings): on the real search node."""
import copy
import logging

import pytest
from opensearchpy import exceptions as os_errors

from search.engine import SearchEngine
from search.mappings import ANALYSIS, INDEX_SORTS, KINDS, NO_FIXED_SETTINGS, SEARCH_SETTINGS, mapping_meta
from search.queries import ListingQuery


@pytest.fixture
def engine(app):
    engine = app.extensions["search"]
    assert engine.ping(), "OpenSearch is not running: make services"
    engine.drop_all()
    yield engine
    engine.drop_all()


def _older_index(engine, mapping, meta, sorted_=True):
    """A listings index behind the alias, as older code made it: `mapping`, with `meta` as its digests."""
    name = f"{engine.alias('listings')}-1"
    settings = {"number_of_shards": 1, "number_of_replicas": 0, "analysis": ANALYSIS,
                **({"index": INDEX_SORTS["listings"]} if sorted_ else {})}
    engine.client.indices.create(index=name, body={"settings": settings, "mappings": {**mapping, "_meta": meta}})
    engine.client.indices.update_aliases(body={"actions": [
        {"add": {"index": name, "alias": engine.alias("listings"), "is_write_index": True}}]})
    return name


def _starting(engine):
    """The engine of a process that starts now (it has checked no index yet)."""
    return SearchEngine(engine.client, engine.prefix)


def test_an_index_made_before_a_new_field_takes_it_in_place_and_is_named_for_a_reindex(engine, caplog):
    older = copy.deepcopy(KINDS["listings"])
    del older["properties"]["unit"]
    name = _older_index(engine, older, {**mapping_meta("listings"), "fields": "older", "documents": "older"})
    with pytest.raises(os_errors.RequestError):  # strict: the field is refused until the mapping has it
        engine.client.index(index=engine.alias("listings"), id="1", body={"listing_id": 1, "unit": "kg"})

    with caplog.at_level(logging.WARNING, logger="search.indices"):
        assert _starting(engine).update_mapping("listings") == [name]

    mapping = engine.client.indices.get_mapping(index=name)[name]["mappings"]
    assert mapping["properties"]["unit"] == KINDS["listings"]["properties"]["unit"]
    # The documents written before still lack the field: the index stays named for a reindex, on every start.
    assert mapping["_meta"] == {**mapping_meta("listings"), "documents": "older"}
    engine.client.index(index=engine.alias("listings"), id="1", body={"listing_id": 1, "unit": "kg"})
    assert "brought up to date" in caplog.text
    assert "its documents lack the new fields: run `flask search reindex listings`" in caplog.text
    assert _starting(engine).update_mapping("listings") == [name]


def test_a_changed_field_is_named_for_a_reindex_and_new_fields_are_added_all_the_same(engine, caplog):
    older = copy.deepcopy(KINDS["listings"])
    older["properties"]["unit"] = {"type": "integer"}
    del older["properties"]["kind"], older["properties"]["price"]["properties"]["order"]
    name = _older_index(engine, older, {**mapping_meta("listings"), "fields": "older"})

    with caplog.at_level(logging.ERROR, logger="search.indices"):
        assert _starting(engine).update_mapping("listings") == [name]

    assert "flask search reindex listings" in caplog.text and "its new fields were added (kind, price)" in caplog.text
    mapping = engine.client.indices.get_mapping(index=name)[name]["mappings"]
    assert mapping["properties"]["unit"] == {"type": "integer"}
    # Documents of this code are taken until the rebuild.
    assert mapping["properties"]["kind"] == KINDS["listings"]["properties"]["kind"]
    assert mapping["properties"]["price"]["properties"]["order"] == {"type": "long"}
    engine.client.index(index=name, id="1", body={"listing_id": 1, "kind": "good", "price": {"order": 12_500}})
    assert mapping["_meta"]["fields"] == "older"  # still says it is out of date


def test_another_analysis_is_named_for_a_reindex(engine, caplog):
    name = _older_index(engine, KINDS["listings"], {**mapping_meta("listings"), "analysis": "older"})

    with caplog.at_level(logging.ERROR, logger="search.indices"):
        assert _starting(engine).update_mapping("listings") == [name]

    assert "another analysis" in caplog.text and "flask search reindex listings" in caplog.text


def test_an_index_made_before_its_documents_were_kept_in_order_is_named_for_a_reindex(engine, caplog):
    """Indices made before the fixed settings were recorded have none (no sort): browsing them is slower, not wrong."""
    meta = {key: value for key, value in mapping_meta("listings").items() if key not in ("settings", "documents")}
    name = _older_index(engine, KINDS["listings"], meta, sorted_=False)

    with caplog.at_level(logging.ERROR, logger="search.indices"):
        assert _starting(engine).update_mapping("listings") == [name]

    assert "other fixed settings" in caplog.text and "flask search reindex listings" in caplog.text
    assert "documents lack" not in caplog.text
    assert _starting(engine).update_mapping("listings") == [name]
    assert mapping_meta("listings")["settings"] != NO_FIXED_SETTINGS


def test_until_an_index_whose_documents_lack_the_facets_field_is_rebuilt_each_facet_is_counted_alone(engine):
    _older_index(engine, KINDS["listings"], {**mapping_meta("listings"), "documents": "older"})
    for number, country in enumerate(["FR", "FR", "ES"], start=1):  # as older code wrote them: no facet_values
        engine.client.index(index=engine.alias("listings"), id=str(number), refresh=True,
                            body={"listing_id": number, "cooperative_tier": 1, "organization": {"country": country}})
    starting = _starting(engine)

    assert dict(starting.search_listings(ListingQuery())["facets"]["country"]) == {"FR": 2, "ES": 1}
    found = starting.search_listings(ListingQuery(selections={"country": ["ES"]}, text="", per_page=5))
    assert found["total"] == 1 and dict(found["facets"]["country"]) == {"FR": 2, "ES": 1}
    assert dict(found["facets"]["region"]) == {}


def test_an_index_made_before_its_search_settings_takes_them_in_place(engine):
    name = _older_index(engine, KINDS["listings"], mapping_meta("listings"))
    assert "search" not in engine.client.indices.get_settings(index=name)[name]["settings"]["index"]

    assert _starting(engine).update_mapping("listings") == []

    settings = engine.client.indices.get_settings(index=name, flat_settings=True)[name]["settings"]
    assert {key: settings[f"index.{key}"] for key in SEARCH_SETTINGS["listings"]} == {
        "search.concurrent_segment_search.mode": "auto", "search.concurrent.max_slice_count": "2"}
    made = engine.create_index("listings")  # and a new index is made with them
    assert engine.client.indices.get_settings(index=made, flat_settings=True)[made]["settings"][
        "index.search.concurrent.max_slice_count"] == "2"


def test_search_settings_the_cluster_refuses_are_only_logged_and_the_index_still_serves(engine, caplog, monkeypatch):
    name = _older_index(engine, KINDS["listings"], mapping_meta("listings"))
    engine.client.index(index=name, id="1", refresh=True, body={"listing_id": 1, "title": "Fair trade coffee"})
    monkeypatch.setitem(SEARCH_SETTINGS, "listings", {"search.no_such_setting": "1"})  # the real node refuses it

    starting = _starting(engine)
    with caplog.at_level(logging.WARNING, logger="search.indices"):
        assert starting.update_mapping("listings") == []

    (warning,) = [record for record in caplog.records if record.name == "search.indices"]
    assert warning.levelno == logging.WARNING
    assert warning.getMessage().startswith(f"search index {engine.alias('listings')}: its search settings could not be set")
    assert "no_such_setting" in warning.getMessage()
    assert "search" not in engine.client.indices.get_settings(index=name)[name]["settings"]["index"]
    assert starting.search_listings(ListingQuery(text="coffee"))["total"] == 1


def test_an_index_of_this_code_is_left_alone(engine, caplog):
    engine.ensure_index("listings")
    with caplog.at_level(logging.WARNING, logger="search.indices"):
        assert _starting(engine).update_mapping("listings") == []
    assert not [record for record in caplog.records if record.name == "search.indices"]
