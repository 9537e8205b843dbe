"""The transactional outbox: written with the change, collapsed, versioned, parked when the engine refuses a document."""
import pytest
from sqlalchemy import func, select, text

from app.catalog.models import Listing
from app.catalog.services import create_listing, update_listing
from app.extensions import db
from app.indexing.documents import listing_document
from app.indexing.models import SearchOutbox
from app.orgs.models import Organization
from tests.search.helpers import found_ids, plain


@pytest.fixture
def seller(make):
    """An organisation without members: the counts of these tests are its listings' alone (a selling member would get
    default alerts, whose percolator documents the same sync writes)."""
    return make.organization()


def _rows_in_database(listing_id):
    """Outbox rows as the database itself holds them right now (not the session's view)."""
    statement = text("SELECT count(*) FROM search_outbox WHERE kind = 'listings' AND doc_id = :id")
    return db.session.execute(statement, {"id": listing_id}).scalar()


def _stored(search, listing_id):
    answer = search.engine.client.get(index=search.engine.alias("listings"), id=str(listing_id))
    return answer["_version"], answer["_source"]


def test_a_new_listing_has_its_outbox_row_as_soon_as_it_is_flushed(app, search, seller):
    with app.app_context():
        listing = create_listing(db.session.get(Organization, seller.id), plain("Rye flour"))  # flushes, no commit
        assert _rows_in_database(listing.id) == 1
        listing_id = listing.id
        db.session.rollback()
        assert db.session.get(Listing, listing_id) is None
        assert _rows_in_database(listing_id) == 0


def test_an_edit_that_is_only_flushed_has_its_row_and_a_rollback_takes_it_away(app, make, search, seller):
    rye = make.listing(seller, **plain("Rye flour"))
    search.sync()
    with app.app_context():
        listing = db.session.get(Listing, rye.id)
        version = listing.search_version
        update_listing(listing, {"title": "Stoneground rye flour"})
        assert _rows_in_database(rye.id) == 1
        assert db.session.scalar(select(Listing.search_version).where(Listing.id == rye.id)) == version + 1
        db.session.rollback()
        assert _rows_in_database(rye.id) == 0
        assert db.session.get(Listing, rye.id).title == "Rye flour"


def test_saving_a_listing_unchanged_writes_no_row(app, make, search, seller):
    rye = make.listing(seller, **plain("Rye flour"))
    search.sync()
    with app.app_context():
        listing = db.session.get(Listing, rye.id)
        listing.title = "Rye flour"
        db.session.commit()
    assert search.outbox() == []


def test_a_change_made_through_the_api_is_delivered_before_the_answer(client, make, search, seller, auth):
    admin = make.member(seller, "seller")
    rye = make.listing(seller, **plain("Rye flour"))
    search.sync()
    response = client.patch(f"/api/v1/listings/{rye.id}", headers=auth(make.token(admin)), json={"title": "Spelt flour"})
    assert response.status_code == 200
    assert search.outbox() == []
    assert found_ids(client, q="spelt") == [rye.id]
    assert found_ids(client, q="rye") == []


def test_repeated_changes_are_collapsed_into_one_write_of_the_latest_state(app, make, search, seller):
    search.sync()  # the new organisation's own document
    rye = make.listing(seller, **plain("Rye flour"))
    for title in ("Rye flour, light", "Rye flour, dark", "Rye flour, wholemeal"):
        with app.app_context():
            db.session.get(Listing, rye.id).title = title
            db.session.commit()
    assert [row.doc_id for row in search.outbox()] == [rye.id] * 4
    result = search.sync()
    # Four rows, one write; the write queues two tasks, run in the same drain: its percolation for the alerts, and
    # its organisation's default alerts.
    assert (result.rows, result.written, result.stale, result.parked, result.ran) == (6, 1, 0, 0, 2)
    assert search.outbox() == []
    with app.app_context():
        version = db.session.get(Listing, rye.id).search_version
    assert _stored(search, rye.id) == (version, _stored(search, rye.id)[1])
    assert _stored(search, rye.id)[1]["title"] == "Rye flour, wholemeal"


def test_an_older_version_never_overwrites_a_newer_one(search):
    engine = search.engine
    newer = {"listing_id": 990001, "title": "Version five"}
    older = {"listing_id": 990001, "title": "Version three"}
    assert engine.bulk("listings", [(990001, 5, newer)]).done == ["990001"]
    outcome = engine.bulk("listings", [(990001, 3, older)])
    assert (outcome.done, outcome.stale, outcome.rejected) == ([], ["990001"], {})
    assert _stored(search, 990001) == (5, newer)
    assert engine.bulk("listings", [(990001, 4, None)]).stale == ["990001"]  # nor an older delete
    assert _stored(search, 990001) == (5, newer)
    assert engine.bulk("listings", [(990001, 6, None)]).done == ["990001"]
    assert engine.get_version("listings", 990001) is None


def test_a_stale_outbox_row_is_reported_and_leaves_the_newer_document(app, make, search, seller):
    rye = make.listing(seller, **plain("Rye flour"))
    search.sync()
    with app.app_context():
        listing = db.session.get(Listing, rye.id)
        newer = {**listing_document(listing), "title": "Written by a faster worker"}
        version = listing.search_version
    assert search.engine.bulk("listings", [(rye.id, version + 10, newer)]).done == [str(rye.id)]
    with app.app_context():
        db.session.get(Listing, rye.id).title = "Rye flour, older change"
        db.session.commit()
    result = search.sync()
    assert (result.written, result.stale) == (0, 1)
    assert search.outbox() == []
    assert _stored(search, rye.id) == (version + 10, newer)


def test_the_engine_rejects_a_document_that_breaks_the_strict_mapping(search):
    outcome = search.engine.bulk("listings", [(990002, 1, {"listing_id": 990002, "colour": "red"}),
                                              (990003, 1, {"listing_id": 990003, "title": "Fine"})])
    assert outcome.done == ["990003"]
    assert list(outcome.rejected) == ["990002"]
    assert "strict_dynamic_mapping_exception" in outcome.rejected["990002"]


def test_a_document_the_engine_refuses_is_parked_with_its_reason_and_never_retried(app, make, search, seller):
    search.sync()  # the new organisation's own document
    # A keyword longer than Lucene's 32 766-byte term limit: the engine refuses the whole document.
    refused = make.listing(seller, **plain("Rye flour", certifications=["x" * 40_000]))
    fine = make.listing(seller, **plain("Spelt flour"))
    result = search.sync()
    assert (result.written, result.parked) == (1, 1)
    parked, = search.outbox()
    assert parked.doc_id == refused.id
    assert parked.parked_at is not None
    assert "immense term" in parked.error
    assert found_ids(make.app.test_client(), q="spelt") == [fine.id]
    again = search.sync()
    assert (again.rows, again.written, again.parked) == (0, 0, 0)
    with app.app_context():
        assert db.session.scalar(select(func.count(SearchOutbox.id)).where(SearchOutbox.parked_at.is_not(None))) == 1


def test_a_parked_row_does_not_hold_back_later_changes(app, make, search, seller):
    refused = make.listing(seller, **plain("Rye flour", certifications=["x" * 40_000]))
    search.sync()
    later = [make.listing(seller, **plain(f"Spelt flour, lot {n}")).id for n in range(3)]
    result = search.sync()
    # Their three percolations, and their organisation's default alerts.
    assert (result.rows, result.written, result.parked, result.ran) == (7, 3, 0, 4)
    assert sorted(found_ids(make.app.test_client(), q="spelt")) == sorted(later)
    assert [row.doc_id for row in search.outbox()] == [refused.id]


def test_fixing_a_parked_document_delivers_it_and_clears_the_parked_row(app, make, search, seller):
    refused = make.listing(seller, **plain("Rye flour", certifications=["x" * 40_000]))
    search.sync()
    with app.app_context():
        db.session.get(Listing, refused.id).certifications = ["Organic"]
        db.session.commit()
    result = search.sync()
    assert result.written == 1
    assert found_ids(make.app.test_client(), q="rye") == [refused.id]
    assert search.outbox() == []


def test_a_write_after_the_index_was_removed_behind_the_apps_back_makes_it_again(app, search, seller):
    engine = search.engine
    engine.client.indices.delete(index=f"{engine.alias('listings')}-*")  # an operator, or another environment's reset

    outcome = engine.bulk("listings", [(7, 1, {"listing_id": 7, "title": "Rebuilt index"})])

    assert outcome.done == ["7"]
    assert engine.indices_behind("listings"), "the alias points at a new index"
    engine.refresh_now("listings")
    assert engine.count("listings") == 1
