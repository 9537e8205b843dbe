"""A slow engine: searches give up quickly (the page degrades), bulk writes of the sync worker wait.

A node that is merging segments or still compiling its hot paths can take seconds over a bulk request of
thousands of documents; giving up after the search timeout would send the same documents again and again.
"""
import http.server
import threading
import time

import pytest
import requests

from search import SearchEngine, SearchUnavailable
from search.client import build_client

DELAY = 1.0


class _SlowProxy(http.server.BaseHTTPRequestHandler):
    """Forwards every request to the real node, answering DELAY seconds late."""

    upstream = None

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {name: value for name, value in self.headers.items() if name.lower() in ("content-type",)}
        answer = requests.request(self.command, self.upstream + self.path, data=body, headers=headers, timeout=30)
        time.sleep(DELAY)
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_engine(app, search):
    handler = type("Handler", (_SlowProxy,), {"upstream": app.config["SEARCH_URL"].rstrip("/")})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = {"SEARCH_URL": f"http://127.0.0.1:{server.server_port}", "SEARCH_TIMEOUT": DELAY / 4}
    try:
        yield SearchEngine(build_client(config), prefix=app.config["SEARCH_INDEX_PREFIX"], refresh=True,
                           bulk_timeout=DELAY * 10)
    finally:
        server.shutdown()
        server.server_close()


def test_a_slow_engine_times_out_a_search_but_not_a_bulk_write(slow_engine, search):
    slow_engine._ready.add("listings")  # the fixture made the index; skip the (slow) alias check of reads
    outcome = slow_engine.bulk("listings", [(1, 1, None), (2, 1, None)])

    assert sorted(outcome.done) == ["1", "2"] and not outcome.retry
    with pytest.raises(SearchUnavailable, match="ConnectionTimeout"):
        slow_engine.search("listings", {"query": {"match_all": {}}})


def test_the_bulk_timeout_comes_from_configuration(app):
    assert app.extensions["search"].bulk_timeout == app.config["SEARCH_BULK_TIMEOUT"] == 60
