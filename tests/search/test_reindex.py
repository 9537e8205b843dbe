"""`flask search reindex`: a fresh index from the database, swapped in atomically while queries keep running."""
import threading
import time

import pytest

from app.catalog.models import Listing
from app.catalog.services import create_listing
from app.extensions import db
from app.indexing.documents import listing_document
from app.indexing.reindex import reindex
from app.orgs.models import Organization
from search import ListingQuery
from tests.search.helpers import find, found_ids, plain, suggestions


def _many_listings(app, organization_id, count, title):
    """`count` active listings in one transaction (quicker than one commit each)."""
    with app.app_context():
        organization = db.session.get(Organization, organization_id)
        ids = [create_listing(organization, plain(f"{title} {n}", status="active")).id for n in range(count)]
        db.session.commit()
        return ids


@pytest.fixture
def catalogue(app, make, search):
    """12 public listings, plus a draft, a paused listing and a suspended organisation's listing."""
    organization = make.organization(make.user())
    public = _many_listings(app, organization.id, 12, "Malting barley, lot")
    make.listing(organization, **plain("Malting barley draft", status="draft"))
    paused = make.listing(organization, **plain("Malting barley paused"))
    suspended = make.organization(make.user())
    make.listing(suspended, **plain("Malting barley of a suspended co-op"))
    with app.app_context():
        db.session.get(Listing, paused.id).status = "paused"
        db.session.get(Organization, suspended.id).is_active = False
        db.session.commit()
    search.sync()
    return organization, public


def test_the_reindex_command_swaps_in_a_new_index_holding_every_public_listing(app, client, search, catalogue):
    _organization, public = catalogue
    engine = search.engine
    # Let the old index drift from the database: one listing lost, one document that should not be there.
    with app.app_context():
        ghost = {**listing_document(db.session.get(Listing, public[1])), "listing_id": 990001, "title": "Malting barley ghost"}
    engine.bulk("listings", [(public[0], 10**6, None), (990001, 1, ghost)])
    old_indices = engine.indices_behind("listings")
    assert find(client, q="barley")["total"] == 12

    result = app.test_cli_runner().invoke(args=["search", "reindex"])

    assert result.exit_code == 0, result.output
    assert "listings: 12 documents into" in result.output
    new_indices = engine.indices_behind("listings")
    assert len(new_indices) == 1 and new_indices != old_indices
    assert not engine.client.indices.exists(index=old_indices[0])
    assert engine.count("listings") == 12
    assert sorted(found_ids(client, q="barley")) == sorted(public)
    assert "organizations: 1 documents into" in result.output  # the suspended organisation is not suggested


def test_the_reindex_command_rebuilds_only_the_kinds_it_is_given(app, client, search, catalogue):
    organization, _public = catalogue
    engine = search.engine
    engine.bulk("organizations", [(organization.id, 10**6, None)])  # the index lost the organisation
    listings_before = engine.indices_behind("listings")

    result = app.test_cli_runner().invoke(args=["search", "reindex", "organizations"])

    assert result.exit_code == 0, result.output
    assert engine.indices_behind("listings") == listings_before
    assert [entry["id"] for entry in suggestions(client, organization.name[:6])
            if entry["kind"] == "organization"] == [organization.id]


def test_changes_made_during_a_reindex_reach_the_new_index(app, client, search, catalogue):
    organization, public = catalogue
    made_meanwhile = {}

    def change_things_between_batches(_count):
        if made_meanwhile:
            return
        listing = db.session.get(Listing, public[1])
        listing.title = "Malting barley, renamed meanwhile"
        db.session.get(Listing, public[2]).status = "paused"
        owner = db.session.get(Organization, organization.id)
        made_meanwhile["new"] = create_listing(owner, plain("Malting barley, new lot", status="active")).id
        db.session.commit()

    with app.app_context():
        (_index, totals), count = reindex("listings", progress=change_things_between_batches)
    assert (count, totals["indexed"]) == (12, 12)
    wanted = sorted(set(public) - {public[2]} | {made_meanwhile["new"]})
    assert sorted(found_ids(client, q="barley")) == wanted
    assert found_ids(client, q="renamed meanwhile") == [public[1]]


def test_the_reindex_command_refuses_a_kind_it_does_not_know_and_leaves_the_index_alone(app, search, catalogue):
    before = search.engine.indices_behind("listings")
    result = app.test_cli_runner().invoke(args=["search", "reindex", "bids"])
    assert result.exit_code == 2
    assert "Invalid value" in result.output
    assert search.engine.indices_behind("listings") == before


def test_queries_running_during_reindexes_never_fail_and_always_see_every_listing(app, make, search):
    organization = make.organization(make.user())
    ids = _many_listings(app, organization.id, 150, "Malting barley, lot")
    search.sync()
    engine = search.engine  # the thread uses the engine only: the database session is not thread-safe
    answers, failures, stop = [], [], threading.Event()

    def query_in_a_loop():
        while not stop.is_set():
            started = time.monotonic()
            try:
                total = engine.search_listings(ListingQuery(text="malting barley", per_page=5))["total"]
                suggestions = engine.suggest("malting")
                answers.append((started, total, len(suggestions)))
            except Exception as error:  # noqa: BLE001 - every failure is recorded and reported
                failures.append(repr(error))

    thread = threading.Thread(target=query_in_a_loop, daemon=True)
    thread.start()
    windows = []
    try:
        deadline = time.monotonic() + 10
        while not answers and time.monotonic() < deadline:
            time.sleep(0.01)
        for _round in range(3):
            began = time.monotonic()
            with app.app_context():
                (_index, totals), count = reindex("listings")
            windows.append((began, time.monotonic()))
            assert (count, totals["indexed"], totals["rejected"]) == (150, 150, 0)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert failures == []
    during = [answer for answer in answers if any(start <= answer[0] <= end for start, end in windows)]
    assert len(during) >= 10, f"only {len(during)} queries ran during the reindexes"
    assert {total for _started, total, _suggested in answers} == {150}
    assert all(suggested > 0 for _started, _total, suggested in answers)
    assert engine.count("listings") == 150
    assert len(engine.indices_behind("listings")) == 1
    pages = [find(app.test_client(), q="barley", per_page=100, page=page)["items"] for page in (1, 2)]
    assert sorted(item["id"] for items in pages for item in items) == sorted(ids)


@pytest.mark.parametrize("first_use", ["search", "suggest", "write"])
def test_an_index_deleted_behind_the_apps_back_comes_back_with_its_mapping(app, client, make, search, first_use):
    organization = make.organization(make.user())
    old = make.listing(organization, **plain("Malting barley"))
    search.sync()
    engine = search.engine
    engine.client.indices.delete(index=f"{engine.alias('listings')}-*")
    if first_use == "search":
        assert find(client, q="barley")["total"] == 0  # an empty index again, not an error
    elif first_use == "suggest":
        assert suggestions(client, "malt") == []
    new = make.listing(organization, **plain("Malting barley, new crop"))
    search.sync()
    assert found_ids(client, q="barley") == [new.id]
    index, = engine.indices_behind("listings")
    assert engine.client.indices.get_mapping(index=index)[index]["mappings"]["dynamic"] == "strict"
    assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    assert sorted(found_ids(client, q="barley")) == sorted([old.id, new.id])
