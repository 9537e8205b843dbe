"""SEARCH_URL naming a cluster's nodes: a request that cannot reach one node is answered by the next."""
import socket

from search import SearchEngine
from search.client import build_client, search_hosts


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_search_url_names_one_node_or_several():
    assert search_hosts("http://127.0.0.1:9200") == ["http://127.0.0.1:9200"]
    assert search_hosts(" https://a:9200, https://b:9200 ,") == ["https://a:9200", "https://b:9200"]


def test_a_lost_node_is_passed_over_for_the_next(app, search):
    """Node one is down (nothing listens on its port): writes and reads reach the node that answers."""
    lost = f"http://127.0.0.1:{_closed_port()}"
    engine = SearchEngine(build_client({"SEARCH_URL": f"{lost},{app.config['SEARCH_URL']}", "SEARCH_TIMEOUT": 5}),
                          prefix=app.config["SEARCH_INDEX_PREFIX"], refresh=True)
    for _ in range(3):  # whichever node the client tries first
        assert engine.ping()
    outcome = engine.bulk("listings", [(7, 1, {"listing_id": 7, "title": "Olive oil from the cooperative mill"})])
    assert outcome.done == ["7"]
    assert engine.count("listings") == 1
