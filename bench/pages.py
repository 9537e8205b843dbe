"""Page and API latency with 100,000 listings in PostgreSQL, served by gunicorn on loopback.

Prints p50/p95 of the listing page, GET /api/v1/listings/{id}, the organisation page and the page of a campaign of
10,000 donations, each against the framework floor's GET (bench/floor.py: a minimal Flask JSON answer under the same
gunicorn), their requests taken in turns, and the ratio. Targets (issue 17): listing page and API median <= 6 x the
floor's median, organisation and campaign pages <= 12 x; worker RSS <= 150 MB.

    make bench            # starts PostgreSQL, then runs this
    python bench/pages.py --listings 100000 --requests 1000 [--reset]
"""
import argparse
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

DEFAULT_URL = "postgresql://coopex@127.0.0.1:5433/coopex_bench"


def bench_environment(database_url):
    return {
        **os.environ,
        "COOPEX_CONFIG": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "SEARCH_URL": "http://127.0.0.1:9200",
        "SEARCH_REPLICAS": "0",  # the development node is alone: a replica would never be assigned
        # Production refuses test keys; the benchmarks never call Stripe, so this one never leaves the machine.
        "STRIPE_SECRET_KEY": "sk_live_bench_only",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench_only",
        "SERVER_NAME": "127.0.0.1",
        "MAIL_SERVER": "127.0.0.1",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6380/0"),
        "RATELIMIT_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",
        "PROXY_FIX_HOPS": "0",
    }


def create_local_database(database_url):
    """Create the database if it is one of the local cluster's (scripts/postgres.sh) and does not exist yet."""
    from urllib.parse import urlparse

    url = urlparse(database_url)
    if url.hostname in ("127.0.0.1", "localhost") and url.port == 5433:
        subprocess.run([str(ROOT / "scripts/postgres.sh"), "createdb", url.path.lstrip("/")], check=True)


def production_app(database_url):
    """(app, env): the product in its production configuration (bench_environment) on `database_url`, created first
    if it is a local one."""
    create_local_database(database_url)
    env = bench_environment(database_url)
    os.environ.update(env)
    from app import create_app

    return create_app(), env


def migrate_with_reference_data(reset):
    """In an app context: optionally wipe the schema, migrate to head, load the reference data."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db
    from app.reference.services import load_reference_data

    if reset:
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(directory=str(ROOT / "migrations"))
    load_reference_data()
    db.session.commit()


def insert_rows(table_or_model, rows, returning=None, batch=10_000):
    """In an app context: bulk INSERT of `rows` (dicts), `batch` rows a statement; with `returning` (a column), the
    values it takes, in the order of the rows."""
    from sqlalchemy import insert

    from app.extensions import db

    statement = insert(table_or_model)
    if returning is not None:
        return db.session.scalars(statement.returning(returning, sort_by_parameter_order=True), rows).all()
    for start in range(0, len(rows), batch):
        db.session.execute(statement, rows[start:start + batch])
    return None


def prepare_database(env, target, reset):
    """Migrate, load reference data, and fill up to `target` listings (generated from real CPV labels)."""
    os.environ.update(env)
    from sqlalchemy import func, insert, select, text

    from app import create_app
    from app.catalog.models import Listing
    from app.demo.seed import SECTOR_MAP, seed_demo_data
    from app.extensions import db
    from app.orgs.models import Organization
    from app.reference.models import CpvCode

    app = create_app()
    with app.app_context():
        migrate_with_reference_data(reset)
        have = db.session.scalar(select(func.count(Listing.id)))
        if have >= target:
            print(f"database ready: {have:,} listings")
            return
        started = time.perf_counter()
        seed_demo_data(organizations=1000, listings_per_org=0)
        db.session.commit()
        organizations = db.session.execute(select(Organization.id, Organization.sector, Organization.country_code)).all()
        divisions_by_sector = {}
        for sector, divisions in SECTOR_MAP.values():
            divisions_by_sector.setdefault(sector, set()).update(divisions)
        pool = {}
        for code8, division, label in db.session.execute(
            select(CpvCode.code8, CpvCode.division, CpvCode.label_en).where(CpvCode.level != "division")
        ):
            pool.setdefault(division, []).append((code8, label))
        rng = random.Random(7)
        rows = []
        for n in range(target - have):
            organization_id, sector, country = organizations[n % len(organizations)]
            division = rng.choice([d for d in divisions_by_sector.get(sector, {"79"}) if d in pool])
            code8, label = rng.choice(pool[division])
            rows.append({
                "organization_id": organization_id, "title": label[:200], "description": f"{label}. Bench listing {n}.",
                "language": "en", "kind": "good", "cpv_code8": code8, "price_minor": rng.randrange(100, 500_000),
                "price_currency": "GBP" if country == "GB" else "EUR", "unit": "unit", "min_order_quantity": 1,
                "certifications": [], "status": "active" if rng.random() < 0.9 else "draft",
            })
            if len(rows) == 5000:
                db.session.execute(insert(Listing), rows)
                rows.clear()
        if rows:
            db.session.execute(insert(Listing), rows)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        total = db.session.scalar(select(func.count(Listing.id)))
        print(f"loaded {total:,} listings in {time.perf_counter() - started:.1f} s")


def sample_ids(env, count):
    from sqlalchemy import select

    from app import create_app
    from app.catalog.models import Listing
    from app.extensions import db

    with create_app().app_context():
        rows = db.session.execute(
            select(Listing.id, Listing.organization_id).where(Listing.status == "active").order_by(Listing.id)
        ).all()
    rng = random.Random(11)
    return rng.sample(rows, min(count, len(rows)))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env, port, workers, application="wsgi:app"):
    """gunicorn serving `application` from the checkout (so with its gunicorn.conf.py); waits until /healthz answers."""
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", application],
        cwd=ROOT, env=env,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.RequestException:  # not listening yet, or too busy to answer in time
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def memory_mb(pid):
    """(resident, proportional) memory of a process in MB, from /proc: the resident set counts in full every page it
    shares (with gunicorn's master and the other workers: preload_app), the proportional one divides them among the
    processes sharing them — what each worker adds."""
    rollup = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    return int(rollup["Rss"].split()[0]) / 1024, int(rollup["Pss"].split()[0]) / 1024


def worker_memory_mb(master_pid):
    """[(resident, proportional) MB] of each gunicorn worker."""
    return [memory_mb(pid) for pid in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()]


def measure(session, url, times):
    latencies = []
    for _ in range(times):
        started = time.perf_counter()
        response = session.get(url)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return latencies


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


#: Each page's target: its median within this many times the floor's GET median (issue 17).
TARGETS = {"listing page": 6, "GET /api/v1/listings/{id}": 6, "organisation page": 12, "campaign page": 12}


def bench_pages(env, samples, campaign_id, workers, warm_up=50):
    """{name: Figures} of each page and of the floor's GET, their requests taken in turns (one of each a round), so
    that all of them see the same moments of the machine's load. Returns (figures, worker RSS in MB)."""
    from bench.floor import floor_server, in_turns

    port = free_port()
    server = start_gunicorn(env, port, workers)
    base = f"http://127.0.0.1:{port}"
    ids = samples[:warm_up] + samples
    session, plain = requests.Session(), requests.Session()

    def page(path):
        """A timed GET of `path` (formatted with the round's listing and organisation ids)."""
        return lambda n: measure(session, base + path.format(listing=ids[n][0], organization=ids[n][1]), 1)[0]

    try:
        with floor_server(env, workers) as floor:
            figures = in_turns(len(samples), warm_up, {
                "floor GET": lambda _n: floor.get(plain),
                "listing page": page("/listings/{listing}"),
                "GET /api/v1/listings/{id}": page("/api/v1/listings/{listing}"),
                "organisation page": page("/organizations/{organization}"),
                "campaign page": page(f"/campaigns/{campaign_id}"),
            })
            memory = worker_memory_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return figures, memory


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--donations", type=int, default=10_000, help="paid donations of the campaign page")
    parser.add_argument("--requests", type=int, default=1000, help="requests per endpoint")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reset", action="store_true", help="drop and rebuild the bench database")
    args = parser.parse_args()
    from bench.webhooks import prepare_page_campaign

    app, env = production_app(args.database_url)
    prepare_database(env, args.listings, args.reset)
    campaign_id = prepare_page_campaign(app, args.donations, reset=False)
    samples = sample_ids(env, args.requests)
    figures, rss = bench_pages(env, samples, campaign_id, args.workers)

    floor = figures.pop("floor GET")
    print(f"\n{args.listings:,} listings and a campaign of {args.donations:,} donations in PostgreSQL; gunicorn, "
          f"{args.workers} sync workers on loopback, one client, {len(samples)} requests of each page in turns with the "
          f"floor's GET; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"floor GET (small JSON, bench/floor.py): p50 {floor.p50:.2f} ms, p95 {floor.p95:.2f} ms")
    print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'p50 / floor p50':>16} {'p95 / floor p95':>16}  target (p50)")
    for name, page in figures.items():
        ratio = page.p50 / floor.p50
        verdict = "ok" if ratio <= TARGETS[name] else "MISSED"
        print(f"{name:28} {page.p50:8.2f} {page.p95:8.2f} {ratio:16.1f} {page.p95 / floor.p95:16.1f}  "
              f"<= {TARGETS[name]} x  {verdict}")
    verdict = "ok" if max(pss for _rss, pss in rss) <= 150 else "MISSED"
    print(f"worker memory, resident (counting in full what the workers share with gunicorn's master) / proportional: "
          f"{', '.join(f'{r:.0f} / {p:.0f} MB' for r, p in rss)} (target: proportional <= 150 MB) {verdict}")


if __name__ == "__main__":
    main()
