"""The marketplace with the real engine stopped, and a 3-node cluster losing a node.

These tests stop and start real OpenSearch JVMs with search/node/node.sh. The single node is always started
again (in `finally`), so the tests after them find it; the 3-node cluster is always stopped.
"""
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from search import SearchEngine, SearchUnavailable
from tests.search.helpers import SEARCH_API, SUGGEST_API, found_ids, plain

ROOT = Path(__file__).resolve().parents[2]
NODE_SCRIPT = ROOT / "search" / "node" / "node.sh"
CATCH_UP_DEADLINE = 120  # seconds: the node's restart plus the outbox's backoff (capped at 60 s)


def node(*args, timeout=400):
    """Run search/node/node.sh from the repository root; fail loudly with its output if it fails."""
    completed = subprocess.run([str(NODE_SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert completed.returncode == 0, (
        f"node.sh {' '.join(args)} exited {completed.returncode}\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    return completed.stdout


def wait_until(condition, deadline_seconds, what, interval=0.5):
    """Poll `condition` until it returns a true value (returned) or the deadline passes (the test fails)."""
    deadline = time.monotonic() + deadline_seconds
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except SearchUnavailable as error:  # the engine is still coming back
            last_error = error
        time.sleep(interval)
    pytest.fail(f"{what} did not happen within {deadline_seconds} s (last engine error: {last_error})")


def test_with_the_engine_stopped_the_marketplace_keeps_working_and_catches_up_after(client, make, search, auth):
    admin = make.user()
    organization = make.organization(admin, name="Moorland Bees")
    token = make.token(admin)
    make.listing(organization, **plain("Wildflower honey", cpv_code="15831600"))
    search.sync()
    try:
        node("stop")
        assert not search.engine.ping()

        created = client.post("/api/v1/listings", headers=auth(token), json={
            "organization_id": organization.id, "title": "Heather honey from the moors", "cpv_code": "15831600",
            "price": {"amount": "7.20", "currency": "GBP"}, "status": "active"})
        assert created.status_code == 201, created.get_data(as_text=True)
        heather = created.get_json()["id"]
        waiting, = search.outbox()
        assert (waiting.doc_id, waiting.attempts, waiting.parked_at) == (heather, 1, None)
        assert "ConnectionError" in waiting.error

        listing_page = client.get(f"/listings/{heather}")
        assert listing_page.status_code == 200 and "Heather honey from the moors" in listing_page.get_data(as_text=True)
        browse = client.get("/listings", query_string={"division": "15"})
        assert browse.status_code == 200 and "Heather honey from the moors" in browse.get_data(as_text=True)
        assert client.get("/").status_code == 200

        for url, params in ((SEARCH_API, {"q": "honey"}), (SUGGEST_API, {"q": "hea"})):
            answer = client.get(url, query_string=params)
            assert answer.status_code == 503, answer.get_data(as_text=True)[:500]
            assert answer.get_json()["error"]["code"] == "unavailable"
            assert "temporarily unavailable" in answer.get_json()["error"]["message"]

        page = client.get("/search", query_string={"q": "honey"})
        html = page.get_data(as_text=True)
        assert page.status_code == 503
        assert "Search is temporarily unavailable." in html
        assert "You can still browse offers by category." in html
        assert 'href="/listings?division=15"' in html
        assert "Heather honey from the moors" in html

        # A worker polling now neither fails nor loses the change.
        result = search.sync()
        assert result.written == 0
        assert [row.doc_id for row in search.outbox()] == [heather]
    finally:
        node("start")

    def worker_poll_delivered():
        search.sync()  # what `flask search sync --watch` does on each poll
        return found_ids(client, q="heather") == [heather]

    wait_until(worker_poll_delivered, CATCH_UP_DEADLINE, "the outbox catching up after the engine came back")
    assert search.outbox() == []
    assert sorted(item["text"] for item in client.get(SUGGEST_API, query_string={"q": "heather"}).get_json()["suggestions"]
                  if item["kind"] == "listing") == ["Heather honey from the moors"]


def test_after_the_engine_is_back_the_next_write_request_delivers_the_backlog(client, make, search, auth):
    """Development and tests drain after each request: a later write carries the waiting change along once it is due."""
    admin = make.user()
    organization = make.organization(admin)
    token = make.token(admin)
    beeswax = make.listing(organization, **plain("Beeswax blocks"))
    search.sync()
    try:
        node("stop")
        waiting = client.post("/api/v1/listings", headers=auth(token), json={
            "organization_id": organization.id, "title": "Heather honey", "cpv_code": "15831600", "status": "active"})
        assert waiting.status_code == 201
    finally:
        node("start")
    edits = iter(range(1, 1000))

    def a_later_write_carried_the_backlog():
        edited = client.patch(f"/api/v1/listings/{beeswax.id}", headers=auth(token), json={"unit": f"block {next(edits)}"})
        assert edited.status_code == 200
        return found_ids(client, q="heather") == [waiting.get_json()["id"]]

    wait_until(a_later_write_carried_the_backlog, CATCH_UP_DEADLINE, "a later write delivering the waiting listing", interval=1)
    assert search.outbox() == []


def _cluster_document(number):
    return {"listing_id": number, "title": f"Rapeseed oil, lot {number}",
            "organization": {"id": number % 7, "name": "Oilseed Growers", "is_cooperative": True, "verified": True},
            "created_at": "2026-01-01T00:00:00+00:00"}


def _green(engine, index):
    health = engine.client.cluster.health(index=index)
    return health if health["status"] == "green" else None


def test_an_index_with_one_replica_loses_no_document_when_a_node_dies():
    documents = 500
    prefix = f"coopex-test3-{uuid.uuid4().hex[:8]}"

    def engine_on(port):
        return SearchEngine.from_config({"SEARCH_URL": f"http://127.0.0.1:{port}", "SEARCH_INDEX_PREFIX": prefix,
                                         "SEARCH_REPLICAS": 1, "SEARCH_REFRESH": True, "SEARCH_TIMEOUT": 30})

    engine = survivor = None
    node("start", "--nodes", "3")
    try:
        engine = engine_on(9300)
        engine.ensure_index("listings")
        index, = engine.indices_behind("listings")
        health = wait_until(lambda: _green(engine, index), 60, "both copies of the new index being allocated")
        assert health["number_of_nodes"] == 3, health
        for start in range(0, documents, 100):
            outcome = engine.bulk("listings", [(n, 1, _cluster_document(n)) for n in range(start, start + 100)])
            assert len(outcome.done) == 100 and not (outcome.rejected or outcome.retry or outcome.stale)
        assert engine.count("listings") == documents

        copies = {shard["prirep"]: shard["node"] for shard in engine.client.cat.shards(index=index, format="json")}
        assert set(copies) == {"p", "r"} and copies["p"] != copies["r"], copies
        victim = int(copies["p"].removeprefix("node-"))  # lose the node that holds the primary copy
        node("kill-one", str(victim))
        survivor = engine_on(9300 + int(copies["r"].removeprefix("node-")) - 1)

        def all_documents_answer():
            hits = survivor.search("listings", {"size": documents + 10, "query": {"match_all": {}}, "_source": ["listing_id"]})
            return sorted(hit["_source"]["listing_id"] for hit in hits["hits"]["hits"])

        assert wait_until(all_documents_answer, 90, "a search through a surviving node") == list(range(documents))
        assert survivor.count("listings") == documents
        late = survivor.bulk("listings", [(documents, 1, _cluster_document(documents))])
        assert late.done == [str(documents)]  # the replica was promoted: the index still takes writes
    finally:
        try:
            if survivor or engine:
                (survivor or engine).drop("listings")  # data outlives the cluster: leave nothing behind
        finally:
            node("stop", "--nodes", "3")
