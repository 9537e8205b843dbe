"""Stripe webhooks through the inbox, as ratios to the insert floor measured in the same run (PostgreSQL, gunicorn).

One run measures, on one machine at one moment:
1. the insert floor: bench/floor.py's floor app (one INSERT + COMMIT of the posted JSON) under the same gunicorn, sent
   the same bodies by the same client (`--concurrency` threads, one connection per delivery, as gunicorn's sync workers
   close each one and as Stripe's deliveries come), in events/s: measured before and after the webhook run, the mean
   is the floor;
2. the accepted rate: the signed events posted to POST /payments/stripe/webhook, the product in its production
   configuration (the endpoint verifies, stores and answers; no worker runs meanwhile): events/s ÷ the floor, target
   >= 0.8, every delivery answered 200;
3. the applied rate: `--apply-workers` `flask payments apply --watch` processes started on that backlog: events/s
   (from the events' applied_at) ÷ the floor, target >= 0.5;
4. the latency: a second campaign's events sent at half the floor rate (open loop, for `--seconds`) while the workers
   run: from each event's answer to its applied_at, target 95 % within 1 s;
5. exactness, for both campaigns: raised, matched, refunded, donors, the pledge, the ledger's sums, one donation entry
   per donation, every event sent applied. Prints "exact" or each difference.

Each campaign's event mix: its pending donations (a fresh campaign each run, with a 1:1 match pledge whose total cap is
reached about halfway) paid by `payment_intent.succeeded` and `checkout.session.completed` events, with ~5 % replays of
events already sent and ~1 % refunds delivered before the payment they refund (from the same client thread).
The server's and the workers' logs go to $TMPDIR/coopex-webhooks-bench.log. bench/pages.py builds its campaign of
10,000 paid donations with `prepare_page_campaign`, kept here.

    scripts/postgres.sh start
    python bench/webhooks.py [--database-url postgresql://…] [--events 4000] [--concurrency 8] [--workers 2]
                             [--apply-workers 1] [--batch 200] [--seconds 10] [--reset]

Exits 1 unless the totals are exact and every delivery was answered 200 (a missed ratio only prints MISSED).
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
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.floor import floor_server  # noqa: E402
from bench.pages import (  # noqa: E402
    free_port,
    insert_rows,
    migrate_with_reference_data,
    percentile,
    production_app,
    start_gunicorn,
)

DEFAULT_URL = "postgresql://coopex@127.0.0.1:5433/coopex_webhooks_bench"
SERVER_LOG = Path(tempfile.gettempdir()) / "coopex-webhooks-bench.log"
PAGE_TITLE = "Bench: a cold store for the valley ({donations:,} donations)"
CAP_PER_DONATION = 2_500  # EUR 25.00
TARGETS = {"accepted": 0.8, "applied": 0.5}
#: The latency target: this share of the events applied within LATENCY_SECONDS of their answer.
LATENCY_SHARE, LATENCY_SECONDS = 0.95, 1.0
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


def clear_earlier_runs(app):
    """Earlier runs' campaigns (their donations, pledges and ledger entries go with them) and events, so that every run
    measures the same tables."""
    from sqlalchemy import delete

    from app.campaigns.models import Campaign
    from app.extensions import db
    from app.payments.models import StripeEvent

    with app.app_context():
        migrate_with_reference_data(reset=False)
        db.session.execute(delete(Campaign).where(Campaign.title.like("Bench: webhooks run %")))
        db.session.execute(delete(StripeEvent))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(db.text("VACUUM ANALYZE donations, ledger_entries, match_pledges, campaigns, stripe_events"))


def prepare_run_campaign(app, events, seed, label):
    """A fresh live campaign with `events` pending donations and a 1:1 match pledge whose total cap is reached about
    halfway. Returns (campaign id, pledge id, cap total, [(donation id, amount)])."""
    from app.campaigns.models import Campaign, Donation, MatchPledge
    from app.extensions import db
    from app.models_base import utcnow

    with app.app_context():
        rng, now = random.Random(seed), utcnow()
        owner, bank = _organizations()
        campaign_id = insert_rows(Campaign, [_campaign_row(owner, f"Bench: webhooks run {now:%Y-%m-%d %H:%M:%S} ({label})",
                                                           now)], returning=Campaign.id)[0]
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


def post_all(url, items, concurrency, secret, pace=None):
    """Post every item's bodies from `concurrency` threads, one connection per delivery, each signed at send time (the
    floor ignores the signature: both pay for it). With `pace` (items/s), item k waits until k / pace s after the start:
    an open loop, as Stripe sends. Returns (seconds, [(status, answer, time.time() of the answer, body)])."""
    work = queue.SimpleQueue()
    for index, item in enumerate(items):
        work.put((index, item))
    results, lock, start = [], threading.Lock(), threading.Barrier(concurrency + 1)
    address = urlparse(url)
    began = 0.0

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
                index, bodies = work.get_nowait()
            except queue.Empty:
                break
            if pace is not None and (delay := began + index / pace - time.perf_counter()) > 0:
                time.sleep(delay)
            for body in bodies:
                status, answer = post(body)
                try:
                    answer = json.loads(answer)
                except ValueError:
                    answer = {"error": {"code": answer[:80].decode(errors="replace")}}
                mine.append((status, answer, time.time(), body))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, results


def floor_rate(env, items, concurrency, workers):
    """Events/s of the floor app's one INSERT + COMMIT, the same bodies posted by the same client."""
    with floor_server(env, workers) as floor:
        post_all(f"{floor.base}/floor", items[:50], concurrency, "whsec_floor")  # warm-up
        seconds, results = post_all(f"{floor.base}/floor", items, concurrency, "whsec_floor")
    assert {status for status, *_rest in results} == {201}, Counter(status for status, *_rest in results)
    return len(results) / seconds


def start_apply_workers(env, count, batch):
    """`flask payments apply --watch` processes, as production runs them."""
    return [subprocess.Popen([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "payments", "apply", "--watch",
                              "--interval", "0.05", "--batch", str(batch)], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL) for _ in range(count)]


def stop(processes):
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=30)


def wait_until_applied(app, seconds=600):
    """Wait until no stored event waits to be applied."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.payments.models import StripeEvent

    deadline = time.monotonic() + seconds
    with app.app_context():
        while db.session.scalar(select(func.count()).select_from(StripeEvent).where(StripeEvent.applied_at.is_(None))):
            db.session.rollback()
            if time.monotonic() > deadline:
                raise SystemExit(f"events still waiting after {seconds} s: is a worker failing? ({SERVER_LOG})")
            time.sleep(0.05)
        db.session.remove()


def applied_times(app, event_ids):
    """{event id: applied_at as a Unix time} of these events."""
    from sqlalchemy import select

    from app.extensions import db
    from app.payments.models import StripeEvent

    ids, times = list(event_ids), {}
    with app.app_context():
        for start in range(0, len(ids), 1000):
            times.update((event_id, applied_at.timestamp()) for event_id, applied_at in db.session.execute(
                select(StripeEvent.id, StripeEvent.applied_at).where(StripeEvent.id.in_(ids[start:start + 1000]))))
        db.session.remove()
    return times


def applied_rate(times):
    """Events/s of the workers: the events applied after the first batch's, over the time from it to the last one."""
    first, last = min(times.values()), max(times.values())
    return sum(1 for t in times.values() if t > first) / (last - first) if last > first else float("nan")


def event_ids_of(items):
    return {json.loads(body)["id"] for bodies in items for body in bodies}


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
        ids, stored, applied = list(event_ids), 0, 0
        for start in range(0, len(ids), 1000):
            row = db.session.execute(select(func.count(), func.count(StripeEvent.applied_at)).where(
                StripeEvent.id.in_(ids[start:start + 1000]))).one()
            stored, applied = stored + row[0], applied + row[1]
        if (stored, applied) != (len(ids), len(ids)):
            differences.append(f"{stored} events stored and {applied} applied, {len(ids)} sent")
    return expected, differences


def _verdict(ratio, target):
    return "ok" if ratio >= target else "MISSED"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_WEBHOOKS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--events", type=int, default=4_000, help="donations paid by webhooks in the throughput runs")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads posting")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (the product's and the floor's)")
    parser.add_argument("--apply-workers", type=int, default=1, help="`flask payments apply --watch` processes")
    parser.add_argument("--batch", type=int, default=200, help="events a worker applies per transaction")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the latency run at half the floor rate")
    parser.add_argument("--reset", action="store_true", help="drop and rebuild the bench database")
    args = parser.parse_args()

    app, env = production_app(args.database_url)
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    if args.reset:
        with app.app_context():
            migrate_with_reference_data(reset=True)
    clear_earlier_runs(app)
    seed = int(time.time())
    throughput = prepare_run_campaign(app, args.events, seed, "throughput")
    items, refunded = plan_deliveries(throughput[3], seed)
    gc.freeze()
    load_before = os.getloadavg()

    with stderr_to(SERVER_LOG):
        floor_before = floor_rate(env, items, args.concurrency, args.workers)
        port = free_port()
        server = start_gunicorn(env, port, args.workers)
        url = f"http://127.0.0.1:{port}/payments/stripe/webhook"
        try:
            post_all(url, [[json.dumps(_event("customer.created", {"id": f"cus_{n}"})).encode()] for n in range(50)],
                     args.concurrency, secret)  # warm-up: event types no one uses
            seconds, accepted = post_all(url, items, args.concurrency, secret)
            floor_after = floor_rate(env, items, args.concurrency, args.workers)
            floor = (floor_before + floor_after) / 2
            workers = start_apply_workers(env, args.apply_workers, args.batch)
            try:
                wait_until_applied(app)
                applied = applied_rate(applied_times(app, event_ids_of(items)))
                # The latency run: a second campaign's events at half the floor rate, the workers running.
                pace = floor / 2  # deliveries/s; a donation takes 1.06 of them on average (replays, refunds)
                latency_campaign = prepare_run_campaign(app, max(100, int(pace * args.seconds / 1.06)), seed + 1, "latency")
                latency_items, latency_refunded = plan_deliveries(latency_campaign[3], seed + 1)
                deliveries = sum(len(bodies) for bodies in latency_items)
                paced_seconds, paced = post_all(url, latency_items, args.concurrency, secret,
                                                pace=pace * len(latency_items) / deliveries)
                wait_until_applied(app)
            finally:
                stop(workers)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    answered = {}
    for _status, _answer, at, body in paced:
        event_id = json.loads(body)["id"]
        answered[event_id] = min(at, answered.get(event_id, at))
    applied_at = applied_times(app, answered)
    latencies = sorted(max(0.0, applied_at[event_id] - at) for event_id, at in answered.items())
    within = sum(1 for latency in latencies if latency <= LATENCY_SECONDS) / len(latencies)

    checks = [check_exact(app, *throughput, refunded, event_ids_of(items)),
              check_exact(app, *latency_campaign, latency_refunded, event_ids_of(latency_items))]
    statuses = Counter(status for status, *_rest in accepted + paced)
    replays = sum(1 for status, answer, *_rest in accepted if status == 200 and answer.get("replay"))
    accepted_rate = len(accepted) / seconds

    print(f"\nPostgreSQL, gunicorn {args.workers} sync workers on loopback, {args.concurrency} client threads, "
          f"{args.apply_workers} payments worker(s) (batch {args.batch}); {os.cpu_count()} CPUs; load average "
          f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"events: {len(accepted):,} deliveries ({args.events:,} donations paid, {len(refunded)} refunds before their "
          f"payment, {replays} replays answered as such)")
    print(f"  insert floor (one INSERT + COMMIT, same bodies, same client): {floor:.0f} events/s "
          f"({floor_before:.0f} before, {floor_after:.0f} after)")
    print(f"  accepted by the endpoint: {accepted_rate:.0f} events/s = {accepted_rate / floor:.2f} x floor "
          f"(target >= {TARGETS['accepted']}) {_verdict(accepted_rate / floor, TARGETS['accepted'])}")
    print(f"  applied by the worker(s): {applied:.0f} events/s = {applied / floor:.2f} x floor "
          f"(target >= {TARGETS['applied']}) {_verdict(applied / floor, TARGETS['applied'])}")
    print(f"  latency at half the floor rate ({len(paced):,} deliveries over {paced_seconds:.1f} s = "
          f"{len(paced) / paced_seconds:.0f}/s): answer to applied p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; {within:.1%} within "
          f"{LATENCY_SECONDS:.0f} s (target >= {LATENCY_SHARE:.0%}) {'ok' if within >= LATENCY_SHARE else 'MISSED'}")
    print(f"  HTTP statuses {dict(statuses)}")
    exact = all(not differences for _expected, differences in checks) and set(statuses) == {200}
    print("  totals of both campaigns: " + ("exact" if exact else "NOT EXACT"))
    for _expected, differences in checks:
        for line in differences:
            print(f"    {line}")
    if set(statuses) != {200}:
        print(f"    deliveries not answered 200: {sum(n for s, n in statuses.items() if s != 200):,}; the log "
              f"({SERVER_LOG}) says:")
        for count, line in server_errors(SERVER_LOG):
            print(f"      {count:,} x {line}")
    sys.exit(0 if exact else 1)


if __name__ == "__main__":
    main()
