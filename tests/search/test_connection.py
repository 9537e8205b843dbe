"""search.connection: one kept-alive connection per thread to each node, replaced when the node closed it, never shared
with a forked process; TLS verified against SEARCH_CA_CERTS; basic auth. Against the real node, through a small
forwarding server where the test needs one the node cannot be made to be (one that closes every connection, TLS)."""
import http.server
import multiprocessing
import socket
import ssl
import threading

import pytest
import requests
import trustme
from opensearchpy.exceptions import ConnectionError as EngineConnectionError
from opensearchpy.exceptions import NotFoundError

from search import SearchEngine, SearchUnavailable
from search.client import build_client
from search.connection import KeptAliveConnection


def _engine(app, url, **config):
    return SearchEngine(build_client({"SEARCH_URL": url, "SEARCH_TIMEOUT": 5, **config}),
                        prefix=app.config["SEARCH_INDEX_PREFIX"], refresh=True)


def _socket_of(engine):
    """The local address of the calling thread's connection to the (one) node."""
    return engine.client.transport.connection_pool.connection._local.connection.getsockname()


def test_one_connection_serves_many_requests(app, search):
    engine = _engine(app, app.config["SEARCH_URL"])
    engine.count("listings")
    first = _socket_of(engine)
    for _ in range(20):
        engine.search("listings", {"query": {"match_all": {}}})
        assert _socket_of(engine) == first


class _Forwarder(http.server.BaseHTTPRequestHandler):
    """Forwards each request to the real node over HTTP/1.1; `close_after_answer` hangs up after every answer without
    saying so first (as a node that restarts between two requests)."""

    protocol_version = "HTTP/1.1"
    upstream = None
    close_after_answer = False
    seen_authorization = []

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        self.seen_authorization.append(self.headers.get("Authorization"))
        answer = requests.request(self.command, self.upstream + self.path, data=body, timeout=30,
                                  headers={"Content-Type": self.headers.get("Content-Type", "application/json")})
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)
        self.wfile.flush()
        if self.close_after_answer:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client hanging up on a connection the server also closes is what these tests do: not worth a traceback."""


@pytest.fixture
def forwarder(app):
    servers = []

    def start(tls=None, **options):
        handler = type("Handler", (_Forwarder,), {"upstream": app.config["SEARCH_URL"].rstrip("/"),
                                                  "seen_authorization": [], **options})
        server = _QuietServer(("127.0.0.1", 0), handler)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server, handler

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_connection_the_node_closed_is_replaced_before_the_next_request(app, search, forwarder):
    server, _handler = forwarder(close_after_answer=True)
    engine = _engine(app, f"http://127.0.0.1:{server.server_port}")
    engine.ensure_index("listings")
    for _ in range(10):
        assert engine.search("listings", {"query": {"match_all": {}}})["hits"]["total"]["value"] == 0


def _child_search(engine, answers):
    """In a forked process: the socket it searches over (a new one) and the answer."""
    found = engine.search("listings", {"query": {"match_all": {}}})["hits"]["total"]["value"]
    answers.put((_socket_of(engine), found))


def test_a_forked_process_opens_its_own_connection(app, search):
    """gunicorn forks workers from a loaded app: two processes reading answers from one socket would mix them up."""
    engine = _engine(app, app.config["SEARCH_URL"])
    engine.search("listings", {"query": {"match_all": {}}})
    parents = _socket_of(engine)
    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    child = context.Process(target=_child_search, args=(engine, answers))
    child.start()
    childs, found = answers.get(timeout=30)
    child.join(timeout=30)
    assert child.exitcode == 0 and found == 0 and childs != parents
    assert engine.search("listings", {"query": {"match_all": {}}})["hits"]["total"]["value"] == 0


@pytest.fixture(scope="module")
def certificate_authority():
    return trustme.CA()


def _tls_server_context(authority):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


def test_tls_is_verified_against_search_ca_certs_and_basic_auth_is_sent(app, search, forwarder,
                                                                          certificate_authority, tmp_path):
    server, handler = forwarder(tls=_tls_server_context(certificate_authority))
    authority_file = tmp_path / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(authority_file))
    engine = _engine(app, f"https://127.0.0.1:{server.server_port}", SEARCH_CA_CERTS=str(authority_file),
                     SEARCH_USER="coopex", SEARCH_PASSWORD="s3cret:with colon")
    engine.ensure_index("listings")

    assert engine.search("listings", {"query": {"match_all": {}}})["hits"]["total"]["value"] == 0
    assert set(handler.seen_authorization) == {"Basic Y29vcGV4OnMzY3JldDp3aXRoIGNvbG9u"}  # coopex:s3cret:with colon


def test_a_node_whose_certificate_another_authority_signed_is_refused(app, search, forwarder, certificate_authority,
                                                                       tmp_path):
    server, handler = forwarder(tls=_tls_server_context(certificate_authority))
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    engine = _engine(app, f"https://127.0.0.1:{server.server_port}", SEARCH_CA_CERTS=str(stranger))
    engine._ready.add("listings")  # straight to the search: nothing reaches the node

    with pytest.raises(SearchUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
        engine.search("listings", {"query": {"match_all": {}}})
    assert handler.seen_authorization == []


class _ScriptedNode:
    """A socket server that answers each request with the next of the given raw answers, what the real node cannot be
    made to send (a chunked answer, `Connection: close`, an answer cut short); it hangs up after an answer that says
    `connection: close` or is cut short (`CUT`)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests = []
        self.connections = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while self.answers:
            try:
                client, _address = self.server.accept()
            except OSError:
                return  # closed at the end of a test that left answers unsent
            self.connections += 1
            with client:
                while self.answers and (request := client.recv(65536)):
                    self.requests.append(request)
                    answer = self.answers.pop(0)
                    client.sendall(answer.removesuffix(CUT))
                    if answer.endswith(CUT) or b"connection: close" in answer:
                        break

    def close(self):
        self.server.close()


#: Marks an answer the scripted node cuts short: it hangs up after sending what comes before.
CUT = b"<cut>"


@pytest.fixture
def scripted_node():
    nodes = []

    def start(*answers):
        nodes.append(_ScriptedNode(*answers))
        return nodes[-1]

    yield start
    for node in nodes:
        node.close()


def _connection(port):
    return KeptAliveConnection(host="127.0.0.1", port=port, timeout=5)


def test_a_chunked_answer_is_read_whole_and_a_closing_node_gets_a_new_connection(scripted_node):
    chunked = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n"
               b"connection: close\r\n\r\n5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n")
    plain = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 8\r\n\r\n{\"b\": 2}"
    node = scripted_node(chunked, plain)
    connection = _connection(node.port)

    assert connection.perform_request("GET", "/one")[2] == '{"a": 1}'
    assert connection._local.connection is None  # the node said it would close: not kept
    assert connection.perform_request("GET", "/two")[2] == '{"b": 2}'
    assert node.connections == 2
    assert node.requests[0].startswith(b"GET /one HTTP/1.1\r\nhost: 127.0.0.1:")


def test_an_answer_cut_short_fails_the_request_and_the_connection(scripted_node):
    node = scripted_node(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"cut\":" + CUT)
    connection = _connection(node.port)

    with pytest.raises(EngineConnectionError, match="in the middle of its answer"):
        connection.perform_request("GET", "/")
    assert connection._local.connection is None


def test_the_answer_to_head_ends_with_its_headers(scripted_node):
    node = scripted_node(b"HTTP/1.1 200 OK\r\ncontent-length: 557\r\n\r\n",
                         b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
    connection = _connection(node.port)

    assert connection.perform_request("HEAD", "/")[0] == 200
    with pytest.raises(NotFoundError):
        connection.perform_request("HEAD", "/missing")
    assert node.connections == 1


def test_a_line_break_cannot_reach_the_request(scripted_node):
    node = scripted_node(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
    connection = _connection(node.port)

    with pytest.raises(EngineConnectionError, match="space or a control character"):
        connection.perform_request("GET", "/a b")
    with pytest.raises(EngineConnectionError, match="line break"):
        connection.perform_request("GET", "/", headers={"x-opaque-id": "one\r\nx-evil: 1"})
    assert node.requests == []


def test_bytes_after_the_answer_are_not_read_into_it_and_the_connection_is_not_kept(scripted_node):
    first = b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n{\"a\": 1}"
    stray = b"HTTP/1.1 500 Oops\r\ncontent-length: 8\r\n\r\n{\"b\": 2}"
    node = scripted_node(first + stray, b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n{\"c\": 3}")
    connection = _connection(node.port)

    assert connection.perform_request("GET", "/one") == (200, {"content-length": "8"}, '{"a": 1}')
    assert connection._local.connection is None
