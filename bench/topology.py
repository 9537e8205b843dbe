"""The production topology losing a node: searches, listing writes and Stripe webhooks through nginx while one
OpenSearch node and one app server are killed (SIGKILL) and restarted.

Needs the topology running (`make topology`: scripts/topology.sh). Drives, for `--seconds`, paced so that the machine
is not saturated by the client:
- searches: GET /api/v1/search/listings with bench/search.py's query mix, over `--listings` listings;
- listing writes: POST /api/v1/listings with the bearer token of a verified cooperative's seller, each listing carrying
  a word of its own and an Idempotency-Key of its own (sent again, the same, if the writer retries after a failed
  answer: nginx passes such a POST on to the other app server itself, so retries should not be needed);
- webhooks: signed payment, replay and out-of-order refund events for a campaign of pending donations, as
  bench/webhooks.py sends them, to POST /payments/stripe/webhook.
Meanwhile: at 20 % of the run the OpenSearch node holding the listings' primary shard is killed, at 35 % app server
app-1; app-1 is started again at 55 %, the node at 70 %.

Prints:
1. answers by status for each kind (target: no failed answer — a 5xx or no answer at all — from nginx), how many
   requests nginx passed to the other app server (its access log), latency p50/p95/max, and a timeline;
2. lost writes: every listing answered 201 must be found by the search API once the sync workers have delivered the
   outbox (target 0); a POST without a 201 is looked up in the database (was it written?); duplicates: listings
   written twice for one word (target 0), and how many answers were replayed from a kept key;
3. totals: the campaign's and its match pledge's figures against the events sent (bench/webhooks.py's check: exact);
4. the resident memory of each process of the topology, and what was killed and started when.
Exits 1 unless there was no failed answer, no lost write, no duplicate and the totals are exact.

    make topology
    python bench/topology.py [--seconds 120] [--listings 20000] [--events 1500] [--search-rate 16] [--write-rate 6]
"""
import argparse
import json
import random
import re
import secrets
import statistics
import string
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path and would shadow the `search` package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.pages import percentile, prepare_database  # noqa: E402
from bench.search import search_mix  # noqa: E402
from bench.webhooks import check_exact, plan_deliveries, prepare_run_campaign, sign  # noqa: E402

TOPOLOGY = ROOT / "var/topology"
SCRIPT = ROOT / "scripts/topology.sh"
BASE = "http://127.0.0.1:8480"
NODES = ("http://127.0.0.1:9500", "http://127.0.0.1:9501", "http://127.0.0.1:9502")
SELLER_EMAIL = "topology-seller@example.coop"
PROBE_CPV = "03131100"  # coffee, tea, maté and spices (a real CPV code of the reference data)
#: A listing POST is sent at most this many times (with its one Idempotency-Key) when no answer or a 5xx or 409 comes.
WRITE_TRIES = 3


def topology_environment():
    """The environment every process of the topology runs with (scripts/topology.sh writes it)."""
    path = TOPOLOGY / "coopex.env"
    if not path.exists() or subprocess.run([str(SCRIPT), "status"], capture_output=True).returncode != 0:
        raise SystemExit("the topology is not running: make topology (scripts/topology.sh start)")
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def seller_token(app):
    """(organisation id, bearer token) of a seller of a verified cooperative, made on the first run."""
    from sqlalchemy import select

    from app.accounts.models import Membership, User
    from app.accounts.services import hash_password, issue_token
    from app.extensions import db
    from app.models_base import utcnow
    from app.orgs.models import Organization

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == SELLER_EMAIL))
        if user is None:
            organization = Organization(name="Topology Tea Growers' Cooperative", legal_form="cooperative", size="small",
                                        country_code="KE", sector="agriculture", description="",
                                        verification_status="verified")
            # Nobody signs in as this seller: the bench uses its API token only.
            user = User(email=SELLER_EMAIL, name="Topology seller", email_verified_at=utcnow(),
                        password_hash=hash_password(secrets.token_urlsafe(24)))
            db.session.add_all([organization, user])
            db.session.flush()
            db.session.add(Membership(user_id=user.id, organization_id=organization.id, role="seller"))
            db.session.flush()
        organization_id = db.session.scalar(select(Membership.organization_id).where(Membership.user_id == user.id))
        _token, secret = issue_token(user, "bench/topology.py", expires_in_days=1)
        db.session.commit()
        return organization_id, secret


def index_corpus(app):
    """Reindex listings and organisations when the cluster holds fewer listings than the database's public ones."""
    from app.indexing import search_engine
    from app.indexing.reindex import public_ids, reindex

    with app.app_context():
        if search_engine().count("listings") < len(public_ids("listings")):
            started = time.perf_counter()
            for kind in ("organizations", "listings"):
                reindex(kind)
            print(f"indexed the corpus into the cluster in {time.perf_counter() - started:.1f} s")


def probe_word(run, n):
    """A word no other listing has, letters only (the analysers split letters from digits): run tag + n in base 26."""
    letters = ""
    for _ in range(4):
        n, digit = divmod(n, 26)
        letters = string.ascii_lowercase[digit] + letters
    return f"zq{run}{letters}"


class Recorder:
    """Every answer: (kind, seconds since the start, status (0: no answer), milliseconds)."""

    def __init__(self):
        self.started = time.monotonic()
        self.answers = []
        self.events = []  # (seconds, what happened)
        self.no_answer = Counter()  # (kind, why) of the requests without an answer
        self.lock = threading.Lock()

    def now(self):
        return time.monotonic() - self.started

    def answer(self, kind, began, status):
        with self.lock:
            self.answers.append((kind, began - self.started, status, (time.monotonic() - began) * 1000))

    def event(self, text):
        with self.lock:
            self.events.append((self.now(), text))
        print(f"  [{self.now():6.1f} s] {text}", flush=True)


def paced(rate, until, step):
    """Call step() `rate` times a second until `until` (a monotonic time); late calls are not made up in a burst."""
    interval, next_at = 1 / rate, time.monotonic()
    while next_at < until:
        step()
        next_at = max(next_at + interval, time.monotonic() - interval)
        time.sleep(max(0.0, next_at - time.monotonic()))


def request(session, recorder, kind, method, url, **kwargs):
    began = time.monotonic()
    try:
        response = session.request(method, url, timeout=60, **kwargs)
    except requests.RequestException as error:
        recorder.answer(kind, began, 0)
        recorder.no_answer[(kind, type(error).__name__)] += 1
        return None
    recorder.answer(kind, began, response.status_code)
    return response


def searcher(recorder, mix, rate, until, seed):
    session, rng = requests.Session(), random.Random(seed)
    paced(rate, until, lambda: request(session, recorder, "search", "GET", f"{BASE}/api/v1/search/listings",
                                       params=rng.choice(mix)))


def writer(recorder, organization_id, secret, run, numbers, rate, until, written, unanswered, replayed):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {secret}"

    def write():
        n = next(numbers)
        word = probe_word(run, n)
        # One key per listing, sent again with each retry: however many times it is sent, the listing is made once.
        key = str(uuid.uuid4())
        for attempt in range(WRITE_TRIES):
            if attempt:
                recorder.event(f"listing {word}: retry {attempt} with the same key")
                time.sleep(0.5)
            response = request(session, recorder, "write", "POST", f"{BASE}/api/v1/listings",
                               headers={"Idempotency-Key": key}, json={
                "organization_id": organization_id, "title": f"Kenyan black tea {word}", "cpv_code": PROBE_CPV,
                "description": "Orthodox black tea from the cooperative's factory, in 50 kg sacks.", "status": "active",
                "price": {"amount": "4.75", "currency": "EUR"}, "unit": "kg", "delivery_countries": ["KE", "GB"]})
            if response is not None and response.status_code < 500 and response.status_code != 409:
                break
        if response is not None and response.status_code == 201:
            written.append((response.json()["id"], word))
            if response.headers.get("Idempotent-Replayed") == "true":
                replayed.append(word)
        else:
            unanswered.append(word)

    paced(rate, until, write)


def webhook_sender(recorder, items, secret, rate, until):
    session = requests.Session()
    bodies = iter([body for item in items for body in item])  # a refund and the payment it refunds stay in order

    def send(body=None):
        body = body or next(bodies, None)
        if body is None:
            return
        request(session, recorder, "webhook", "POST", f"{BASE}/payments/stripe/webhook", data=body,
                headers={"Stripe-Signature": sign(body, secret), "Content-Type": "application/json"})

    paced(rate, until, send)
    for body in bodies:  # whatever the pace left: every event is delivered
        send(body)


def listings_primary_node(prefix):
    """The number (1..3) of the node holding the primary shard of the listings index."""
    for node in NODES:
        try:
            shards = requests.get(f"{node}/_cat/shards/{prefix}-listings", params={"format": "json", "h": "prirep,node"},
                                  timeout=5).json()
        except requests.RequestException:
            continue
        return next(int(s["node"].rsplit("-", 1)[1]) for s in shards if s["prirep"] == "p")
    raise SystemExit("no OpenSearch node of the topology answers")


def cluster_health():
    """'green, 3 nodes' from the first node that answers."""
    for node in NODES:
        try:
            health = requests.get(f"{node}/_cluster/health", timeout=2).json()
        except requests.RequestException:
            continue
        return f"cluster {health['status']}, {health['number_of_nodes']} nodes"
    return "no node answers"


def topology(recorder, *arguments):
    recorder.event(f"scripts/topology.sh {' '.join(arguments)}")
    done = subprocess.run([str(SCRIPT), *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        recorder.event(f"  failed: {done.stderr.strip()[-300:]}")
    return done


def chaos(recorder, seconds, node):
    """The schedule of losses and returns."""
    schedule = ((0.20, ("kill", f"search-{node}")), (0.35, ("kill", "app-1")), (0.55, ("start", "app-1")),
                (0.70, ("start", "search")))
    for fraction, arguments in schedule:
        time.sleep(max(0.0, fraction * seconds - recorder.now()))
        topology(recorder, *arguments)
        if arguments[0] == "start":
            recorder.event(f"  {arguments[1]} back ({cluster_health()})")
        else:
            time.sleep(3)
            recorder.event(f"  {arguments[1]} lost 3 s ago ({cluster_health()})")


def outbox_backlog(app):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.indexing.models import SearchOutbox

    with app.app_context():
        counts = dict(db.session.execute(select(SearchOutbox.parked_at.is_(None), func.count())
                                         .group_by(SearchOutbox.parked_at.is_(None))).all())
        db.session.remove()
    return counts.get(True, 0), counts.get(False, 0)


def found_by_search(session, listing_id, word):
    answer = session.get(f"{BASE}/api/v1/search/listings", params={"q": word, "per_page": 50}, timeout=30)
    return answer.status_code == 200 and any(item["id"] == listing_id for item in answer.json()["items"])


def check_writes(app, written, limit=180):
    """(seconds the outbox took to drain, parked rows, ids not found by the search API)."""
    started = time.monotonic()
    while outbox_backlog(app)[0] and time.monotonic() - started < limit:
        time.sleep(1)
    drained = time.monotonic() - started
    time.sleep(2)  # the index's refresh interval is 1 s
    session, missing = requests.Session(), []
    for listing_id, word in written:
        if not found_by_search(session, listing_id, word):
            missing.append((listing_id, word))
    if missing:  # a second look, later: written but not yet visible is not lost
        time.sleep(10)
        missing = [(i, w) for i, w in missing if not found_by_search(session, i, w)]
    return drained, outbox_backlog(app)[1], missing


def written_anyway(app, words):
    """Of the listing POSTs without a 201, those whose listing is in the database (the server wrote it, then died)."""
    from sqlalchemy import select

    from app.catalog.models import Listing
    from app.extensions import db

    if not words:
        return []
    with app.app_context():
        titles = db.session.scalars(select(Listing.title).where(Listing.title.in_([f"Kenyan black tea {w}" for w in words]))).all()
        db.session.remove()
    return titles


def duplicated(app, words):
    """The words of the run with more than one listing (a POST whose effect was made twice)."""
    from sqlalchemy import func, select

    from app.catalog.models import Listing
    from app.extensions import db

    titles = [f"Kenyan black tea {w}" for w in words]
    with app.app_context():
        twice = db.session.scalars(select(Listing.title).where(Listing.title.in_(titles)).group_by(Listing.title)
                                   .having(func.count() > 1)).all() if titles else []
        db.session.remove()
    return twice


def exact_totals(app, campaign, limit=60):
    """bench/webhooks.py's exactness check, repeated for up to `limit` s (an inbox applies events after answering)."""
    started = time.monotonic()
    while True:
        expected, differences = check_exact(app, *campaign)
        if not differences or time.monotonic() - started > limit:
            return expected, differences
        time.sleep(2)


def rss_mb(pid):
    """Resident memory of a process and its children, in MB."""
    total = 0
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for each in [pid, *(children.read_text().split() if children.exists() else [])]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return total / 1024


def memory():
    """{process name: (pid, MB)} of every process of the topology (gunicorn's master with its workers)."""
    sizes = {}
    pid_files = sorted((TOPOLOGY / "run").glob("*.pid")) + sorted((TOPOLOGY / "opensearch").glob("node-*.pid"))
    for path in pid_files:
        pid = path.read_text().strip()
        if pid.isdigit() and Path(f"/proc/{pid}").exists():
            sizes[path.stem.replace("node-", "opensearch node-")] = (pid, rss_mb(pid))
    return sizes


def nginx_passes(offset):
    """(answers logged, answers for which nginx tried a second app server) in nginx's access log after `offset`."""
    with open(TOPOLOGY / "nginx/logs/access.log", "rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    return len(lines), [line for line in lines if "," in (re.search(r"upstream=(.*?) status=", line) or [""])[0]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120, help="length of the run")
    parser.add_argument("--listings", type=int, default=20_000, help="listings in the database to search")
    parser.add_argument("--events", type=int, default=1_200, help="donations paid by webhooks during the run")
    parser.add_argument("--search-rate", type=float, default=16, help="searches a second (two client threads)")
    parser.add_argument("--write-rate", type=float, default=6, help="listing writes a second (two client threads)")
    args = parser.parse_args()

    env = topology_environment()
    prepare_database(env, args.listings, reset=False)  # also makes this process's environment the topology's
    from app import create_app

    app = create_app()
    index_corpus(app)
    organization_id, token = seller_token(app)
    mix = search_mix(app, 2000, seed=3)
    seed = int(time.time())
    campaign_id, pledge_id, cap_total, donations = prepare_run_campaign(app, args.events, seed, "topology")
    items, refunded = plan_deliveries(donations, seed)
    event_ids = {json.loads(body)["id"] for bodies in items for body in bodies}
    deliveries = sum(len(bodies) for bodies in items)
    node = listings_primary_node(env["SEARCH_INDEX_PREFIX"])
    run = "".join(random.Random(seed).choices(string.ascii_lowercase, k=4))
    log_offset = (TOPOLOGY / "nginx/logs/access.log").stat().st_size
    memory_before = memory()

    print(f"\n{args.seconds:.0f} s through nginx ({BASE}): searches {args.search_rate:g}/s, listing writes "
          f"{args.write_rate:g}/s, {deliveries:,} webhook deliveries ({len(donations):,} donations); the listings' "
          f"primary shard is on node-{node}")
    recorder = Recorder()
    until = time.monotonic() + args.seconds
    written, unanswered, replayed, numbers = [], [], [], iter(range(10**6))
    halves = (items[0::2], items[1::2])
    threads = [threading.Thread(target=searcher, args=(recorder, mix, args.search_rate / 2, until, k)) for k in (1, 2)]
    threads += [threading.Thread(target=writer, args=(recorder, organization_id, token, run, numbers, args.write_rate / 2,
                                                      until, written, unanswered, replayed)) for _ in (1, 2)]
    threads += [threading.Thread(target=webhook_sender, args=(recorder, half, env["STRIPE_WEBHOOK_SECRET"],
                                                              deliveries / args.seconds / 1.8, until)) for half in halves]
    threads.append(threading.Thread(target=chaos, args=(recorder, args.seconds, node)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorder.event("load over")
    logged, passed = nginx_passes(log_offset)

    drained, parked, missing = check_writes(app, written)
    ghosts = written_anyway(app, unanswered)
    twice = duplicated(app, [word for _id, word in written] + unanswered)
    expected, differences = exact_totals(app, (campaign_id, pledge_id, cap_total, donations, refunded, event_ids))
    memory_after = memory()

    answers = recorder.answers
    print("\nanswers from nginx (target: none failed: a 5xx or no answer)")
    print(f"  {'':8} {'answers':>8} {'failed':>7}  {'by status':32} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>8}")
    failed_total = 0
    for kind in ("search", "write", "webhook"):
        mine = [a for a in answers if a[0] == kind]
        statuses = Counter(status for _k, _t, status, _ms in mine)
        failed = sum(n for status, n in statuses.items() if status == 0 or status >= 500)
        failed_total += failed
        latencies = [ms for *_rest, ms in mine] or [0]
        shown = ", ".join(f"{status or 'no answer'}: {n}" for status, n in sorted(statuses.items()))
        print(f"  {kind:8} {len(mine):8} {failed:7}  {shown:32} {statistics.median(latencies):7.1f} "
              f"{percentile(latencies, 0.95):7.1f} {max(latencies):8.1f}")
    for (kind, why), count in sorted(recorder.no_answer.items()):
        # nginx sends an answer's headers on as soon as it has them: a server that dies in the body cannot be replaced.
        print(f"  {kind}: {count} without an answer ({why}; nginx's error.log says why)")
    # A GET, a webhook and a POST with an Idempotency-Key (the listings) are passed on also when the first server died
    # with them in flight; a POST without a key only if the first server refused the connection (it never received it).
    kinds = Counter("webhook" if "/payments/stripe/webhook" in line else line.split('"')[1].split()[0] for line in passed)
    print(f"  nginx logged {logged:,} answers; it passed {len(passed)} on to the other app server "
          f"({', '.join(f'{kind} {n}' for kind, n in sorted(kinds.items()))})")

    print("\ntimeline (answers ok / failed in each 10 s)")
    buckets = defaultdict(Counter)
    for kind, at, status, _ms in answers:
        buckets[int(at // 10)][(kind, status == 0 or status >= 500)] += 1
    happened = defaultdict(list)
    for at, text in recorder.events:
        happened[int(at // 10)].append(f"{at:.0f} s {text.strip()}")
    for bucket in sorted(buckets):
        counts = buckets[bucket]
        cells = "  ".join(f"{kind} {counts[(kind, False)]:4}/{counts[(kind, True)]:<3}" for kind in ("search", "write", "webhook"))
        print(f"  {bucket * 10:4}-{bucket * 10 + 10:<4} s  {cells}  {'; '.join(happened[bucket])}")

    print(f"\nlost writes: {len(written):,} listings answered 201; outbox drained {drained:.1f} s after the load, "
          f"{parked} rows parked; {len(missing)} not found by the search API (target 0)")
    for listing_id, word in missing[:10]:
        print(f"    listing {listing_id} ({word}) not found")
    if unanswered:
        print(f"  {len(unanswered)} listing POSTs without a 201 after {WRITE_TRIES} tries: {len(ghosts)} of them were "
              f"written all the same")
    print(f"duplicates: {len(twice)} listings written twice for one POST (target 0); {len(replayed)} answers replayed "
          f"from a kept Idempotency-Key (a POST that nginx or the writer sent again after its first server committed it)")
    for title in twice[:10]:
        print(f"    {title}")

    print(f"\ntotals: raised {expected['raised']}, matched {expected['matched']} (cap {cap_total}), refunded "
          f"{expected['refunded']}, donors {expected['donors_count']}: " + ("exact" if not differences else "NOT EXACT"))
    for line in differences:
        print(f"    {line}")

    print("\nresident memory, MB (before the run -> after)")
    for name in sorted(set(memory_before) | set(memory_after)):
        (pid_before, before), (pid_after, after) = memory_before.get(name, (0, 0)), memory_after.get(name, (0, 0))
        print(f"  {name:22} {before:7.0f} -> {after:7.0f}{'  (a new process: restarted)' if pid_before != pid_after else ''}")

    ok = failed_total == 0 and not missing and not twice and not differences
    print("\nresult: " + ("no failed answer, no lost write, no duplicate, totals exact" if ok else "TARGETS MISSED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
