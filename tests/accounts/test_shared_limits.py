"""The login limit holds across processes: two gunicorn workers count in the same Redis."""
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def two_workers(app):
    port = free_port()
    env = {**os.environ, "COOPEX_CONFIG": "testing", "LOGIN_RATE_LIMIT": "3 per minute",
           "RATELIMIT_STORAGE_URI": app.config["RATELIMIT_STORAGE_URI"], "RATELIMIT_KEY_PREFIX": f"limits-{uuid.uuid4().hex}"}
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()[-2000:]
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.stderr.close()


def test_two_workers_share_the_login_limit(two_workers):
    answers = []
    for _ in range(12):
        connection = http.client.HTTPConnection("127.0.0.1", two_workers, timeout=10)  # a new connection each time
        connection.request("POST", "/api/v1/auth/tokens", body=json.dumps({"email": "nobody@example.coop", "password": "guess-guess"}),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        answers.append(response.status)
        connection.close()
    # Per process, each of the two workers would have let three guesses through.
    assert answers[:3] == [401, 401, 401] and set(answers[3:]) == {429}, answers
