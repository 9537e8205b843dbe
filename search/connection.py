"""opensearch-py's connection to one node, over the standard library's http.client.

opensearch-py's transport stays in charge of everything above one HTTP exchange: which node to ask, passing over a
lost one, serialising bodies, turning error answers into exceptions. Below it, its own urllib3 connection was replaced
here because, measured in the same process on the same searches (README, bench/search.py), urllib3's per-request
work (a retry policy, the URL parsed and re-encoded, its response wrapper) cost 0.17–0.55 ms of a search answered in
about 10 ms, a fifth of the API's own cost. http.client is the HTTP/1.1 implementation urllib3 itself is built on;
what urllib3 adds that matters here is kept:
- one connection kept alive per thread, checked before it is reused (a node that restarted closed it) and replaced
  after any failure;
- a new connection in a forked process (gunicorn forks workers from a loaded app);
- TLS verified against SEARCH_CA_CERTS (or the authorities opensearch-py trusts by default), basic auth;
- the connect and read timeouts of each request (a search's short one, a bulk write's long one).
"""
import base64
import http.client
import os
import select
import socket
import ssl
import threading
import time
import weakref
from urllib.parse import urlencode

from opensearchpy import Connection
from opensearchpy.exceptions import ConnectionError as EngineConnectionError
from opensearchpy.exceptions import ConnectionTimeout, SSLError

#: Connections whose kept-alive sockets a forked child must not use (they belong to its parent).
_LIVE = weakref.WeakSet()


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
        self._tls = None
        if self.use_ssl:
            # Without SEARCH_CA_CERTS, the authorities opensearch-py's own connection trusts (certifi's, if installed).
            self._tls = ssl.create_default_context(cafile=ca_certs or self.default_ca_certs())
            if not verify_certs:
                self._tls.check_hostname = False
                self._tls.verify_mode = ssl.CERT_NONE
        self._local = threading.local()
        _LIVE.add(self)

    def forget_sockets(self):
        self._local = threading.local()

    def perform_request(self, method, url, params=None, body=None, timeout=None, ignore=(), headers=None):
        path = self.url_prefix + url + (f"?{urlencode(params)}" if params else "")
        request_headers = {**self.headers, **headers} if headers else self.headers
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        timeout = timeout or self.timeout
        started = time.time()
        try:
            connection, reused = self._connection(timeout)
        except Exception as error:  # noqa: BLE001 - a node that cannot be reached, however: the next one is tried
            raise self._failed(method, path, body, started, error, EngineConnectionError) from error
        try:
            try:
                response, raw = self._exchange(connection, method, path, body, request_headers)
            except (ConnectionResetError, BrokenPipeError):
                if not reused:
                    raise
                # The node let the kept-alive connection go as the request went out (an idle connection it closed, a
                # restart): once more on a new connection, as the transport sends a request that lost its connection
                # to the next node (searches read; bulk writes carry versions, so a second delivery changes nothing).
                connection, _reused = self._connection(timeout)
                response, raw = self._exchange(connection, method, path, body, request_headers)
        except Exception as error:  # noqa: BLE001 - a node too slow to answer is not asked again (no retry on timeout)
            raise self._failed(method, path, body, started, error, ConnectionTimeout) from error
        duration = time.time() - started
        self._raise_warnings(response.headers.get_all("warning") or ())
        if not 200 <= response.status < 300 and response.status not in ignore:
            self.log_request_fail(method, self.host + path, path, body, duration, response.status, raw)
            self._raise_error(response.status, raw, response.headers.get("content-type"))
        self.log_request_success(method, self.host + path, path, body, response.status, raw, duration)
        return response.status, response.headers, raw

    def _failed(self, method, path, body, started, error, on_timeout):
        """The transport's exception for a failed exchange: SSLError, `on_timeout` for a timeout, else ConnectionError
        (all of them the transport's ConnectionError family, which passes over the node)."""
        self.log_request_fail(method, self.host + path, path, body, time.time() - started, exception=error)
        if isinstance(error, ssl.SSLError):
            return SSLError("N/A", str(error), error)
        if isinstance(error, TimeoutError):
            return on_timeout("TIMEOUT", str(error), error)
        return EngineConnectionError("N/A", str(error), error)

    def _exchange(self, connection, method, path, body, headers):
        """One request and its whole answer; the connection is dropped after a failure or when the node closes it."""
        try:
            # http.client writes the headers, then the body; joining them in one write measured no faster.
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            raw = response.read().decode("utf-8", "surrogatepass")
        except BaseException:
            self._drop()
            raise
        if response.will_close:
            self._drop()
        return response, raw

    def _connection(self, timeout):
        connection = getattr(self._local, "connection", None)
        if connection is not None and _closed_by_peer(connection.sock):
            self._drop()
            connection = None
        if connection is None:
            # Connecting waits at most the request's timeout; a node that does not answer in that time is passed over.
            if self._tls is not None:
                connection = _HTTPSConnection(self.hostname, self.port, timeout=timeout, context=self._tls)
            else:
                connection = _HTTPConnection(self.hostname, self.port, timeout=timeout)
            connection.connect()
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._local.connection = connection
            return connection, False
        connection.sock.settimeout(timeout)
        return connection, True

    def _drop(self):
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def close(self):
        """The calling thread's connection (others close with their threads)."""
        self._drop()


class _HTTPConnection(http.client.HTTPConnection):
    """Closed when forgotten: a thread that ends, or a client no longer used, leaves no open socket behind."""

    def __del__(self):
        self.close()


class _HTTPSConnection(http.client.HTTPSConnection):
    __del__ = _HTTPConnection.__del__


def _closed_by_peer(sock):
    """An idle kept-alive socket that has something to read has been closed by the node (or is out of step): either
    way, not to be reused."""
    if sock is None:
        return True
    readable = select.poll()  # not select.select: a worker may hold more than 1,024 descriptors
    readable.register(sock, select.POLLIN)
    return bool(readable.poll(0))
