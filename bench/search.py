"""Search with 100,000 listings: bulk indexing through the outbox, and query latency via the API and the engine.

Measures, on PostgreSQL and the OpenSearch node of 127.0.0.1:9200 (index prefix `coopex-bench`, never
the dev or test indices), with the production configuration (SEARCH_REFRESH off: no refresh per bulk):

1. the bulk indexing rate of the real path: one outbox row per listing (what the flush listener
   writes), delivered by the sync worker's drain (app.indexing.sync.drain_writes) in batches, against the engine's
   raw `_bulk` of the same documents. Targets >= 3,000 docs/s (2 cores), >= 0.8 x raw (issue 17).
2. p50/p95/p99 latency of a fixed mix of searches (seeded: CPV label words, some misspelt, filters,
   facets, sorts, pages 1-3) through GET /api/v1/search/listings on gunicorn (2 sync workers, loopback),
   and of the same query bodies POSTed straight to OpenSearch. Targets: API p95 <= 50 ms;
   API median <= 1.2 x engine median (issue 17). Also per kind of search, and the memory of the node and workers.
   The framework floor's GET (bench/floor.py) is taken in turns with them: the API's fixed cost (API median - engine
   median) is printed beside it, and so is the ratio's spread over the blocks of the run (its noise).

    scripts/postgres.sh start && search/node/node.sh start
    python bench/search.py [--listings 100000] [--searches 1000] [--batch 2000 | --batch 1000,2000,5000]
                           [--drainers 1] [--indexing-only] [--engine-cpus 1] [--reset]
"""
import argparse
import datetime as dt
import json
import logging
import multiprocessing
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import orjson
import requests

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path and would shadow the `search` package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.cpus import engine_apart  # noqa: E402
from bench.floor import floor_server  # noqa: E402
from bench.pages import bench_environment, free_port, migrate_with_reference_data, percentile, worker_memory_mb  # noqa: E402

DEFAULT_URL = "postgresql://coopex@127.0.0.1:5433/coopex_search_bench"
PREFIX = "coopex-bench"
ENGINE = "http://127.0.0.1:9200"
#: Searches of the mix timed through the API, then the same ones straight on the engine, in turns.
BLOCK = 100
STOPWORDS = {"and", "for", "with", "other", "services", "products", "related", "les", "des", "pour", "autres",
             "para", "los", "las", "del", "otros", "servicios", "productos", "produits"}
UNITS = {"good": ["unit", "kg", "box", "pallet", "tonne", "litre"], "service": ["hour", "day", "project", "month"]}


def prepare_database(app, target, reset):
    """Migrate, load reference data and demo organisations, and fill up to `target` active listings.

    Listings, their SDGs and delivery countries, and their outbox rows go in with Core inserts in one
    transaction; the outbox rows are what the flush listener would have written for them.
    """
    from sqlalchemy import func, insert, literal, select, text

    from app.catalog.models import Listing, listing_delivery_countries, listing_sdgs
    from app.demo.products import SERVICE_DIVISIONS
    from app.demo.seed import LANGUAGE_OF, SECTOR_MAP, SECTOR_SDGS, seed_demo_data
    from app.extensions import db
    from app.indexing.models import SearchOutbox
    from app.models_base import utcnow
    from app.orgs.models import Organization
    from app.reference.models import Country, CpvCode

    with app.app_context():
        migrate_with_reference_data(reset)
        have = db.session.scalar(select(func.count(Listing.id)).where(Listing.status == "active"))
        if have >= target:
            print(f"database ready: {have:,} active listings")
            return
        started = time.perf_counter()
        seed_demo_data(organizations=1000, listings_per_org=0)
        db.session.commit()
        organizations = db.session.execute(
            select(Organization.id, Organization.sector, Organization.country_code, Country.currency)
            .join(Country, Organization.country_code == Country.iso2).order_by(Organization.id)
        ).all()
        divisions_by_sector = {}
        for sector, divisions in SECTOR_MAP.values():
            divisions_by_sector.setdefault(sector, set()).update(divisions)
        pool = {}
        for cpv in db.session.execute(select(CpvCode.code8, CpvCode.division, CpvCode.label_en, CpvCode.label_fr,
                                             CpvCode.label_es).where(CpvCode.level.in_(("category", "subcategory", "class")))):
            pool.setdefault(cpv.division, []).append(cpv)
        delivery_pool = sorted({o.country_code for o in organizations} | {"DE", "IT", "NL", "BE", "PT", "IE", "SE"})
        first_new = db.session.scalar(select(func.coalesce(func.max(Listing.id), 0)))
        rng = random.Random(7)
        now = utcnow()
        rows, extras, sdg_rows, country_rows = [], [], [], []

        def flush_rows():
            ids = db.session.scalars(insert(Listing).returning(Listing.id, sort_by_parameter_order=True), rows).all()
            for listing_id, (sdgs, delivery) in zip(ids, extras, strict=True):
                sdg_rows.extend({"listing_id": listing_id, "sdg_number": number} for number in sdgs)
                country_rows.extend({"listing_id": listing_id, "country_code": code} for code in delivery)
            rows.clear()
            extras.clear()

        for n in range(target - have):
            organization_id, sector, country, currency = organizations[n % len(organizations)]
            division = rng.choice(sorted(d for d in divisions_by_sector.get(sector, {"79"}) if d in pool))
            cpv = rng.choice(pool[division])
            language = LANGUAGE_OF.get(country, "en")
            title = getattr(cpv, f"label_{language}")[:200]
            kind = "service" if division in SERVICE_DIVISIONS else "good"
            price = None if rng.random() < 0.15 else rng.randrange(100, 500_000)
            created = now - dt.timedelta(seconds=rng.randrange(365 * 86400))
            rows.append({
                "organization_id": organization_id, "title": title, "language": language, "kind": kind,
                "description": f"{title}. {cpv.label_en if language != 'en' else cpv.label_fr}. Bench listing {n}.",
                "cpv_code8": cpv.code8, "price_minor": price, "price_currency": None if price is None else currency or "EUR",
                "unit": rng.choice(UNITS[kind]), "min_order_quantity": rng.choice([1, 1, 5, 10, 50]),
                "lead_time_days": rng.choice([None, 2, 5, 10, 30]), "certifications": [], "status": "active",
                "created_at": created, "updated_at": created,
            })
            sdgs = sorted(set(rng.sample(SECTOR_SDGS[sector], rng.randint(1, 2)) + [rng.randint(1, 17)])) if rng.random() < 0.3 else []
            delivery = sorted(set(rng.sample(delivery_pool, rng.randint(1, 4)))) if rng.random() < 0.25 else []
            extras.append((sdgs, delivery))
            if len(rows) == 5000:
                flush_rows()
        if rows:
            flush_rows()
        for table, values in ((listing_sdgs, sdg_rows), (listing_delivery_countries, country_rows)):
            for start in range(0, len(values), 10_000):
                db.session.execute(insert(table), values[start:start + 10_000])
        db.session.execute(insert(SearchOutbox).from_select(
            ["kind", "doc_id", "created_at"],
            select(literal("listings"), Listing.id, literal(utcnow(), type_=SearchOutbox.created_at.type))
            .where(Listing.id > first_new).order_by(Listing.id),
        ))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        total = db.session.scalar(select(func.count(Listing.id)).where(Listing.status == "active"))
        print(f"loaded {total:,} listings ({len(sdg_rows):,} SDG and {len(country_rows):,} delivery "
              f"country rows) in {time.perf_counter() - started:.1f} s")


def drainer(batch, barrier, results):
    """One sync worker process (its own app and connections), like `flask search sync`; starts with the others."""
    logging.getLogger("opensearch").setLevel(logging.ERROR)
    from app import create_app
    from app.indexing.sync import drain_writes

    with create_app().app_context():
        barrier.wait()
        results.put(drain_writes(batch).written)


def run_drainers(batch, count):
    """(documents written, seconds) of `count` drainer processes started at the same moment."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(count + 1), context.Queue()
    workers = [context.Process(target=drainer, args=(batch, barrier, results)) for _ in range(count)]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=120)
    started = time.perf_counter()
    written = sum(results.get(timeout=1800) for _ in workers)
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    return written, elapsed


def warm_up_indexing(app, count=30_000, batch=2000):
    """Index `count` listings into a scratch index (not behind the alias), untimed for the target; returns docs/s.

    A node that has just started indexes far slower than one that has been running: the JVM compiles its analysis
    and indexing paths as it goes (the first 30,000 documents run at roughly half the later rate). A sync worker
    talks to a node that has been up for days, so the target is measured after this pass; its rate is printed too.
    """
    from sqlalchemy import select

    from app.catalog.models import Listing
    from app.extensions import db
    from app.indexing import search_engine
    from app.indexing.documents import listing_writes

    with app.app_context():
        engine = search_engine()
        ids = list(db.session.scalars(select(Listing.id).order_by(Listing.id).limit(count)))
        scratch = engine.create_index("listings")
        started = time.perf_counter()
        try:
            for start in range(0, len(ids), batch):
                engine.bulk("listings", list(listing_writes(ids[start:start + batch]).values()), index=scratch)
            return len(ids) / (time.perf_counter() - started)
        finally:
            engine.delete_indices([scratch])
            db.session.remove()


def clear_request_cache(alias):
    """Neither measurement may reuse facet counts the other one left in the shard request cache."""
    requests.post(f"{ENGINE}/{alias}/_cache/clear", params={"request": "true"}, timeout=30).raise_for_status()


def index_listings(app, batch, drainers):
    """Drop the bench index, queue every listing in the outbox if needed, and time the sync worker's drain; returns the
    figures. With several drainers, that many worker processes drain the outbox at once (rows are locked with SKIP
    LOCKED). Then, apart, the alert worker's tasks queued meanwhile (percolation, suppliers' default alerts)."""
    from sqlalchemy import delete, func, insert, literal, select

    from app.catalog.models import Listing
    from app.extensions import db
    from app.indexing import search_engine
    from app.indexing.models import SearchOutbox
    from app.indexing.sync import TASKS, drain_all, drain_writes
    from app.models_base import utcnow

    with app.app_context():
        engine = search_engine()
        engine.drop("listings")
        engine.ensure_index("listings")  # the first index and its alias, outside the timing
        listings = db.session.scalar(select(func.count(Listing.id)))
        pending = db.session.scalar(select(func.count(SearchOutbox.id)).where(SearchOutbox.parked_at.is_(None)))
        if pending != listings:  # a reused database: queue every listing again, as a change to each would
            db.session.execute(delete(SearchOutbox))
            db.session.execute(insert(SearchOutbox).from_select(
                ["kind", "doc_id", "created_at"],
                select(literal("listings"), Listing.id, literal(utcnow(), type_=SearchOutbox.created_at.type)).order_by(Listing.id),
            ))
            db.session.commit()
        if drainers == 1:
            started = time.perf_counter()
            written = drain_writes(batch).written
            elapsed = time.perf_counter() - started
        else:
            written, elapsed = run_drainers(batch, drainers)
        pending = db.session.scalar(select(func.count(SearchOutbox.id)).where(SearchOutbox.kind.not_in(sorted(TASKS))))
        started = time.perf_counter()
        engine.refresh_now("listings")
        refresh = time.perf_counter() - started
        started = time.perf_counter()
        tasks = drain_all(500, kinds=sorted(TASKS))  # what `flask alerts percolate` drains
        tasks_seconds = time.perf_counter() - started
        count = engine.count("listings")
        db.session.remove()
    if pending or count != listings:
        raise SystemExit(f"indexing incomplete: {pending} outbox rows left, {count} of {listings} documents in the index")
    return {"batch": batch, "docs": written, "seconds": elapsed, "rate": written / elapsed, "refresh": refresh,
            "tasks": tasks.rows, "tasks_seconds": tasks_seconds}


def raw_bulk(app, batch, senders):
    """The limit of indexing: the same documents (built from the database beforehand, untimed) sent straight to the
    engine's `_bulk` in batches of `batch`, by `senders` client threads at once (as many as the drainers), into a fresh
    index with the product's settings; returns docs/s."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import select

    from app.catalog.models import Listing
    from app.extensions import db
    from app.indexing import search_engine
    from app.indexing.documents import listing_writes
    from search.engine import BULK_FIELDS

    with app.app_context():
        engine = search_engine()
        ids = list(db.session.scalars(select(Listing.id).order_by(Listing.id)))
        bodies, documents = [], 0
        for start in range(0, len(ids), batch):
            lines = []
            for doc_id, version, document in listing_writes(ids[start:start + batch]).values():
                if document is not None:
                    lines += [json.dumps({"index": {"_id": str(doc_id), "version": version, "version_type": "external"}}),
                              json.dumps(document)]
                    documents += 1
            bodies.append(("\n".join(lines) + "\n").encode())
        db.session.remove()
        scratch = engine.create_index("listings")
    sessions = [requests.Session() for _ in range(senders)]

    def send(numbered):
        # The request the sync worker sends (SearchEngine.bulk): the answer cut to each item's id, status and error
        # by the node, which answers a batch of 1,000 small documents in 19.2 ms against 20.8 in full.
        number, body = numbered
        answer = sessions[number % senders].post(f"{ENGINE}/{scratch}/_bulk", data=body, timeout=300,
                                                 params={"filter_path": BULK_FIELDS},
                                                 headers={"Content-Type": "application/x-ndjson"})
        items = orjson.loads(answer.content)["items"]
        failed = [item for item in items if not 200 <= item["index"]["status"] < 300]
        assert not failed, failed[:1]

    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(senders) as pool:
            list(pool.map(send, enumerate(bodies)))
        elapsed = time.perf_counter() - started
        requests.post(f"{ENGINE}/{scratch}/_refresh", timeout=120).raise_for_status()
        assert requests.get(f"{ENGINE}/{scratch}/_count", timeout=30).json()["count"] == documents
    finally:
        requests.delete(f"{ENGINE}/{scratch}", timeout=60)
    return documents / elapsed


def wait_for_merges(limit=180):
    """Searches are measured on a settled index: after a bulk load the node merges segments for a while, and
    searching meanwhile measures the merging. Waits until no merge has run for 3 s; returns the seconds waited."""
    started = last_busy = time.perf_counter()
    while time.perf_counter() - started < limit:
        stats = requests.get(f"{ENGINE}/_nodes/stats/indices/merge", timeout=10).json()
        if any(node["indices"]["merges"]["current"] for node in stats["nodes"].values()):
            last_busy = time.perf_counter()
        elif time.perf_counter() - last_busy >= 3:
            break
        time.sleep(0.5)
    return time.perf_counter() - started


def search_mix(app, count, seed):
    """A fixed list of query-string dicts (multi-valued parameters as lists) for the search API."""
    from sqlalchemy import select

    from app.catalog.models import Listing
    from app.extensions import db
    from app.orgs.models import LEGAL_FORMS, Organization
    from app.reference.models import CpvCode
    from app.schemas import ICA_REGIONS
    from search import SORTS

    with app.app_context():
        used = select(Listing.cpv_code8).distinct().scalar_subquery()
        labels = db.session.execute(select(CpvCode.label_en, CpvCode.label_fr, CpvCode.label_es, CpvCode.division)
                                    .where(CpvCode.code8.in_(used)).order_by(CpvCode.code8)).all()
        countries = sorted(db.session.scalars(select(Organization.country_code).distinct()))
        sectors = sorted(db.session.scalars(select(Organization.sector).distinct()))
        db.session.remove()
    divisions = sorted({row.division for row in labels})
    rng = random.Random(seed)

    def text():
        label = rng.choice(labels)[rng.choices([0, 1, 2], weights=[70, 15, 15])[0]]
        words = [w for w in re.findall(r"\w+", label.lower()) if len(w) > 3 and w not in STOPWORDS] or [label.split()[0].lower()]
        start = rng.randrange(len(words))
        words = words[start:start + rng.choice([1, 1, 2, 2, 3])]
        if rng.random() < 0.15:  # one typo: a letter dropped, doubled or replaced
            i = max(range(len(words)), key=lambda k: len(words[k]))
            word, at = words[i], rng.randrange(1, max(len(words[i]) - 1, 2))
            words[i] = rng.choice([word[:at] + word[at + 1:], word[:at] + word[at] + word[at:],
                                   word[:at] + rng.choice("aeioustr") + word[at + 1:]])
        return " ".join(words)

    mix = []
    for _ in range(count):
        params = {"q": text()} if rng.random() < 0.8 else {}
        if rng.random() < 0.2:
            params["country"] = rng.sample(countries, rng.choice([1, 1, 2]))
        if rng.random() < 0.1:
            params["region"] = [rng.choice(ICA_REGIONS)]
        if rng.random() < 0.15:
            params["sector"] = rng.sample(sectors, rng.choice([1, 1, 2]))
        if rng.random() < 0.1:
            params["legal_form"] = [rng.choice(LEGAL_FORMS)]
        if rng.random() < 0.2:
            params["cooperative"] = "true"
        if rng.random() < 0.2:
            division = rng.choice(divisions)
            params.update({"cpv": [division.ljust(8, "0")]} if rng.random() < 0.5 else {"cpv_division": [division]})
        if rng.random() < 0.1:
            params["sdg"] = [str(rng.randint(1, 17))]
        if rng.random() < 0.15:
            params.update(price_min=str(rng.choice([0, 10, 50, 100])), price_max=str(rng.choice([200, 1000, 5000])),
                          currency=[rng.choice(["GBP", "EUR"])])
        params["sort"] = rng.choices(SORTS, weights=[6, 2, 1, 1])[0]
        params["page"] = str(rng.choice([1, 1, 1, 2, 3]))
        mix.append(params)
    return mix


def engine_bodies(app, mix):
    """What the API asks the engine for each query of the mix: the _msearch of hits and facets, built as the API builds
    it, and the query, for the spelling suggestion the API then checks with a second search when few are found."""
    from app.catalog.search_schemas import ListingSearchQuerySchema
    from app.catalog.search_service import build_query
    from search.queries import listing_search_requests

    schema, boost = ListingSearchQuerySchema(), app.config["SEARCH_COOPERATIVE_BOOST"]
    bodies = []
    for params in mix:
        query = build_query(schema.load(params), boost)
        bodies.append(("".join(f"{{}}\n{json.dumps(body)}\n" for body in listing_search_requests(query)), query))
    return bodies


def start_gunicorn(env, port, workers):
    """gunicorn on loopback; waits (up to 2 minutes on a busy machine) until /healthz answers."""
    command = [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def timed(call):
    started = time.perf_counter()
    response = call()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{response.request.method} {response.url}: {response.status_code} {response.text[:300]}")
    return elapsed, response.json()


def measure_api(base, mix):
    session = requests.Session()
    results = [timed(lambda p=params: session.get(f"{base}/api/v1/search/listings", params=p)) for params in mix]
    return [ms for ms, _ in results], [answer["total"] for _, answer in results]


def measure_engine(alias, bodies):
    """The engine answering what the API asks it (engine_bodies), timed as the API's client would: the _msearch, then
    the suggestion check when the API makes one (about a tenth of the mix)."""
    from app.catalog.search_service import suggestion_to_check
    from search.queries import parse_results, suggestion_check_body

    session = requests.Session()
    headers = {"Content-Type": "application/x-ndjson"}
    times, totals = [], []
    for body, query in bodies:
        elapsed, answer = timed(lambda b=body: session.post(f"{ENGINE}/{alias}/_msearch", data=b, headers=headers))
        found = parse_results(*answer["responses"])  # untimed: the engine's time only
        if suggestion := suggestion_to_check(found):
            elapsed += timed(lambda s=suggestion, q=query: session.post(
                f"{ENGINE}/{alias}/_search", json=suggestion_check_body(q, s)))[0]
        times.append(elapsed)
        totals.append(found["total"])
    return times, totals


def query_class(params):
    """What kind of search a query of the mix is: browsing or text (by its number of words), and how it is sorted."""
    words = len(params["q"].split()) if "q" in params else 0
    kind = "browse" if not words else f"text, {words} word{'s' if words > 1 else ''}"
    return f"{kind}, {'by relevance' if params['sort'] == 'relevance' else 'sorted'}"


def by_class(mix, api, engine):
    """{class: (api ms, engine ms)} of the mix's searches."""
    classes = {}
    for params, api_ms, engine_ms in zip(mix, api, engine, strict=True):
        pair = classes.setdefault(query_class(params), ([], []))
        pair[0].append(api_ms)
        pair[1].append(engine_ms)
    return dict(sorted(classes.items()))


def node_memory():
    """(heap used MB, heap max MB, resident MB) of each node of the engine: the heap from its statistics, the resident
    memory from /proc (the node runs on this machine)."""
    stats = requests.get(f"{ENGINE}/_nodes/stats/jvm", timeout=10).json()["nodes"]
    info = requests.get(f"{ENGINE}/_nodes/process", timeout=10).json()["nodes"]
    figures = []
    for node_id, node in stats.items():
        status = Path(f"/proc/{info[node_id]['process']['id']}/status").read_text()
        resident = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        heap = node["jvm"]["mem"]
        figures.append((heap["heap_used_in_bytes"] / 2**20, heap["heap_max_in_bytes"] / 2**20, resident))
    return figures


def summary(name, values):
    return (f"{name:34} {statistics.median(values):8.1f} {percentile(values, 0.95):8.1f} "
            f"{percentile(values, 0.99):8.1f} {max(values):8.1f}")


def ensure_services(database_url):
    if requests.get(f"{ENGINE}/_cluster/health", timeout=5).json()["status"] not in ("green", "yellow"):
        raise SystemExit("the OpenSearch node is not healthy; start it with search/node/node.sh start")
    url = urlparse(database_url)
    if url.hostname in ("127.0.0.1", "localhost") and url.port == 5433:
        subprocess.run([str(ROOT / "scripts/postgres.sh"), "createdb", url.path.lstrip("/")], check=True)


def measure_indexing(app, args):
    """(the best of the outbox runs, the raw rate, the warm-up rate), each printed as it is measured."""
    cold_rate = warm_up_indexing(app)
    print(f"warm-up: the first 30,000 documents into a scratch index at {cold_rate:,.0f} docs/s (node just started)")
    runs = []
    for batch in [int(size) for size in args.batch.split(",")]:
        runs.append(index_listings(app, batch, args.drainers))
        print(f"indexed {runs[-1]['docs']:,} documents in batches of {batch}: {runs[-1]['rate']:,.0f} docs/s")
    best = max(runs, key=lambda run: run["rate"])
    raw_rate = raw_bulk(app, best["batch"], args.drainers)
    print(f"the same documents sent straight to _bulk (batch {best['batch']}, {args.drainers} sender(s)): "
          f"{raw_rate:,.0f} docs/s")
    return best, raw_rate, cold_rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_SEARCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--batch", default="2000", help="outbox rows per bulk request; a comma-separated list tries each")
    parser.add_argument("--drainers", type=int, default=2, help="sync worker processes draining the outbox at once")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--searches-only", action="store_true",
                        help="search the index a previous run left (same database and prefix), without indexing again")
    parser.add_argument("--indexing-only", action="store_true", help="measure indexing, not the searches")
    parser.add_argument("--engine-cpus", type=int, default=0,
                        help="while indexing, the search node gets this many CPUs of its own, the rest run everything "
                             "else (as production gives the cluster machines of its own); 0: all share every CPU")
    parser.add_argument("--prefix", default=PREFIX, help="index prefix (one per database: two sizes side by side)")
    parser.add_argument("--reset", action="store_true", help="drop and rebuild the bench database")
    args = parser.parse_args()

    try:
        ensure_services(args.database_url)
    except requests.ConnectionError:
        raise SystemExit("no OpenSearch node on 127.0.0.1:9200; start it with search/node/node.sh start") from None
    env = {**bench_environment(args.database_url), "SEARCH_INDEX_PREFIX": args.prefix, "SEARCH_URL": ENGINE}
    os.environ.update(env)
    logging.getLogger("opensearch").setLevel(logging.ERROR)  # 404s of alias look-ups on a fresh index
    from app import create_app

    app = create_app()
    prepare_database(app, args.listings, args.reset)
    best = None
    if not args.searches_only:
        with engine_apart(args.engine_cpus) as split:
            if split:
                print(f"the search node on CPU {split[0]}, PostgreSQL and the drainers or senders on CPU {split[1]}")
            best, raw_rate, cold_rate = measure_indexing(app, args)
        if args.indexing_only:
            print(f"outbox / raw = {best['rate'] / raw_rate:.2f} (target >= 0.8); the alert worker's tasks queued "
                  f"meanwhile: {best['tasks']:,} rows in {best['tasks_seconds']:.1f} s; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            return
    else:
        with app.app_context():
            from app.indexing import search_engine
            if outdated := search_engine().update_mapping("listings"):
                raise SystemExit(f"{', '.join(outdated)} was built by older code; index again (without --searches-only)")

    mix = search_mix(app, args.searches, seed=3)
    warm_up = search_mix(app, 1000, seed=4)  # a JVM just started needs about this many to compile its hot paths
    alias = f"{args.prefix}-listings"
    settled = wait_for_merges()
    bodies, warm_bodies = engine_bodies(app, mix), engine_bodies(app, warm_up)
    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        with floor_server(env, args.workers) as floor:
            floor_session = requests.Session()
            measure_api(base, warm_up)
            measure_engine(alias, warm_bodies)
            for _ in range(BLOCK):
                floor.get(floor_session)
            api, api_totals, engine, engine_totals, floor_get, block_ratios = [], [], [], [], [], []
            # In turns, a block of the mix at a time, so that all see the same moments of a shared machine's load;
            # the request cache is cleared before each turn, so that each starts as cold as the other did. The second
            # turn finds the engine's other caches (filters, pages) warmed by the first, so the API goes first in one
            # block and the engine in the next; the run prints the ratio of each order (no steady difference so far).
            for number, start in enumerate(range(0, len(mix), BLOCK)):
                block, measured = slice(start, start + BLOCK), {}
                for name in (("api", "engine") if number % 2 == 0 else ("engine", "api")):
                    clear_request_cache(alias)
                    measured[name] = measure_api(base, mix[block]) if name == "api" else measure_engine(alias, bodies[block])
                api_times, totals = measured["api"]
                api += api_times
                api_totals += totals
                engine_times, totals = measured["engine"]
                engine += engine_times
                engine_totals += totals
                floor_get += [floor.get(floor_session) for _ in api_times]
                block_ratios.append(statistics.median(api_times) / statistics.median(engine_times))
        workers_memory = worker_memory_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    mismatches = sum(a != e for a, e in zip(api_totals, engine_totals, strict=True))

    version = requests.get(ENGINE, timeout=5).json()["version"]["number"]
    ratio = statistics.median(api) / statistics.median(engine)
    print(f"\n{args.listings:,} listings in PostgreSQL; OpenSearch {version} on 127.0.0.1:9200 (alias {alias}); "
          f"gunicorn, {args.workers} sync workers on loopback; {len(mix):,} searches, one client; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"waited {settled:.0f} s for segment merges to settle before searching")
    if best is not None:
        print(f"bulk indexing (outbox -> the sync worker's drain_writes, {args.drainers} drainer(s), batch {best['batch']}): "
              f"{best['docs']:,} docs in {best['seconds']:.1f} s = "
              f"{best['rate']:,.0f} docs/s (target >= 3,000) {'ok' if best['rate'] >= 3000 else 'MISSED'}; "
              f"final refresh {best['refresh'] * 1000:.0f} ms; warm-up pass on the freshly started node {cold_rate:,.0f} docs/s")
        print(f"  then the alert worker's tasks queued meanwhile (percolation, default alerts): {best['tasks']:,} rows "
              f"in {best['tasks_seconds']:.1f} s")
        print(f"  limit: the engine's raw _bulk of the same documents {raw_rate:,.0f} docs/s; outbox / raw = "
              f"{best['rate'] / raw_rate:.2f} (target >= 0.8) {'ok' if best['rate'] >= 0.8 * raw_rate else 'MISSED'}")
    print(f"{'searches':34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    print(summary("API GET /api/v1/search/listings", api))
    print(summary("engine POST /<alias>/_msearch", engine))
    p95 = percentile(api, 0.95)
    print(f"API p95 {p95:.1f} ms (target <= 50 ms) {'ok' if p95 <= 50 else 'MISSED'}; API median / engine median = "
          f"{ratio:.2f} (target <= 1.2) {'ok' if ratio <= 1.2 else 'MISSED'}; totals differing API vs engine: {mismatches}")
    fixed, floor_p50 = statistics.median(api) - statistics.median(engine), statistics.median(floor_get)
    orders = ""
    if len(block_ratios) > 1:
        orders = (f"; median of the blocks where the API went first {statistics.median(block_ratios[0::2]):.2f}, "
                  f"the engine first {statistics.median(block_ratios[1::2]):.2f}")
    print(f"the run's noise: API median / engine median per block of {BLOCK} searches "
          f"{min(block_ratios):.2f}-{max(block_ratios):.2f}{orders}")
    print(f"the API's fixed cost (API median - engine median) {fixed:.2f} ms; the framework floor's GET (bench/floor.py, "
          f"same gunicorn settings, in turns) {floor_p50:.2f} ms; the API's own cost above the floor {fixed - floor_p50:.2f} ms")
    print(f"{'by kind of search':34} {'count':>6} {'API p50':>8} {'API p95':>8} {'eng p50':>8} {'eng p95':>8}")
    for name, (api_ms, engine_ms) in by_class(mix, api, engine).items():
        print(f"{name:34} {len(api_ms):6} {statistics.median(api_ms):8.1f} {percentile(api_ms, 0.95):8.1f} "
              f"{statistics.median(engine_ms):8.1f} {percentile(engine_ms, 0.95):8.1f}")
    memory = "; ".join(f"heap {used:,.0f} of {limit:,.0f} MB, resident {rss:,.0f} MB" for used, limit, rss in node_memory())
    print(f"memory: search node {memory}; gunicorn workers "
          f"{', '.join(f'{r:.0f} MB resident, {p:.0f} proportional' for r, p in workers_memory)}")


if __name__ == "__main__":
    main()
