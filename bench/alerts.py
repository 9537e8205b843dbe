"""Saved-search alerts on PostgreSQL: 100,000 saved searches in the percolator, 10,000 new listings indexed through the
sync worker with and without percolation, a daily digest for 10,000 users, and its mail delivered — each figure with
a limit measured in the same run.

1. Loading: 10,000 verified users (en/fr/es, 25 mail domains), each with 10 saved searches of listings (words of
   app/demo/data/products.csv, CPV classes and divisions, countries, sectors, in combinations; daily, weekly,
   immediately or off), COPYed into PostgreSQL, then written to the percolator index by the app's own writer
   (app.alerts.documents) in bulk requests. Reports the time and the percolator index's size.
2. Indexing: 10,000 listings of 200 organisations (18 countries, titles, descriptions and CPV codes of the product
   catalogue) are queued in the search outbox as the flush listener would, and drained by app.indexing.sync.drain_all
   on the kinds `flask search sync` drains (the sync worker's loop) in turns: each turn takes a share of the listings,
   drains it once with the alerts' hooks taken out of AFTER_WRITE and once with them, each time into a fresh, empty
   listings index (the order of the two alternates between turns). With the hooks, the sync worker queues each
   written listing for the alert worker, which runs beside it throughout (`flask alerts percolate --watch`, a process
   of its own) and percolates, records the matches and queues the alerts. Figures: indexing docs/s with percolation;
   limit: docs/s without it (target ratio >= 0.5); and docs/s percolated and alerted (from the start of the turn to
   the last alert queued) against the engine answering the same percolate requests sent straight to it. Every
   user's first saved search is daily and built from one of the listings (its CPV class and country), so that each
   user has at least one daily match.
3. Digest: app.notices.digests.send_digests("daily") for every user with items, checked (one digest mail per user),
   against the plain write of the same mails (recipient, subject, body, unsubscribe reference), INSERTed from arrays
   into a scratch table shaped like mail_outbox in one transaction.
4. Delivery: a sample of the digest mails sent to Mailpit by app.mail.delivery.deliver_all (the mail worker's loop;
   the per-domain throttle is switched off with MAIL_PER_DOMAIN_PER_MINUTE=0, else 25 domains at 600 a minute hold
   the sample back for minutes), against the same messages sent straight to Mailpit with smtplib over one connection.

Indices go under their own prefix (coopex-alerts-bench) and are deleted at the end (--keep-indices keeps them).

    scripts/postgres.sh createdb coopex_alerts_bench
    .venv/bin/python bench/alerts.py [--turns 5] [--mails 2000] [--reset] [--keep-indices] [--database-url …]
"""
import argparse
import os
import random
import re
import secrets
import smtplib
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.pages import bench_environment, create_local_database, migrate_with_reference_data  # noqa: E402
from bench.trade import copy_rows  # noqa: E402

DEFAULT_URL = "postgresql://coopex@127.0.0.1:5433/coopex_alerts_bench"
PREFIX = "coopex-alerts-bench"
MAILPIT = "http://127.0.0.1:8025"
#: Where the bench organisations are based, by the language they write their listings in.
COUNTRIES = {"en": ("GB", "IE", "CA", "KE", "IN", "NZ", "US", "AU"), "fr": ("FR", "BE", "LU", "CH"),
             "es": ("ES", "PE", "AR", "CO", "MX", "CL")}
LANGUAGES = ("en", "fr", "es")
DOMAINS = tuple(f"coop{n}.example" for n in range(25))
ORGANIZATIONS, SEARCHES_PER_USER = 200, 10
#: How often users want their saved searches' news (the first of each user's searches is always daily).
FREQUENCIES = (("immediately", 30), ("daily", 30), ("weekly", 25), ("off", 15))
#: The kinds of saved searches beyond the first, and their shares: mostly narrow (a product where one buys it).
SHAPES = (("words+country", 35), ("cpv+country", 35), ("words+division", 10), ("cpv", 10), ("division+country", 5),
          ("words+country+verified", 5))
STOPWORDS = {"with", "from", "for", "and", "les", "des", "pour", "avec", "para", "con", "los", "las", "del", "une"}
WORD = re.compile(r"[^\W\d_]{4,}")


def products():
    from app.demo.products import catalogue

    return [product for product in catalogue() if product.language in LANGUAGES]


def words_of(title, rng):
    """One or two consecutive words of a product title, as a person would type them."""
    found = [word.lower() for word in WORD.findall(title) if word.lower() not in STOPWORDS]
    if len(found) < 2:
        return found[0] if found else title.split()[0]
    start = rng.randrange(len(found) - 1)
    return " ".join(found[start:start + 2])


def add_organizations(rng, password_hash, now):
    """ORGANIZATIONS organisations (countries and sectors spread evenly), each with an admin; returns
    [(organisation id, country, language, sector)]."""
    from app.accounts.models import Membership, User
    from app.orgs.models import SECTORS, Organization

    countries = [(country, language) for language, codes in COUNTRIES.items() for country in codes]
    plans = [(*countries[n % len(countries)], SECTORS[n % len(SECTORS)]) for n in range(ORGANIZATIONS)]
    ids = copy_rows(Organization, [{
        "name": f"Bench alerts co-operative {n}", "legal_form": rng.choice(("cooperative", "cooperative", "mutual", "sme")),
        "size": rng.choice(("micro", "small", "medium")), "country_code": country, "sector": sector,
        "description": "", "verification_status": rng.choice(("verified", "unverified"))}
        for n, (country, _language, sector) in enumerate(plans)], returning_ids=True)
    admins = copy_rows(User, [{"email": f"seller{n}@bench-sellers.example", "name": f"Seller {n}", "language": language,
                               "password_hash": password_hash, "email_verified_at": now}
                              for n, (_country, language, _sector) in enumerate(plans)], returning_ids=True)
    copy_rows(Membership, [{"user_id": user_id, "organization_id": organization_id, "role": "admin"}
                           for user_id, organization_id in zip(admins, ids, strict=True)])
    return [(organization_id, *plan) for organization_id, plan in zip(ids, plans, strict=True)]


def add_listings(count, organizations, rng, now):
    """`count` active listings from the catalogue's products of each organisation's sector and language; returns
    [(listing id, CPV code, organisation's country)] in id order."""
    from app.catalog.models import Listing, listing_delivery_countries

    catalogue = products()
    listings, plans, deliveries = [], [], []
    for n in range(count):
        organization_id, country, language, sector = organizations[n % len(organizations)]
        product = rng.choice([p for p in catalogue if p.sector == sector and p.language == language])
        price = None if product.price_eur is None else int(product.price_eur * 100)
        listings.append({
            "organization_id": organization_id, "title": product.title, "description": product.description,
            "language": language, "kind": product.kind, "cpv_code8": product.cpv_code8, "price_minor": price,
            "price_currency": None if price is None else "EUR", "unit": product.unit,
            "min_order_quantity": product.min_order, "certifications": [], "status": "active",
            "created_at": now, "updated_at": now})
        plans.append((product.cpv_code8, country))
        deliveries.append(rng.sample(COUNTRIES[language], 2) if rng.random() < 0.25 else [])
    ids = copy_rows(Listing, listings, returning_ids=True)
    copy_rows(listing_delivery_countries, [{"listing_id": listing_id, "country_code": code}
                                           for listing_id, codes in zip(ids, deliveries, strict=True) for code in codes])
    return [(listing_id, *plan) for listing_id, plan in zip(ids, plans, strict=True)]


def saved_query(shape, rng, language):
    """The parameters of a saved search of `shape`, about a random product of the user's language."""
    product = rng.choice([p for p in products() if p.language == language])
    country = rng.choice(COUNTRIES[language])
    return {
        "words+country": lambda: {"q": words_of(product.title, rng), "country": [country]},
        "cpv+country": lambda: {"cpv": [product.cpv_code8], "country": [country]},
        "words+division": lambda: {"q": words_of(product.title, rng), "cpv_division": [product.cpv_code8[:2]]},
        "cpv": lambda: {"cpv": [product.cpv_code8]},
        "division+country": lambda: {"cpv_division": [product.cpv_code8[:2]], "country": [country],
                                     "verified": True},
        "words+country+verified": lambda: {"q": words_of(product.title, rng), "country": [country], "verified": True},
    }[shape]()


def add_users_and_searches(users, listings, rng, password_hash, now):
    """`users` verified users, each with SEARCHES_PER_USER saved searches of listings: the first daily, of the CPV
    class and country of one listing (so it has at least one match), the others of SHAPES and FREQUENCIES."""
    from app.accounts.models import User
    from app.alerts.models import SavedSearch

    user_ids = copy_rows(User, [{
        "email": f"member{n}@{DOMAINS[n % len(DOMAINS)]}", "name": f"Member {n}", "language": LANGUAGES[n % 3],
        "password_hash": password_hash, "email_verified_at": now} for n in range(users)], returning_ids=True)
    shapes, shape_weights = zip(*SHAPES, strict=True)
    frequencies, frequency_weights = zip(*FREQUENCIES, strict=True)
    rows = []
    for n, user_id in enumerate(user_ids):
        _listing_id, code8, country = listings[n % len(listings)]
        queries = [({"cpv": [code8], "country": [country]}, "daily")]
        for shape in rng.choices(shapes, shape_weights, k=SEARCHES_PER_USER - 1):
            queries.append((saved_query(shape, rng, LANGUAGES[n % 3]), rng.choices(frequencies, frequency_weights)[0]))
        for number, (query, frequency) in enumerate(queries):
            rows.append({"user_id": user_id, "kind": "listings", "name": f"Search {number + 1}: {query}"[:120],
                         "query": query, "frequency": frequency, "is_default": False, "feed_token": secrets.token_urlsafe(32),
                         "search_version": 1, "created_at": now, "updated_at": now})
    copy_rows(SavedSearch, rows)
    return len(rows)


def load_percolator(batch=5000):
    """Write every saved search of listings to the percolator index with the app's writer, `batch` a bulk request;
    returns seconds taken."""
    from sqlalchemy import select

    from app.alerts.models import SavedSearch
    from app.extensions import db
    from app.indexing import search_engine
    from app.indexing.documents import WRITERS
    from search import ALERT_KINDS

    kind, engine = ALERT_KINDS["listings"], search_engine()
    ids = list(db.session.scalars(select(SavedSearch.id).where(SavedSearch.kind == "listings").order_by(SavedSearch.id)))
    started = time.perf_counter()
    for start in range(0, len(ids), batch):
        found = WRITERS[kind](ids[start:start + batch])
        outcome = engine.bulk(kind, list(found.values()))
        assert len(outcome.done) == len(found) and not outcome.rejected, (outcome.rejected, outcome.retry)
        db.session.expunge_all()
    engine.refresh_now(kind)
    return time.perf_counter() - started


def percolator_size():
    """(documents, bytes) of the listings' percolator index."""
    from app.indexing import search_engine
    from search import ALERT_KINDS

    engine = search_engine()
    stats = engine.client.indices.stats(index=engine.alias(ALERT_KINDS["listings"]), metric="docs,store")
    primaries = stats["_all"]["primaries"]
    return primaries["docs"]["count"], primaries["store"]["size_in_bytes"]


def prepare(app, args):
    """Migrate; load users, saved searches, organisations and listings unless there; fill the percolator if it is
    not; empty what a previous run left. Returns the listing ids."""
    from sqlalchemy import func, select, text

    from app.accounts.services import hash_password
    from app.alerts.models import SavedSearch
    from app.catalog.models import Listing
    from app.extensions import db
    from app.indexing import search_engine
    from app.models_base import utcnow

    with app.app_context():
        if args.reset:
            search_engine().drop_all()
        migrate_with_reference_data(args.reset)
        have = db.session.scalar(select(func.count()).select_from(SavedSearch).where(SavedSearch.is_default.is_(False)))
        if not have:
            started, rng, now = time.perf_counter(), random.Random(15), utcnow()
            password_hash = hash_password("alerts-bench-passphrase-15")  # one hash for all: nobody logs in
            organizations = add_organizations(rng, password_hash, now)
            listings = add_listings(args.listings, organizations, rng, now)
            have = add_users_and_searches(args.users, listings, rng, password_hash, now)
            db.session.commit()
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            print(f"loaded {args.users:,} users with {have:,} saved searches, {ORGANIZATIONS} organisations and "
                  f"{args.listings:,} listings into PostgreSQL in {time.perf_counter() - started:.1f} s")
        if have != args.users * SEARCHES_PER_USER:
            raise SystemExit(f"the bench database holds {have:,} saved searches, not {args.users * SEARCHES_PER_USER:,}: "
                             "run again with --reset")
        # What a previous run produced goes; the default alerts it made stay (as they would in production).
        for table in ("alert_matches", "digest_items", "mail_outbox", "search_outbox"):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        stored, size = percolator_size() if search_engine().indices_behind("listings-alerts") else (0, 0)
        if stored < have:
            seconds = load_percolator()
            stored, size = percolator_size()
            print(f"percolator: {stored:,} saved searches written in {seconds:.1f} s ({stored / seconds:,.0f}/s), "
                  f"{size / 2**20:.1f} MiB")
        else:
            print(f"percolator ready: {stored:,} saved searches, {size / 2**20:.1f} MiB")
        listing_ids = list(db.session.scalars(select(Listing.id).order_by(Listing.id)))
        db.session.remove()
    return listing_ids, stored, size


def start_alert_worker():
    """The alert worker (`flask alerts percolate --watch`) in a process of its own, on the bench's app settings."""
    return subprocess.Popen([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "alerts", "percolate", "--watch",
                             "--interval", "0.1"], cwd=ROOT, env=os.environ, stdout=subprocess.DEVNULL)


def queued_percolations():
    from sqlalchemy import func, select

    from app.extensions import db
    from app.indexing.models import SearchOutbox

    count = db.session.scalar(select(func.count()).where(SearchOutbox.kind.like("percolate:%")))
    db.session.rollback()
    return count


def drain_turn(listing_ids, with_alerts, worker):
    """(indexing seconds, alerts seconds, engine seconds): the sync worker's drain of the outbox rows of `listing_ids`
    into a fresh listings index, with the alerts' hooks or without them; with them, the seconds from the start until
    the alert worker has percolated every document too, and then the seconds the engine takes to answer the same
    percolate requests sent straight to it (None and None without)."""
    from sqlalchemy import insert

    from app.alerts import defaults, matching
    from app.extensions import db
    from app.indexing import search_engine
    from app.indexing.models import SearchOutbox
    from app.indexing.sync import AFTER_WRITE, drain_writes
    from app.models_base import utcnow

    engine = search_engine()
    engine.drop("listings")
    engine.ensure_index("listings")
    now = utcnow()
    db.session.execute(insert(SearchOutbox), [{"kind": "listings", "doc_id": doc_id, "created_at": now}
                                              for doc_id in listing_ids])
    db.session.commit()
    hooks = AFTER_WRITE["listings"][:]
    if not with_alerts:
        AFTER_WRITE["listings"] = [hook for hook in hooks if hook is not defaults.queue_refresh
                                   and hook not in matching.HOOKS.values()]
    try:
        started = time.perf_counter()
        result = drain_writes()  # what `flask search sync` drains
        seconds = time.perf_counter() - started
    finally:
        AFTER_WRITE["listings"] = hooks
    assert result.written >= len(listing_ids) and not result.unavailable and not result.parked, result
    if not with_alerts:
        return seconds, None, None
    while queued_percolations():
        if worker.poll() is not None:
            raise SystemExit(f"the alert worker stopped ({worker.returncode})")
        time.sleep(0.05)
    return seconds, time.perf_counter() - started, engine_percolation(listing_ids)


def bench_indexing(app, listing_ids, turns):
    """(seconds without, seconds with, seconds until alerted, engine seconds) over `turns` turns of an equal share of
    the listings each, the alert worker running beside the sync worker throughout."""
    without, with_, alerted, raw = [], [], [], []
    share = -(-len(listing_ids) // turns)
    worker = start_alert_worker()
    try:
        with app.app_context():
            for turn in range(turns):
                ids = listing_ids[turn * share:(turn + 1) * share]
                order = (False, True) if turn % 2 == 0 else (True, False)
                for with_alerts in order:
                    seconds, until_alerted, engine_seconds = drain_turn(ids, with_alerts, worker)
                    (with_ if with_alerts else without).append(seconds)
                    line = (f"  turn {turn + 1}: {len(ids):,} listings {'with' if with_alerts else 'without'} "
                            f"percolation indexed in {seconds:.2f} s ({len(ids) / seconds:,.0f} docs/s)")
                    if until_alerted is not None:
                        alerted.append(until_alerted)
                        raw.append(engine_seconds)
                        line += (f", all percolated {until_alerted:.2f} s after the start (the engine alone: "
                                 f"{engine_seconds:.2f} s)")
                    print(line)
            from app.extensions import db

            db.session.remove()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return without, with_, alerted, raw


def engine_percolation(listing_ids, batch=500):
    """Seconds the engine takes to answer the alert worker's percolate requests for these listings, sent straight
    to it (the documents read from the index first, the clock off)."""
    from app.alerts.matching import scope
    from app.indexing import search_engine
    from search import ALERT_KINDS
    from search.alert_queries import alert_document

    seconds, engine = 0.0, search_engine()
    for start in range(0, len(listing_ids), batch):
        documents = list(engine.sources("listings", listing_ids[start:start + batch]).values())
        assert len(documents) == len(listing_ids[start:start + batch])
        scopes = [scope("listings", document) for document in documents]
        documents = [alert_document("listings", document) for document in documents]
        started = time.perf_counter()
        engine.percolate(ALERT_KINDS["listings"], documents, scopes)
        seconds += time.perf_counter() - started
    return seconds


def produced(app):
    """What percolation left: {name: count}."""
    from sqlalchemy import text

    from app.extensions import db

    queries = {
        "alert matches": "SELECT count(*) FROM alert_matches",
        "alert mails (at once)": "SELECT count(*) FROM mail_outbox",
        "daily digest items": "SELECT count(*) FROM digest_items WHERE frequency = 'daily'",
        "weekly digest items": "SELECT count(*) FROM digest_items WHERE frequency = 'weekly'",
        "users with daily items": "SELECT count(DISTINCT user_id) FROM digest_items WHERE frequency = 'daily'",
    }
    with app.app_context():
        counts = {name: db.session.scalar(text(sql)) for name, sql in queries.items()}
        db.session.remove()
    return counts


def plain_mail_write(rows):
    """Seconds to INSERT `rows` (recipient, subject, body, scope, ref) from arrays into a scratch table shaped like
    mail_outbox, in one transaction, committed."""
    from sqlalchemy import bindparam, text
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.types import BigInteger, String, Text

    from app.extensions import db
    from app.models_base import utcnow

    db.session.execute(text("CREATE TABLE IF NOT EXISTS bench_mail_outbox (LIKE mail_outbox INCLUDING ALL)"))
    db.session.execute(text("TRUNCATE bench_mail_outbox"))
    db.session.commit()
    recipients, subjects, bodies, scopes, refs = (list(column) for column in zip(*rows, strict=True))
    started = time.perf_counter()
    db.session.execute(text(
        "INSERT INTO bench_mail_outbox (recipient, subject, body, unsubscribe_scope, unsubscribe_ref, created_at, attempts) "
        "SELECT r, s, b, u, f, :now, 0 FROM unnest(:recipients, :subjects, :bodies, :scopes, :refs) AS m(r, s, b, u, f)"
    ).bindparams(bindparam("recipients", type_=ARRAY(String)), bindparam("subjects", type_=ARRAY(String)),
                 bindparam("bodies", type_=ARRAY(Text)), bindparam("scopes", type_=ARRAY(String)),
                 bindparam("refs", type_=ARRAY(BigInteger))),
        {"recipients": recipients, "subjects": subjects, "bodies": bodies, "scopes": scopes, "refs": refs, "now": utcnow()})
    db.session.commit()
    seconds = time.perf_counter() - started
    db.session.execute(text("DROP TABLE bench_mail_outbox"))
    db.session.commit()
    return seconds


def bench_digest(app, users_with_items):
    """(digest seconds, plain write seconds, users mailed, items): send_digests("daily"), checked, then the plain
    write of the mails it queued."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.mail.models import MailOutbox
    from app.notices.digests import send_digests

    with app.app_context():
        started = time.perf_counter()
        result = send_digests("daily")
        seconds = time.perf_counter() - started
        digest = MailOutbox.unsubscribe_scope == "digest"
        per_recipient = db.session.execute(select(MailOutbox.recipient, func.count()).where(digest)
                                           .group_by(MailOutbox.recipient)).all()
        assert result.users == users_with_items == len(per_recipient), (result, users_with_items, len(per_recipient))
        assert all(count == 1 for _recipient, count in per_recipient), "a user got more than one digest"
        rows = db.session.execute(select(MailOutbox.recipient, MailOutbox.subject, MailOutbox.body,
                                         MailOutbox.unsubscribe_scope, MailOutbox.unsubscribe_ref).where(digest)).all()
        plain = plain_mail_write(rows)
        db.session.remove()
    return seconds, plain, result.users, result.items


def bench_delivery(app, count, tag):
    """(worker seconds, smtplib seconds) for the first `count` digest mails: the others leave the outbox first."""
    from sqlalchemy import delete, select

    from app.extensions import db
    from app.mail.delivery import _email, deliver_all
    from app.mail.models import MailOutbox

    config = app.config
    with app.app_context():
        sample = list(db.session.scalars(select(MailOutbox.id).where(MailOutbox.unsubscribe_scope == "digest")
                                         .order_by(MailOutbox.id).limit(count)))
        db.session.execute(delete(MailOutbox).where(MailOutbox.id.not_in(sample)))
        db.session.commit()
        # The raw messages as the worker would build them (same headers and bodies), built before the clock starts.
        raw = [_email(message, config) for message in db.session.scalars(select(MailOutbox).order_by(MailOutbox.id))]
        db.session.rollback()
        started = time.perf_counter()
        result = deliver_all()
        worker = time.perf_counter() - started
        assert result.sent == len(sample) and not result.unavailable and not result.deferred, result
        db.session.remove()
    started = time.perf_counter()
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        for email in raw:
            smtp.send_message(email)
    plain = time.perf_counter() - started
    requests.delete(f"{MAILPIT}/api/v1/search", params={"query": f"tag:{tag}"}, timeout=60)
    return worker, plain, len(sample)


def bench_app(database_url, tag, prefix=PREFIX):
    """The app in the production configuration on the bench's database, index prefix and Mailpit tag, the
    per-domain mail throttle off."""
    create_local_database(database_url)
    env = {**bench_environment(database_url), "SEARCH_INDEX_PREFIX": prefix, "MAIL_TAG": tag, "MAIL_PORT": "1025",
           "MAIL_USE_TLS": "false", "MAIL_PER_DOMAIN_PER_MINUTE": "0"}
    os.environ.update(env)
    from app import create_app

    return create_app()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_ALERTS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--turns", type=int, default=5, help="turns of indexing without and with percolation")
    parser.add_argument("--mails", type=int, default=2000, help="digest mails delivered to Mailpit")
    parser.add_argument("--index-prefix", default=PREFIX)
    parser.add_argument("--reset", action="store_true", help="drop and rebuild the bench database and indices")
    parser.add_argument("--keep-indices", action="store_true", help="keep the bench's indices for the next run")
    args = parser.parse_args()

    tag = f"alerts-bench-{uuid.uuid4().hex[:8]}"
    app = bench_app(args.database_url, tag, args.index_prefix)
    listing_ids, stored, size = prepare(app, args)
    try:
        without, with_, alerted, raw = bench_indexing(app, listing_ids, args.turns)
        counts = produced(app)
        digest, plain_digest, mailed, items = bench_digest(app, counts["users with daily items"])
        worker, smtp, sent = bench_delivery(app, args.mails, tag)
    finally:
        if not args.keep_indices:
            with app.app_context():
                from app.indexing import search_engine

                search_engine().drop_all()

    docs = len(listing_ids)
    rate_without, rate_with = docs / sum(without), docs / sum(with_)
    print(f"\nPostgreSQL, OpenSearch (one node, shared); load average "
          f"{' / '.join(f'{load:.1f}' for load in os.getloadavg())} (1 / 5 / 15 min) on {os.cpu_count()} CPUs")
    print(f"percolator: {stored:,} saved searches of {args.users:,} users, {size / 2**20:.1f} MiB; {docs:,} listings "
          f"indexed in {args.turns} turns without and with percolation (sync worker, batches of 1,000)")
    print("produced: " + ", ".join(f"{count:,} {name}" for name, count in counts.items()))
    print(f"digest: {mailed:,} users, {items:,} items, one mail each (checked); mail delivery: a sample of {sent:,} "
          "digest mails, per-domain throttle off (MAIL_PER_DOMAIN_PER_MINUTE=0)")
    rate_alerted, rate_engine = docs / sum(alerted), docs / sum(raw)
    rows = [("indexing with percolation", rate_with, "docs/s", "indexing without (same docs)", rate_without),
            ("percolated and alerted", rate_alerted, "docs/s", "engine's percolate, same docs", rate_engine),
            (f"daily digest, {mailed:,} users", digest, "s", "plain INSERT of the same mails", plain_digest),
            (f"digest mails to Mailpit ({sent:,})", sent / worker, "mails/s", "smtplib straight to Mailpit", sent / smtp)]
    print(f"{'figure':34} {'value':>10} {'':7}   {'limit (same run)':30} {'value':>10} {'ratio':>7}")
    for figure, value, unit, limit, limit_value in rows:
        print(f"{figure:34} {value:10,.2f} {unit:7}   {limit:30} {limit_value:10,.2f} {value / limit_value:7.2f}")
    print(f"target: indexing with percolation ≥ 0.5 × without: {'met' if rate_with >= 0.5 * rate_without else 'NOT met'}")


if __name__ == "__main__":
    main()
