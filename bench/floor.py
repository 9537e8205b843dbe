"""The framework floor: what the smallest request costs on this machine, measured in the same run as a benchmark.

A figure such as "the inbox page's p95 is 40 ms" means little on a shared two-core machine whose load moves by the
minute; "the inbox costs 3 times the floor" travels. The floor is bench/floor_app.py, a minimal Flask app (no
extensions, no session, no templates; SQLAlchemy's engine on psycopg with the product's engine options), served like
the product: gunicorn from the checkout (so with its gunicorn.conf.py), the same number of sync workers, on loopback,
asked by the same client (a `requests` session, one request at a time). Two requests:

- GET: a small JSON answer, no database: the floor of a read page (HTTP, gunicorn, Flask routing, JSON).
- POST: a JSON body written by one INSERT + COMMIT into the scratch table `bench_floor_writes` of the benchmark's own
  PostgreSQL database (created if missing, emptied before each measurement): the floor of a write.

Two ways to use it:

- `measure_floor(env, count)`: start the floor, measure `count` of each, stop it; returns {"GET": Figures,
  "POST": Figures} (p50 and p95 in ms, and the samples).
- `with floor_server(env) as floor:` then `floor.get(session)` / `floor.post(session)` (each returns ms) interleaved
  with the benchmark's own requests by `in_turns`, so that both see the same moments of the machine's load.

`env` is the benchmark's environment (bench.pages.bench_environment(database_url)): only DATABASE_URL is read.

    .venv/bin/python bench/floor.py [--database-url postgresql://…] [--requests 500] [--workers 2]
"""
import argparse
import contextlib
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import NamedTuple

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.floor_app import SCRATCH_TABLE  # noqa: E402
from bench.pages import bench_environment, create_local_database, free_port, percentile, start_gunicorn  # noqa: E402

DEFAULT_URL = "postgresql://coopex@127.0.0.1:5433/coopex_bench"
APPLICATION = "bench.floor_app:app"


class Figures(NamedTuple):
    p50: float
    p95: float
    samples: list

    @classmethod
    def of(cls, samples):
        return cls(statistics.median(samples), percentile(samples, 0.95), list(samples))


def prepare_scratch_table(database_url):
    """The scratch table the floor's POST writes to, created if missing and emptied."""
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE TABLE IF NOT EXISTS {SCRATCH_TABLE} (id bigserial PRIMARY KEY, "
                                    "body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"))
            connection.execute(text(f"TRUNCATE {SCRATCH_TABLE}"))
    finally:
        engine.dispose()


class Floor:
    """The running floor application at `base`; each call makes one request and returns its time in ms."""

    def __init__(self, base):
        self.base = base
        self.written = 0

    def get(self, session):
        started = time.perf_counter()
        response = session.get(f"{self.base}/floor")
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200 and response.json()["status"] == "ok", response.status_code
        return elapsed

    def post(self, session):
        self.written += 1
        body = json.dumps({"note": "floor", "number": self.written, "words": ["one", "insert", "and", "commit"]})
        started = time.perf_counter()
        response = session.post(f"{self.base}/floor", data=body, headers={"Content-Type": "application/json"})
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 201, response.status_code
        return elapsed


@contextlib.contextmanager
def floor_server(env, workers=2):
    """The floor application under gunicorn (`workers` sync workers) on a free loopback port, stopped afterwards."""
    prepare_scratch_table(env["DATABASE_URL"])
    port = free_port()
    server = start_gunicorn(env, port, workers, APPLICATION)
    try:
        yield Floor(f"http://127.0.0.1:{port}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def in_turns(rounds, warm_up, calls):
    """{name: Figures} of `rounds` rounds in which each of `calls` ({name: function of the round's number → ms}) runs
    once, in turns, so that all of them see the same moments of the machine's load; `warm_up` rounds first, untimed."""
    samples = {name: [] for name in calls}
    for round_ in range(warm_up + rounds):
        timed = {name: call(round_) for name, call in calls.items()}
        if round_ >= warm_up:
            for name, ms in timed.items():
                samples[name].append(ms)
    return {name: Figures.of(values) for name, values in samples.items()}


def measure_floor(env, count=500, workers=2, warm_up=20):
    """{"GET": Figures, "POST": Figures} of `count` requests each, taken in turns after `warm_up` untimed ones."""
    session = requests.Session()
    with floor_server(env, workers) as floor:
        return in_turns(count, warm_up, {"GET": lambda _round: floor.get(session),
                                         "POST": lambda _round: floor.post(session)})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    create_local_database(args.database_url)
    floor = measure_floor(bench_environment(args.database_url), args.requests, args.workers)
    print(f"framework floor: gunicorn, {args.workers} sync workers on loopback, one client; {args.requests} requests "
          f"each; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, figures in floor.items():
        print(f"  {name:5} p50 {figures.p50:6.2f} ms  p95 {figures.p95:6.2f} ms")


if __name__ == "__main__":
    main()
