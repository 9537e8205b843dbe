"""opensearch-py's connection to one node: a kept-alive socket per thread, answers read by httptools.

opensearch-py's transport stays in charge of everything above one HTTP exchange: which node to ask, passing over a
lost one, serialising bodies, turning error answers into exceptions. Below it, its own urllib3 connection was replaced
because, measured in the same process on the same searches (README, bench/search.py), urllib3's per-request work (a
retry policy, the URL parsed and re-encoded, its response wrapper) cost 0.17–0.55 ms of a search answered in about
10 ms. The standard library's http.client, used next, still cost 0.31–0.46 ms more per search than reading the answer
straight from the socket (paired over 600 searches of the bench's mix, 5 ms apart): it reads the status and each
header line by line through a buffered file and hands the headers to the e-mail parser. The answer is now parsed by
httptools (the bindings of llhttp, Node.js's HTTP parser, that uvicorn uses), 0.03–0.09 ms from the bare socket; the
request, a few header lines we write, goes out in one write. What a client library adds that matters here is kept:
- one connection kept alive per thread, checked before it is reused (a node that restarted closed it) and replaced
  after any failure or when the node says it will close it;
- a new connection in a forked process (gunicorn forks workers from a loaded app);
- TLS verified against SEARCH_CA_CERTS (or the authorities opensearch-py trusts by default), basic auth;
- the connect and read timeouts of each request (a search's short one, a bulk write's long one);
- answers framed by Content-Length or chunked, the body of an answer to HEAD not waited for.
"""
import base64
import os
import re
import select
import socket
import ssl
import threading
import time
import weakref
from urllib.parse import urlencode

import httptools
from opensearchpy import Connection
from opensearchpy.exceptions import ConnectionError as EngineConnectionError
from opensearchpy.exceptions import ConnectionTimeout, SSLError

#: Connections whose kept-alive sockets a forked child must not use (they belong to its parent).
_LIVE = weakref.WeakSet()

#: What may not appear in a request line's path (http.client refuses the same) or in a header's value.
_UNSAFE_PATH = re.compile(r"[\x00-\x20\x7f]")
_UNSAFE_VALUE = re.compile(r"[\x00\r\n]")

#: Bodies up to this size go out in the same write as the request's head; bigger ones (bulk writes) are not copied.
_ONE_WRITE = 64 * 1024


def _forget_parents_sockets():
    for connection in list(_LIVE):
        connection.forget_sockets()


os.register_at_fork(after_in_child=_forget_parents_sockets)


class KeptAliveConnection(Connection):
    """One node, one kept-alive HTTP/1.1 connection per thread."""

    def __init__(self, host="localhost", port=None, http_auth=None, use_ssl=False, verify_certs=True, ca_certs=None,
                 metrics=None, **kwargs):
        super().__init__(host=host, port=port, use_ssl=use_ssl, **kwargs)
        if http_auth is not None:
            user_password = ":".join(http_auth) if isinstance(http_auth, (tuple, list)) else str(http_auth)
            self.headers["authorization"] = "Basic " + base64.b64encode(user_password.encode()).decode()
        _refuse_line_breaks(self.headers)
        self._host_header = f"[{self.hostname}]:{self.port}" if ":" in self.hostname else f"{self.hostname}:{self.port}"
        self._tls = None
        if self.use_ssl:
            # Without SEARCH_CA_CERTS, the authorities opensearch-py's own connection trusts (certifi's, if installed).
            self._tls = ssl.create_default_context(cafile=ca_certs or self.default_ca_certs())
            self._tls.sslsocket_class = _TLSSocket
            if not verify_certs:
                self._tls.check_hostname = False
                self._tls.verify_mode = ssl.CERT_NONE
        self._local = threading.local()
        _LIVE.add(self)

    def forget_sockets(self):
        self._local = threading.local()

    def perform_request(self, method, url, params=None, body=None, timeout=None, ignore=(), headers=None):
        path = self.url_prefix + url + (f"?{urlencode(params)}" if params else "")
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        timeout = timeout or self.timeout
        started = time.time()
        head_only = method == "HEAD"
        try:
            request = self._request(method, path, body, headers)
            connection, reused = self._connection(timeout)
        except Exception as error:  # noqa: BLE001 - a node that cannot be reached, however: the next one is tried
            raise self._failed(method, path, body, started, error, EngineConnectionError) from error
        try:
            try:
                answer = self._exchange(connection, request, head_only)
            except (ConnectionResetError, BrokenPipeError):
                if not reused:
                    raise
                # The node let the kept-alive connection go as the request went out (an idle connection it closed, a
                # restart): once more on a new connection, as the transport sends a request that lost its connection
                # to the next node (searches read; bulk writes carry versions, so a second delivery changes nothing).
                connection, _reused = self._connection(timeout)
                answer = self._exchange(connection, request, head_only)
        except Exception as error:  # noqa: BLE001 - a node too slow to answer is not asked again (no retry on timeout)
            raise self._failed(method, path, body, started, error, ConnectionTimeout) from error
        duration = time.time() - started
        raw = answer.body()
        self._raise_warnings(answer.warnings)
        if not 200 <= answer.status < 300 and answer.status not in ignore:
            self.log_request_fail(method, self.host + path, path, body, duration, answer.status, raw)
            self._raise_error(answer.status, raw, answer.headers.get("content-type"))
        self.log_request_success(method, self.host + path, path, body, answer.status, raw, duration)
        return answer.status, answer.headers, raw

    def _request(self, method, path, body, headers):
        """The request as the writes that send it: its head (the request line, Host, the connection's headers and this
        request's, the body's length) with the body when it is small, or the head and then the body."""
        if _UNSAFE_PATH.search(path):
            raise ValueError(f"the path {path!r} holds a space or a control character")
        named = self.headers
        if headers:
            named = {**named, **_refuse_line_breaks({name.lower(): value for name, value in headers.items()})}
        lines = [f"{method} {path} HTTP/1.1", f"host: {self._host_header}", *(f"{n}: {v}" for n, v in named.items())]
        if body is not None or method in ("POST", "PUT"):
            lines.append(f"content-length: {len(body or b'')}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if not body:
            return (head,)
        return (head + body,) if len(body) <= _ONE_WRITE else (head, body)

    def _failed(self, method, path, body, started, error, on_timeout):
        """The transport's exception for a failed exchange: SSLError, `on_timeout` for a timeout, else ConnectionError
        (all of them the transport's ConnectionError family, which passes over the node)."""
        self.log_request_fail(method, self.host + path, path, body, time.time() - started, exception=error)
        if isinstance(error, ssl.SSLError):
            return SSLError("N/A", str(error), error)
        if isinstance(error, TimeoutError):
            return on_timeout("TIMEOUT", str(error), error)
        return EngineConnectionError("N/A", str(error), error)

    def _exchange(self, connection, request, head_only):
        """One request and its whole answer; the connection is dropped after a failure or when the node closes it."""
        try:
            for piece in request:
                connection.sendall(piece)
            answer = _read_answer(connection, head_only)
        except BaseException:
            self._drop()
            raise
        if not answer.keep_alive:
            self._drop()
        return answer

    def _connection(self, timeout):
        connection = getattr(self._local, "connection", None)
        if connection is not None and _closed_by_peer(connection):
            self._drop()
            connection = None
        if connection is None:
            # Connecting waits at most the request's timeout; a node that does not answer in that time is passed over.
            connection = _open(self.hostname, self.port, timeout, self._tls)
            self._local.connection = connection
            return connection, False
        connection.settimeout(timeout)
        return connection, True

    def _drop(self):
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def close(self):
        """The calling thread's connection (others close with their threads)."""
        self._drop()


def _refuse_line_breaks(headers):
    for name, value in headers.items():
        if _UNSAFE_VALUE.search(name + value):
            raise ValueError(f"the search engine's {name} header may not hold a line break")
    return headers


class _Socket(socket.socket):
    """Closed when forgotten (a thread that ends, a client no longer used), without the warning an unclosed socket
    gives: whatever order the garbage collector finalises a dropped client's objects in."""

    def __del__(self):
        self.close()


class _TLSSocket(ssl.SSLSocket):
    __del__ = _Socket.__del__


def _open(hostname, port, timeout, tls):
    plain = socket.create_connection((hostname, port), timeout=timeout)
    sock = _Socket(fileno=plain.detach())
    try:
        sock.settimeout(timeout)  # a socket made from a descriptor has the default timeout, not the descriptor's
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock if tls is None else tls.wrap_socket(sock, server_hostname=hostname)
    except BaseException:
        sock.close()
        raise


def _read_answer(sock, head_only):
    """The answer to the request just sent, read until its end (for HEAD, the end of its headers)."""
    answer = _Answer(head_only)
    parser = answer.parser = httptools.HttpResponseParser(answer)
    received = False
    try:
        while not answer.complete:
            data = sock.recv(65536)
            if not data:
                if not received:
                    # What http.client calls RemoteDisconnected: a kept-alive connection the node had let go.
                    raise ConnectionResetError("the search node closed the connection without answering")
                raise ConnectionError("the search node closed the connection in the middle of its answer")
            received = True
            parser.feed_data(data)
    finally:
        answer.parser = None  # no cycle left for the garbage collector
    answer.keep_alive = answer.keep_alive and answer.messages == 1
    return answer


class _Answer:
    """One answer, as httptools' parser reads it (these are its callbacks)."""

    __slots__ = ("parser", "head_only", "complete", "messages", "status", "keep_alive", "headers", "warnings", "chunks")

    def __init__(self, head_only):
        self.head_only = head_only
        self.complete = self.keep_alive = False
        self.messages = 0
        self.headers = {}
        self.warnings = []
        self.chunks = []

    def on_message_begin(self):
        # Bytes after the end of the answer (the node is out of step) are not read as part of it, and the connection
        # is not reused.
        self.messages += 1

    def on_header(self, name, value):
        if self.messages > 1:
            return
        name, value = name.decode("latin-1").lower(), value.decode("latin-1")
        if name == "warning":
            self.warnings.append(value)
        self.headers.setdefault(name, value)

    def on_headers_complete(self):
        if self.messages > 1:
            return
        # Read here: once the answer is complete, the parser is ready for the next one and has forgotten them.
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()
        if self.head_only:
            self.complete = True

    def on_body(self, chunk):
        if self.messages == 1:
            self.chunks.append(chunk)

    def on_message_complete(self):
        self.complete = True

    def body(self):
        return b"".join(self.chunks).decode("utf-8", "surrogatepass")


def _closed_by_peer(sock):
    """An idle kept-alive socket that has something to read has been closed by the node (or is out of step): either
    way, not to be reused."""
    if sock is None:
        return True
    readable = select.poll()  # not select.select: a worker may hold more than 1,024 descriptors
    readable.register(sock, select.POLLIN)
    return bool(readable.poll(0))
