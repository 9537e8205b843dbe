"""Stripe webhook throughput with exact totals, and the campaign page with 10,000 donations (PostgreSQL, gunicorn).

Prints:
1. p50/p95 of the campaign page GET /campaigns/{id} for a live keep-it-all campaign of 10,000 paid donations (with their
   ledger entries, a 1:1 match pledge whose cap was reached, budget lines and updates), one client, after a warm-up.
   Target: p95 <= 30 ms. GET /api/v1/campaigns/{id} and GET /api/v1/campaigns/{id}/ledger (first page) for information.
2. webhook throughput: `--events` pending donations of a fresh campaign (one per run, with a 1:1 match pledge whose
   total cap is reached about halfway through the run) paid by signed `payment_intent.succeeded` and
   `checkout.session.completed` events posted to POST /payments/stripe/webhook from `--concurrency` client threads,
   with ~5% replays of events already sent and ~1% refunds delivered before the payment they refund (out of order).
   Every delivery counts toward events/s. Target: >= 200 events/s, every delivery answered 200. Also the CPU one
   delivery costs the gunicorn workers, their PostgreSQL backends and the client (from /proc): on a small or shared
   machine the rate is bounded by CPUs / that sum. The server's log goes to $TMPDIR/coopex-webhooks-bench-gunicorn.log.
3. the exactness check after the run: the campaign's raised, matched, refunded and donors count, the pledge's matched
   amount (= min(cap total, sum of min(amount, cap per donation)) over the donations kept: with factor 1 the total is
   the same in any order), the ledger's sums, one donation entry per donation, every event id recorded once.
   Prints "exact" or each difference.

Each run pays a new campaign (the previous run's is deleted first), so it can be repeated on the same database; the
page campaign is built once. Exits 1
unless the totals are exact and every delivery was answered 200 (missed latency or rate targets only print MISSED).

    scripts/postgres.sh start
    python bench/webhooks.py [--donations 10000] [--events 2000] [--concurrency 8] [--requests 300] [--workers 2] [--reset]
"""
import argparse
import contextlib
import datetime as dt
import gc
import hashlib
import hmac
import http.client
import json
import os
import queue
import random
import re
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.pages import (  # noqa: E402
    free_port,
    insert_rows,
    measure,
    migrate_with_reference_data,
    percentile,
    production_app,
    start_gunicorn,
)

DEFAULT_URL = "postgresql://coopex@127.0.0.1:5433/coopex_webhooks_bench"
SERVER_LOG = Path(tempfile.gettempdir()) / "coopex-webhooks-bench-gunicorn.log"
PAGE_TITLE = "Bench: a cold store for the valley ({donations:,} donations)"
CAP_PER_DONATION = 2_500  # EUR 25.00
STORY = """## Why

Every summer the valley's twelve growers lose **a fifth** of their soft fruit between the field and the buyer. A shared
cold store, run by the cooperative, keeps it for the days the market needs it.

## What your money does

| Line | Amount |
|---|---:|
| Cold room panels and doors | EUR 80,000 |
| Refrigeration unit | EUR 40,000 |
| Solar panels (stretch) | EUR 50,000 |

- less waste, better prices for members;
- a cold chain for the school canteens of the district;
- [the open ledger](https://example.coop/ledger) shows every euro.

> "We have grown the fruit for forty years. Now we want to sell it at its price." — a member

Thank you from all of us at the cooperative.
"""


def _campaign_row(organization_id, title, now):
    return {"organization_id": organization_id, "title": title,
            "summary": "Twelve growers, one cold store: less waste, better prices.", "story": STORY,
            "goal_minor": 50_000_000, "currency": "EUR", "deadline": now + dt.timedelta(days=30),
            "funding_model": "keep_it_all", "status": "live", "published_at": now - dt.timedelta(days=20)}


def _organizations():
    """(owner cooperative id, matching bank id), made once."""
    from sqlalchemy import select

    from app.extensions import db
    from app.orgs.models import Organization

    ids = dict(db.session.execute(select(Organization.name, Organization.id)
                                  .where(Organization.name.in_(("Bench Valley Growers", "Bench Cooperative Bank")))).all())
    if len(ids) < 2:
        owner, bank = insert_rows(Organization, [
            {"name": "Bench Valley Growers", "legal_form": "cooperative", "size": "small", "country_code": "FR",
             "sector": "agriculture", "description": "", "verification_status": "verified"},
            {"name": "Bench Cooperative Bank", "legal_form": "cooperative_bank", "size": "large", "country_code": "FR",
             "sector": "banking", "description": "", "verification_status": "verified"},
        ], returning=Organization.id)
        return owner, bank
    return ids["Bench Valley Growers"], ids["Bench Cooperative Bank"]


def prepare_page_campaign(app, donations, reset):
    """A live campaign with `donations` paid donations, their donation and match ledger entries, and running figures
    equal to the ledger's sums (as app.campaigns.funds would have left them). Returns its id."""
    from sqlalchemy import select, update

    from app.campaigns.funds import match_amount
    from app.campaigns.models import BudgetLine, Campaign, CampaignUpdate, Donation, LedgerEntry, MatchPledge, campaign_sdgs
    from app.extensions import db
    from app.models_base import utcnow

    with app.app_context():
        migrate_with_reference_data(reset)
        title = PAGE_TITLE.format(donations=donations)
        campaign_id = db.session.scalar(select(Campaign.id).where(Campaign.title == title))
        if campaign_id is not None:
            return campaign_id
        started, rng, now = time.perf_counter(), random.Random(5), utcnow()
        owner, bank = _organizations()
        campaign_id = insert_rows(Campaign, [_campaign_row(owner, title, now)], returning=Campaign.id)[0]
        db.session.execute(campaign_sdgs.insert(), [{"campaign_id": campaign_id, "sdg_number": n} for n in (2, 12)])
        insert_rows(BudgetLine, [{"campaign_id": campaign_id, "position": n, "title": t, "amount_minor": a, "required": r}
                             for n, (t, a, r) in enumerate((("Cold room panels and doors", 8_000_000, True),
                                                            ("Refrigeration unit", 4_000_000, True),
                                                            ("Solar panels", 5_000_000, False)), start=1)])
        insert_rows(CampaignUpdate, [{"campaign_id": campaign_id, "title": f"Week {n}: the works",
                                  "body": f"The panels are **in** (week {n}). Next: the doors and the [unit](https://example.coop).",
                                  "created_at": now - dt.timedelta(days=20 - 5 * n)} for n in range(1, 4)])
        amounts = [rng.randrange(500, 10_001) for _ in range(donations)]
        cap_total = sum(min(a, CAP_PER_DONATION) for a in amounts) * 3 // 5  # reached 60% of the way through
        pledge_id = insert_rows(MatchPledge, [{"campaign_id": campaign_id, "organization_id": bank, "factor_percent": 100,
                                           "cap_per_donation_minor": CAP_PER_DONATION, "cap_total_minor": cap_total,
                                           "status": "active", "paid_minor": cap_total}],  # its pool paid
                            returning=MatchPledge.id)[0]
        paid = sorted(now - dt.timedelta(seconds=rng.randrange(20 * 86_400)) for _ in range(donations))
        rows = []
        for n, (amount, paid_at) in enumerate(zip(amounts, paid, strict=True)):
            rows.append({"campaign_id": campaign_id, "amount_minor": amount, "currency": "EUR",
                         "email": f"donor{n}@example.org", "name": f"Donor {n}", "anonymous": rng.random() < 0.1,
                         "message": "Good luck with the cold store!" if rng.random() < 0.2 else "", "status": "succeeded",
                         "receipt_token": secrets.token_urlsafe(32), "payment_intent_id": f"pi_bench_{uuid.uuid4().hex[:16]}",
                         "created_at": paid_at - dt.timedelta(minutes=3), "paid_at": paid_at})
        donation_ids = insert_rows(Donation, rows, returning=Donation.id)
        entries, room, matched = [], cap_total, 0
        for donation_id, row in zip(donation_ids, rows, strict=True):
            name = "Anonymous" if row["anonymous"] else row["name"]
            entries.append({"campaign_id": campaign_id, "kind": "donation", "amount_minor": row["amount_minor"],
                            "currency": "EUR", "donation_id": donation_id, "description": f"Donation from {name}",
                            "stripe_reference": row["payment_intent_id"], "created_at": row["paid_at"]})
            match = match_amount(row["amount_minor"], 100, CAP_PER_DONATION, room)
            if match:
                room, matched = room - match, matched + match
                entries.append({"campaign_id": campaign_id, "kind": "match", "amount_minor": match, "currency": "EUR",
                                "donation_id": donation_id, "match_pledge_id": pledge_id,
                                "description": "Matched by Bench Cooperative Bank", "created_at": row["paid_at"]})
        insert_rows(LedgerEntry, entries)
        db.session.execute(update(MatchPledge).where(MatchPledge.id == pledge_id).values(matched_minor=matched))
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(
            raised_minor=sum(amounts), matched_minor=matched, donors_count=donations))
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        print(f"loaded a campaign of {donations:,} donations ({len(entries):,} ledger entries) "
              f"in {time.perf_counter() - started:.1f} s")
        return campaign_id


def prepare_run_campaign(app, events, seed):
    """A fresh live campaign with `events` pending donations and a 1:1 match pledge whose total cap is reached about
    halfway through. Returns (campaign id, pledge id, cap total, [(donation id, amount)]).

    Earlier runs' campaigns (their donations, pledges and ledger entries go with them) and events are removed first, so
    the page is always measured over the same tables: the page campaign's donations and this run's pending ones."""
    from sqlalchemy import delete

    from app.campaigns.models import Campaign, Donation, MatchPledge
    from app.extensions import db
    from app.models_base import utcnow
    from app.payments.models import StripeEvent

    with app.app_context():
        db.session.execute(delete(Campaign).where(Campaign.title.like("Bench: webhooks run %")))
        db.session.execute(delete(StripeEvent))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(db.text("VACUUM ANALYZE donations, ledger_entries, match_pledges, campaigns, stripe_events"))
        rng, now = random.Random(seed), utcnow()
        owner, bank = _organizations()
        campaign_id = insert_rows(Campaign, [_campaign_row(owner, f"Bench: webhooks run {now:%Y-%m-%d %H:%M:%S}", now)],
                              returning=Campaign.id)[0]
        amounts = [rng.randrange(500, 10_001) for _ in range(events)]
        cap_total = sum(min(a, CAP_PER_DONATION) for a in amounts) // 2
        pledge_id = insert_rows(MatchPledge, [{"campaign_id": campaign_id, "organization_id": bank, "factor_percent": 100,
                                           "cap_per_donation_minor": CAP_PER_DONATION, "cap_total_minor": cap_total,
                                           "status": "active", "paid_minor": cap_total}],  # its pool paid
                            returning=MatchPledge.id)[0]
        donation_ids = insert_rows(Donation, [{
            "campaign_id": campaign_id, "amount_minor": a, "currency": "EUR", "email": f"payer{n}@example.org",
            "name": f"Payer {n}", "anonymous": False, "message": "", "status": "pending",
            "receipt_token": secrets.token_urlsafe(32), "checkout_session_id": f"cs_test_{uuid.uuid4().hex[:16]}",
            "created_at": now} for n, a in enumerate(amounts)], returning=Donation.id)
        db.session.commit()
        db.session.execute(db.text("ANALYZE donations"))
        db.session.commit()
        return campaign_id, pledge_id, cap_total, list(zip(donation_ids, amounts, strict=True))


# Stripe's side: events built and signed as Stripe does --------------------------------------------------------------------


def _event(event_type, obj):
    return {"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2026-08-26.dahlia",
            "created": int(time.time()), "type": event_type, "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, "data": {"object": obj}}


def _paid(donation_id, amount, checkout):
    payment_intent = f"pi_{uuid.uuid4().hex[:16]}"
    metadata = {"donation_id": str(donation_id)}
    if checkout:
        return _event("checkout.session.completed", {
            "id": f"cs_test_{uuid.uuid4().hex[:16]}", "object": "checkout.session", "mode": "payment", "metadata": metadata,
            "client_reference_id": str(donation_id), "status": "complete", "payment_status": "paid",
            "amount_total": amount, "currency": "eur", "payment_intent": payment_intent})
    return _event("payment_intent.succeeded", {
        "id": payment_intent, "object": "payment_intent", "amount": amount, "amount_received": amount, "currency": "eur",
        "status": "succeeded", "metadata": metadata})


def _refunded(donation_id, amount):
    return _event("charge.refunded", {
        "id": f"ch_{uuid.uuid4().hex[:16]}", "object": "charge", "amount": amount, "amount_refunded": amount,
        "status": "succeeded", "paid": True, "currency": "eur", "refunded": True, "payment_intent": f"pi_{uuid.uuid4().hex[:16]}",
        "metadata": {"donation_id": str(donation_id)},
        "refunds": {"object": "list", "data": [{"id": f"re_{uuid.uuid4().hex[:16]}", "object": "refund"}]}})


def plan_deliveries(donations, seed, replay_share=0.05, refund_share=0.01):
    """Work items, each a list of JSON bodies one client thread sends in order: a payment; for ~1% of the donations the
    refund first, then the payment it refunds (out of order, guaranteed by sending both from one thread); and ~5%
    replays of payments already queued, placed later in the queue (they may race their original)."""
    rng = random.Random(seed)
    refunded = set(rng.sample([d for d, _a in donations], max(1, int(len(donations) * refund_share))))
    items = []
    for position, (donation_id, amount) in enumerate(donations):
        payment = json.dumps(_paid(donation_id, amount, checkout=position % 2 == 1)).encode()
        if donation_id in refunded:
            items.append((position, [json.dumps(_refunded(donation_id, amount)).encode(), payment]))
        else:
            items.append((position, [payment]))
    rng.shuffle(items)
    keyed = [(float(k), bodies) for k, (_p, bodies) in enumerate(items)]
    for k in rng.sample(range(len(items)), int(len(items) * replay_share)):
        keyed.append((rng.uniform(k + 1, len(items)), [keyed[k][1][-1]]))
    keyed.sort(key=lambda pair: pair[0])
    return [bodies for _k, bodies in keyed], refunded


def sign(payload, secret):
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def deliver(url, items, secret, concurrency):
    """Posts every item's bodies from `concurrency` threads (signed at send time; one connection per delivery, as
    gunicorn's sync workers close each one — and as Stripe's deliveries come). http.client rather than requests: the
    client shares the machine's 2 cores with the server, and costs a quarter of the CPU this way.
    Returns (seconds, [(status, outcome, ms)])."""
    work = queue.SimpleQueue()
    for item in items:
        work.put(item)
    results, lock, start = [], threading.Lock(), threading.Barrier(concurrency + 1)
    address = urlparse(url)

    def post(body):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            connection.request("POST", address.path, body=body, headers={
                "Stripe-Signature": sign(body, secret), "Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def client():
        mine = []
        start.wait()
        while True:
            try:
                bodies = work.get_nowait()
            except queue.Empty:
                break
            for body in bodies:
                began = time.perf_counter()
                status, answer = post(body)
                ms = (time.perf_counter() - began) * 1000
                try:
                    answer = json.loads(answer)
                    outcome = answer.get("outcome") or answer.get("error", {}).get("code")
                except ValueError:
                    outcome = answer[:80].decode(errors="replace")
                mine.append((status, outcome, ms))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, results


@contextlib.contextmanager
def stderr_to(path):
    """Processes started inside inherit `path` as their stderr (the server's tracebacks go there, not to the figures)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "w") as log:
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def server_errors(path):
    """The most frequent exception lines of the server's log: [(count, line)]."""
    pattern = re.compile(r"^[\w.]+(Error|Exception|Violation|Unavailable)\b.*")
    lines = (line.strip() for line in path.read_text(errors="replace").splitlines())
    return [(n, line[:220]) for line, n in Counter(line for line in lines if pattern.match(line)).most_common(3)]


def cpu_seconds(pids):
    """User + system CPU seconds used so far by these processes (from /proc; 0 for any that is gone)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def server_processes(master_pid, app):
    """(gunicorn worker pids, PostgreSQL backend pids serving this database), to account the CPU an event costs."""
    from sqlalchemy import text

    from app.extensions import db

    workers = [int(p) for p in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()]
    with app.app_context():
        backends = db.session.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                           "AND pid <> pg_backend_pid()")).all()
        db.session.remove()
    return workers, backends


def check_exact(app, campaign_id, pledge_id, cap_total, donations, refunded, event_ids):
    """The differences between what the database says and what the donations paid must give (empty: exact)."""
    from sqlalchemy import func, select

    from app.campaigns.models import Campaign, Donation, LedgerEntry, MatchPledge
    from app.extensions import db
    from app.payments.models import StripeEvent

    amount_of = dict(donations)
    kept = [a for d, a in donations if d not in refunded]
    expected = {
        "raised": sum(amount_of.values()),  # a refunded donation was paid first (the refund says so), then given back
        "refunded": sum(amount_of[d] for d in refunded),
        "donors_count": len(kept),
        "matched": min(cap_total, sum(min(a, CAP_PER_DONATION) for a in kept)),
    }
    differences = []
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        pledge = db.session.get(MatchPledge, pledge_id)
        actual = {"raised": campaign.raised_minor, "refunded": campaign.refunded_minor,
                  "donors_count": campaign.donors_count, "matched": campaign.matched_minor}
        for name, value in expected.items():
            if actual[name] != value:
                differences.append(f"campaign {name}: {actual[name]} in the database, {value} expected")
        if pledge.matched_minor != expected["matched"]:
            differences.append(f"pledge matched: {pledge.matched_minor}, {expected['matched']} expected")
        if pledge.matched_minor > cap_total:
            differences.append(f"pledge matched {pledge.matched_minor} over its cap {cap_total}")
        sums = dict(db.session.execute(select(LedgerEntry.kind, func.sum(LedgerEntry.amount_minor))
                                       .where(LedgerEntry.campaign_id == campaign_id).group_by(LedgerEntry.kind)).all())
        refund_of_donations = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.campaign_id == campaign_id, LedgerEntry.kind == "refund", LedgerEntry.match_pledge_id.is_(None)))
        matches_given_back = (sums.get("refund") or 0) - refund_of_donations
        ledger = {"raised": sums.get("donation") or 0, "refunded": -refund_of_donations,
                  "matched": (sums.get("match") or 0) + matches_given_back}
        for name, value in ledger.items():
            if value != expected[name]:
                differences.append(f"ledger {name}: {value}, {expected[name]} expected")
        balance = sum(int(v) for v in sums.values())
        if balance != expected["raised"] - expected["refunded"] + expected["matched"]:
            differences.append(f"ledger balance {balance} is not raised - refunded + matched")
        per_donation = db.session.execute(select(LedgerEntry.donation_id, func.count()).where(
            LedgerEntry.campaign_id == campaign_id, LedgerEntry.kind == "donation").group_by(LedgerEntry.donation_id)).all()
        twice = [d for d, n in per_donation if n != 1]
        if twice or len(per_donation) != len(donations):
            differences.append(f"donation entries: {len(per_donation)} donations counted ({len(twice)} more than once), "
                               f"{len(donations)} expected")
        over = db.session.scalar(select(func.count()).select_from(LedgerEntry).join(
            Donation, Donation.id == LedgerEntry.donation_id).where(
            LedgerEntry.campaign_id == campaign_id, LedgerEntry.kind == "match",
            LedgerEntry.amount_minor > func.least(Donation.amount_minor, CAP_PER_DONATION)))
        if over:
            differences.append(f"{over} matches over the cap per donation")
        statuses = dict(db.session.execute(select(Donation.status, func.count()).where(
            Donation.campaign_id == campaign_id).group_by(Donation.status)).all())
        if statuses != {"succeeded": len(kept), "refunded": len(refunded)}:
            differences.append(f"donation statuses {statuses}, expected {len(kept)} succeeded and {len(refunded)} refunded")
        recorded = Counter()
        ids = list(event_ids)
        for start in range(0, len(ids), 1000):
            recorded.update(db.session.execute(select(StripeEvent.outcome).where(
                StripeEvent.id.in_(ids[start:start + 1000]))).scalars())
        if sum(recorded.values()) != len(ids):
            differences.append(f"{sum(recorded.values())} events recorded, {len(ids)} sent")
        if recorded.get("applying"):
            differences.append(f"{recorded['applying']} events recorded but never applied")
    return expected, differences


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_WEBHOOKS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--donations", type=int, default=10_000, help="paid donations of the page campaign")
    parser.add_argument("--events", type=int, default=2_000, help="donations paid by webhooks during the run")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads posting webhooks")
    parser.add_argument("--requests", type=int, default=300, help="requests per page measured")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--reset", action="store_true", help="drop and rebuild the bench database")
    args = parser.parse_args()

    app, env = production_app(args.database_url)
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    page_campaign = prepare_page_campaign(app, args.donations, args.reset)
    seed = int(time.time())
    run_campaign, pledge_id, cap_total, donations = prepare_run_campaign(app, args.events, seed)
    items, refunded = plan_deliveries(donations, seed)
    event_ids = {json.loads(body)["id"] for bodies in items for body in bodies}
    gc.freeze()

    port = free_port()
    with stderr_to(SERVER_LOG):
        server = start_gunicorn(env, port, args.workers)
    base, session = f"http://127.0.0.1:{port}", requests.Session()
    try:
        pages = {}
        for name, path in (("page /campaigns/{id}", f"/campaigns/{page_campaign}"),
                           ("GET /api/v1/campaigns/{id}", f"/api/v1/campaigns/{page_campaign}"),
                           ("GET /api/v1/campaigns/{id}/ledger", f"/api/v1/campaigns/{page_campaign}/ledger")):
            measure(session, base + path, 30)  # warm-up, both workers
            pages[name] = measure(session, base + path, args.requests)
        page = session.get(f"{base}/campaigns/{page_campaign}").text
        assert f'id="donors-count">{args.donations}<' in page, "the page does not show the donors count"
        # Every worker holds its pooled connection by now; more may open under concurrency (counted if still open).
        workers, backends = server_processes(server.pid, app)
        load_before, client_before = os.getloadavg(), os.times()
        cpu_before = {"workers": cpu_seconds(workers), "backends": cpu_seconds(backends)}
        seconds, results = deliver(f"{base}/payments/stripe/webhook", items, secret, args.concurrency)
        load_after, client_after = os.getloadavg(), os.times()
        _w, backends_after = server_processes(server.pid, app)
        cpu = {"gunicorn workers": cpu_seconds(workers) - cpu_before["workers"],
               "PostgreSQL backends": cpu_seconds(set(backends) | set(backends_after)) - cpu_before["backends"],
               "client threads": (client_after.user + client_after.system) - (client_before.user + client_before.system)}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    expected, differences = check_exact(app, run_campaign, pledge_id, cap_total, donations, refunded, event_ids)
    statuses = Counter(status for status, _o, _ms in results)
    outcomes = Counter((o or "").split(",")[0].split(":")[0] for _s, o, _ms in results)
    latencies = [ms for _s, _o, ms in results]
    rate = len(results) / seconds

    print(f"\nPostgreSQL, gunicorn {args.workers} sync workers on loopback; {os.cpu_count()} CPUs; "
          f"load average {load_before[0]:.1f} before the webhook run, {load_after[0]:.1f} after, "
          f"{os.getloadavg()[0]:.1f} now")
    print(f"campaign page with {args.donations:,} paid donations, {args.requests} requests each, one client "
          f"(target p95 <= 30 ms for the page):")
    print(f"  {'':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, values in pages.items():
        p95 = percentile(values, 0.95)
        verdict = ("ok" if p95 <= 30 else "MISSED") if name.startswith("page") else "(information)"
        print(f"  {name:34} {statistics.median(values):8.1f} {p95:8.1f} {max(values):8.1f}  {verdict}")
    print(f"webhooks: {len(results):,} deliveries ({len(donations):,} donations paid, {len(refunded)} refunds before "
          f"their payment, {len(results) - len(donations) - len(refunded)} replays) from {args.concurrency} threads "
          f"in {seconds:.2f} s")
    answered = statuses.get(200, 0)
    print(f"  {rate:.0f} events/s (target >= 200), {answered:,} of them answered 200 "
          f"{'ok' if rate >= 200 and answered == len(results) else 'MISSED'}; per delivery p50 "
          f"{statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms")
    print("  CPU per delivery: " + ", ".join(f"{name} {value / len(results) * 1000:.1f} ms" for name, value in cpu.items())
          + f"; {os.cpu_count()} CPUs at this rate give {os.cpu_count() / rate * 1000:.1f} ms of CPU per delivery")
    print(f"  HTTP statuses {dict(statuses)}; outcomes {dict(outcomes)}")
    print(f"  expected: raised {expected['raised']}, matched {expected['matched']} (cap {cap_total}), refunded "
          f"{expected['refunded']}, donors {expected['donors_count']} (minor units of EUR)")
    exact = not differences and set(statuses) == {200}
    print("  totals: " + ("exact" if exact else "NOT EXACT"))
    for line in differences:
        print(f"    {line}")
    if set(statuses) != {200}:
        print(f"    deliveries not answered 200: {len(results) - answered:,}; the server's log ({SERVER_LOG}) says:")
        for count, line in server_errors(SERVER_LOG):
            print(f"      {count:,} x {line}")
    sys.exit(0 if exact else 1)


if __name__ == "__main__":
    main()
