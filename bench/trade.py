"""Trade on PostgreSQL: a big inbox, and a request for quotation told to 5,000 suppliers, against same-run limits.

Each figure is printed with a limit measured in the same run, its requests or rounds taken in turns with the
figure's, so that a busy shared machine moves the figure and its limit together.

1. Inbox: GET /inbox (its first page) and GET /inbox?unread=1 for a member of an organisation with 10,000
   conversations and 100,000 messages (part of them unread; 10,000 conversations of other organisations around them),
   served by gunicorn in the production configuration (2 sync workers, loopback), one client logged in once through
   the /login form. p50/p95 over N requests each, against the framework floor's GET (bench/floor.py), its requests
   taken in turns with the inbox's.
2. Publishing: rfqs.publish() of a fresh draft request in process, commit included, matching 5,000 of 20,000 supplier
   organisations (an active listing in its CPV division that delivers to its country, or whose organisation is based
   there), so 5,000 notifications and 5,000 mails queued, checked after each round. Two limits, taken in turns with
   the rounds: the floor's POST (one INSERT + COMMIT through gunicorn), and the plain write of the same rows: 5,000
   notifications and 5,000 mails, their values given as arrays, INSERTed into scratch tables of the same shape (columns,
   defaults, indexes, foreign key) in one transaction and committed: all publishing has to write, without finding who.
   The second is the fairer limit, and the one to watch: the floor's POST writes one row, so its ratio says how many
   minimal requests one publishing costs; the plain write pays for the same rows, their index entries and foreign key
   checks, so its ratio is what finding the suppliers (the matching SELECT, run by each of the two INSERT … SELECT
   statements) and the service around it add.

    scripts/postgres.sh createdb coopex_trade_bench
    .venv/bin/python bench/trade.py [--requests 500] [--rounds 7] [--reset] [--database-url postgresql://…]
"""
import argparse
import datetime as dt
import json
import os
import random
import re
import signal
import statistics
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.floor import floor_server, in_turns  # noqa: E402
from bench.pages import free_port, insert_rows, migrate_with_reference_data, production_app, start_gunicorn  # noqa: E402

DEFAULT_URL = "postgresql://coopex@127.0.0.1:5433/coopex_trade_bench"
INBOX_ORGANIZATION = "Bench inbox co-operative"
MEMBER_EMAIL, MEMBER_PASSWORD = "bench.inbox@example.coop", "inbox-bench-passphrase-17"
BUYER_EMAIL = "bench.rfq.buyer@example.coop"
#: The request's CPV class (durum wheat, division 03) and delivery country.
RFQ_CPV, RFQ_COUNTRY = "03211110", "FR"
ELSEWHERE = ("DE", "IT", "ES", "BE", "NL", "PT")
OTHER_DIVISIONS = ("15", "44", "33", "39")
#: How many of the organisation's conversations' counterparts there are (each a supplier), and background
#: conversations between other organisations (two messages each), so the organisation's are not the whole table.
COUNTERPARTS, BACKGROUND = 2000, 10_000
PAGE_ROWS = re.compile(r'<li class="list-group-item')
PAGES_OF = re.compile(r"Page 1 of (\d+)")


def copy_rows(table_or_model, rows, returning_ids=False):
    """In an app context: COPY `rows` (dicts with the same keys) into the table, in the session's transaction, with the
    columns' Python-side defaults filled in as an INSERT would. With `returning_ids`, the rows get the next ids of the
    table (the benchmark is its database's only writer), the sequence is moved past them, and they are returned."""
    from sqlalchemy import JSON, text

    from app.extensions import db

    table = getattr(table_or_model, "__table__", table_or_model)
    given = list(rows[0]) if rows else []
    defaulted = [c for c in table.columns if c.name not in given and c.default is not None and not c.primary_key]
    as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}
    first = db.session.scalar(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table.name}")) if returning_ids else 0
    names = (["id"] if returning_ids else []) + given + [c.name for c in defaulted]
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for number, row in enumerate(rows):
            values = [json.dumps(row[name]) if name in as_json else row[name] for name in given]
            values += [c.default.arg(None) if c.default.is_callable else c.default.arg for c in defaulted]
            copy.write_row([first + number, *values] if returning_ids else values)
    if not returning_ids:
        return None
    db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), {first + len(rows) - 1})"))
    return list(range(first, first + len(rows)))


def cpv_pools():
    """{division: [code8 of its categories, subcategories and classes]} for the request's division and the others."""
    from sqlalchemy import select

    from app.extensions import db
    from app.reference.models import CpvCode

    pools = {}
    for code8, division in db.session.execute(select(CpvCode.code8, CpvCode.division).where(
            CpvCode.division.in_((RFQ_CPV[:2], *OTHER_DIVISIONS)), CpvCode.level != "division").order_by(CpvCode.code8)):
        pools.setdefault(division, []).append(code8)
    return pools


def add_suppliers(count, matching, rng, password_hash, now):
    """`count` supplier organisations, each with an admin; exactly `matching` of them match the request. Returns their
    ids and their admins' ids, in the same order.

    Matching: half based in the request's country with an active listing of its division (delivering where they are),
    half based elsewhere with one delivering to it (a tenth with two such listings). The others, in thirds: its
    division delivering to other countries only; another division, based in its country; based elsewhere with a draft
    listing of its division delivering to it and an active one of another division delivering to it."""
    from app.accounts.models import Membership, User
    from app.catalog.models import Listing, listing_delivery_countries
    from app.orgs.models import Organization

    pools, division = cpv_pools(), RFQ_CPV[:2]
    matches = set(rng.sample(range(count), matching))
    plans, matched = [], 0
    for n in range(count):
        if n in matches:
            plans.append(("delivers there", "based there")[matched % 2])
            matched += 1
        else:
            plans.append(("other countries", "other division", "draft")[n % 3])
    based = {"based there": RFQ_COUNTRY, "other division": RFQ_COUNTRY}
    organization_ids = copy_rows(Organization, [{
        "name": f"Bench supplier {n}", "legal_form": rng.choice(("cooperative", "cooperative", "sme", "mutual")),
        "size": rng.choice(("micro", "small", "medium")), "country_code": based.get(kind, rng.choice(ELSEWHERE)),
        "sector": "agriculture", "description": "", "verification_status": rng.choice(("verified", "unverified")),
    } for n, kind in enumerate(plans)], returning_ids=True)
    admin_ids = copy_rows(User, [{
        "email": f"supplier{n}@bench.example.coop", "name": f"Supplier admin {n}", "password_hash": password_hash,
        "email_verified_at": now,
    } for n in range(count)], returning_ids=True)
    copy_rows(Membership, [{"user_id": user_id, "organization_id": organization_id, "role": "admin"}
                             for user_id, organization_id in zip(admin_ids, organization_ids, strict=True)])

    listings, deliveries = [], []

    def listing(organization_id, code8, status, delivers_to):
        listings.append({
            "organization_id": organization_id, "title": f"Bench produce {code8}", "description": "Bench listing.",
            "language": "en", "kind": "good", "cpv_code8": code8, "unit": "kg", "min_order_quantity": 1,
            "certifications": [], "status": status, "created_at": now, "updated_at": now,
        })
        deliveries.append(delivers_to)

    for n, (organization_id, kind) in enumerate(zip(organization_ids, plans, strict=True)):
        ours, other = rng.choice(pools[division]), rng.choice(pools[rng.choice(OTHER_DIVISIONS)])
        if kind == "based there":
            listing(organization_id, ours, "active", ())
        elif kind == "delivers there":
            listing(organization_id, ours, "active", (RFQ_COUNTRY, rng.choice(ELSEWHERE)))
            if n % 10 == 0:
                listing(organization_id, rng.choice(pools[division]), "active", (RFQ_COUNTRY,))
        elif kind == "other countries":
            listing(organization_id, ours, "active", tuple(sorted(set(rng.sample(ELSEWHERE, 2)))))
        elif kind == "other division":
            listing(organization_id, other, "active", ())
        else:
            listing(organization_id, ours, "draft", (RFQ_COUNTRY,))
            listing(organization_id, other, "active", (RFQ_COUNTRY,))
    listing_ids = copy_rows(Listing, listings, returning_ids=True)
    copy_rows(listing_delivery_countries, [{"listing_id": listing_id, "country_code": code}
                                             for listing_id, codes in zip(listing_ids, deliveries, strict=True)
                                             for code in codes])
    return organization_ids, admin_ids


def add_inbox(counterparts, conversations, messages, rng, now):
    """The inbox organisation and its member (admin: both sides), `conversations` conversations with `counterparts`
    ((organisation id, admin id) pairs) holding `messages` messages, the member's read marks, and the background."""
    from sqlalchemy import text

    from app.accounts.models import Membership, User
    from app.accounts.services import hash_password
    from app.extensions import db
    from app.orgs.models import Organization
    from app.trade.models import Conversation, Message

    inbox_id = insert_rows(Organization, [{
        "name": INBOX_ORGANIZATION, "legal_form": "cooperative", "size": "medium", "country_code": "GB",
        "sector": "consumer", "description": "", "verification_status": "verified"}], returning=Organization.id)[0]
    member_id = insert_rows(User, [{"email": MEMBER_EMAIL, "name": "Inbox member", "email_verified_at": now,
                                    "password_hash": hash_password(MEMBER_PASSWORD)}], returning=User.id)[0]
    insert_rows(Membership, [{"user_id": member_id, "organization_id": inbox_id, "role": "admin"}])

    # Who is on which side, and the subject: the first conversation of each pair has none, later ones are about
    # a listing or a request for quotation (subject ids are not foreign keys).
    rows, parties, pairs_seen = [], [], {}
    for n in range(conversations):
        other, other_admin = counterparts[n % len(counterparts)]
        buyer, seller = (inbox_id, other) if n % 2 == 0 else (other, inbox_id)
        seen = pairs_seen[(buyer, seller)] = pairs_seen.get((buyer, seller), 0) + 1
        kind = None if seen == 1 else ("listing", "rfq")[n % 2]
        started = now - dt.timedelta(days=365) + dt.timedelta(seconds=rng.randrange(360 * 86400))
        rows.append({"buyer_organization_id": buyer, "seller_organization_id": seller, "started_by_organization_id": buyer,
                     "subject_kind": kind, "subject_id": None if kind is None else 100_000 + n, "last_message_at": started,
                     "message_count": 0, "created_at": started})
        parties.append(((buyer, member_id if buyer == inbox_id else other_admin),
                        (seller, member_id if seller == inbox_id else other_admin), started))
    for n in range(BACKGROUND):
        (buyer, buyer_admin), (seller, seller_admin) = counterparts[n % len(counterparts)], counterparts[(n * 7 + 1) % len(counterparts)]
        if buyer == seller:
            seller, seller_admin = counterparts[(n * 7 + 2) % len(counterparts)]
        started = now - dt.timedelta(days=365) + dt.timedelta(seconds=rng.randrange(360 * 86400))
        rows.append({"buyer_organization_id": buyer, "seller_organization_id": seller, "started_by_organization_id": buyer,
                     "subject_kind": "listing", "subject_id": 200_000 + n, "last_message_at": started,
                     "message_count": 0, "created_at": started})
        parties.append(((buyer, buyer_admin), (seller, seller_admin), started))
    conversation_ids = copy_rows(Conversation, rows, returning_ids=True)

    # Every conversation has a message; the rest go more to some than to others (a few long threads, many short).
    counts = [1] * conversations + [2] * BACKGROUND
    weights = [1 / (rank + 20) for rank in range(conversations)]
    for index in rng.choices(range(conversations), weights=weights, k=messages - conversations):
        counts[index] += 1

    message_rows = []
    for conversation_id, count, ((buyer, buyer_user), (seller, seller_user), started) in zip(
            conversation_ids, counts, parties, strict=True):
        moment = started
        for k in range(count):
            sender, user = (buyer, buyer_user) if k % 2 == 0 else (seller, seller_user)
            moment += dt.timedelta(minutes=rng.randrange(5, 600))
            message_rows.append({"conversation_id": conversation_id, "sender_organization_id": sender,
                                 "sender_user_id": user, "body": f"Message {k + 1} of this bench conversation.",
                                 "created_at": moment})
    copy_rows(Message, message_rows)
    # The copied last message and the count, from the messages themselves.
    db.session.execute(text("""
        UPDATE conversations AS c
        SET last_message_id = m.id, last_message_at = m.created_at, last_sender_organization_id = m.sender_organization_id,
            message_count = m.count
        FROM (SELECT DISTINCT ON (conversation_id) conversation_id, id, created_at, sender_organization_id,
                     count(*) OVER (PARTITION BY conversation_id) AS count
              FROM messages ORDER BY conversation_id, id DESC) AS m
        WHERE m.conversation_id = c.id"""))
    # The member's read marks: 60 % of the conversations read to their last message, 15 % to their first only, 25 %
    # never opened. Everybody else has read up to what they wrote (writing marks it read), so the table is not the
    # member's alone.
    db.session.execute(text("""
        INSERT INTO conversation_reads (conversation_id, user_id, message_id)
        SELECT c.id, :member, CASE WHEN c.id % 20 < 12 THEN c.last_message_id
                                   ELSE (SELECT min(m.id) FROM messages AS m WHERE m.conversation_id = c.id) END
        FROM conversations AS c
        WHERE (c.buyer_organization_id = :inbox OR c.seller_organization_id = :inbox) AND c.id % 20 < 15"""),
        {"member": member_id, "inbox": inbox_id})
    db.session.execute(text("""
        INSERT INTO conversation_reads (conversation_id, user_id, message_id)
        SELECT conversation_id, sender_user_id, max(id) FROM messages WHERE sender_user_id <> :member
        GROUP BY conversation_id, sender_user_id"""), {"member": member_id})


def prepare(app, args):
    """Migrate, and add the suppliers, the buyer and the inbox unless they are there; returns the buyer user's id."""
    from sqlalchemy import func, select, text

    from app.accounts.models import Membership, User
    from app.accounts.services import hash_password
    from app.extensions import db
    from app.models_base import utcnow
    from app.orgs.models import Organization
    from app.trade.models import Conversation, Message

    with app.app_context():
        migrate_with_reference_data(args.reset)
        inbox_id = db.session.scalar(select(Organization.id).where(Organization.name == INBOX_ORGANIZATION))
        ready = inbox_id is not None
        if not ready:
            started, rng, now = time.perf_counter(), random.Random(17), utcnow()
            supplier_hash = hash_password("supplier-bench-passphrase-3")  # one hash for all: nobody logs in as them
            supplier_ids, admin_ids = add_suppliers(args.suppliers, args.matching, rng, supplier_hash, now)
            buyer_id = insert_rows(Organization, [{
                "name": "Bench buyer co-operative", "legal_form": "cooperative", "size": "large", "country_code": RFQ_COUNTRY,
                "sector": "consumer", "description": "", "verification_status": "verified"}], returning=Organization.id)[0]
            buyer_user_id = insert_rows(User, [{"email": BUYER_EMAIL, "name": "RFQ buyer", "password_hash": supplier_hash,
                                                "email_verified_at": now}], returning=User.id)[0]
            insert_rows(Membership, [{"user_id": buyer_user_id, "organization_id": buyer_id, "role": "buyer"}])
            add_inbox(list(zip(supplier_ids[:COUNTERPARTS], admin_ids[:COUNTERPARTS], strict=True)), args.conversations,
                      args.messages, rng, now)
            db.session.commit()
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            print(f"loaded {args.suppliers:,} suppliers and {args.conversations:,} conversations with "
                  f"{args.messages:,} messages in {time.perf_counter() - started:.1f} s")
            inbox_id = db.session.scalar(select(Organization.id).where(Organization.name == INBOX_ORGANIZATION))
        theirs = (Conversation.buyer_organization_id == inbox_id) | (Conversation.seller_organization_id == inbox_id)
        have = (db.session.scalar(select(func.count()).select_from(Conversation).where(theirs)),
                db.session.scalar(select(func.count()).select_from(Message).join(Conversation).where(theirs)),
                db.session.scalar(select(func.count()).where(Organization.name.like("Bench supplier %"))))
        if have != (args.conversations, args.messages, args.suppliers):
            raise SystemExit(f"the bench database holds {have[0]:,} conversations, {have[1]:,} messages and {have[2]:,} "
                             "suppliers, not the sizes asked for: run again with --reset")
        if ready:
            print(f"database ready: {have[0]:,} conversations, {have[1]:,} messages, {have[2]:,} suppliers")
        return db.session.scalar(select(User.id).where(User.email == BUYER_EMAIL))


def inbox_figures(app):
    """(conversations, unread) of the member's inbox, as the service counts them."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.extensions import db
    from app.trade import conversations

    with app.app_context():
        member = db.session.scalar(select(User).where(User.email == MEMBER_EMAIL))
        figures = conversations.inbox(member, per_page=1)[1], conversations.unread_count(member)
        db.session.remove()
    return figures


def cookies_of(response):
    """The Cookie header that sends back what the response set."""
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in response.cookies)


def logged_in_session(base):
    """A requests session logged in as the inbox member through the /login form (one scrypt check, once).

    Production's cookies are Secure: a client keeps them from a plain-HTTP answer but does not send them back over
    plain HTTP, so the session cookie is sent by hand (the session stays valid for hours, refreshed or not)."""
    session = requests.Session()
    page = session.get(f"{base}/login")
    token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page.text)
    response = session.post(f"{base}/login", data={"csrf_token": token.group(1), "email": MEMBER_EMAIL,
                                                   "password": MEMBER_PASSWORD},
                            headers={"Cookie": cookies_of(page)}, allow_redirects=False)
    assert response.status_code == 302, (response.status_code, response.text[:500])
    session.cookies.clear()
    session.headers["Cookie"] = cookies_of(response)
    return session


def get_page(session, url, rows, pages):
    """ms of one GET of an inbox page, checked: 200, `rows` conversations listed, `pages` pages."""
    started = time.perf_counter()
    response = session.get(url, allow_redirects=False)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    shown, of = len(PAGE_ROWS.findall(response.text)), PAGES_OF.search(response.text)
    assert shown == rows and of and int(of.group(1)) == pages, (url, shown, of and of.group(1))
    return elapsed


def bench_inbox(app, env, count, workers):
    """{name: Figures} of the inbox pages and of the floor's GET and POST, their requests taken in turns."""
    from app.trade.conversations import PAGE_SIZE

    total, unread = inbox_figures(app)
    expected = {"GET /inbox": ("/inbox", min(PAGE_SIZE, total), -(-total // PAGE_SIZE)),
                "GET /inbox?unread=1": ("/inbox?unread=1", min(PAGE_SIZE, unread), -(-unread // PAGE_SIZE))}
    port = free_port()
    server = start_gunicorn(env, port, workers)
    base = f"http://127.0.0.1:{port}"
    try:
        with floor_server(env, workers) as floor:
            session, plain = logged_in_session(base), requests.Session()
            figures = in_turns(count, 20, {  # the first 20 warm every worker up, untimed
                "floor GET": lambda _n: floor.get(plain),
                **{name: lambda _n, page=page: get_page(session, base + page[0], *page[1:])
                   for name, page in expected.items()},
                "floor POST": lambda _n: floor.post(plain)})
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return figures, total, unread


def write_scratch_tables():
    """In an app context: scratch tables shaped like notifications and mail_outbox (columns, defaults, indexes and
    the foreign key), made again each run so that they follow the tables' current columns."""
    from sqlalchemy import text

    from app.extensions import db

    for scratch, table in (("bench_notifications", "notifications"), ("bench_mail_outbox", "mail_outbox")):
        db.session.execute(text(f"DROP TABLE IF EXISTS {scratch}"))
        db.session.execute(text(f"CREATE TABLE {scratch} (LIKE {table} INCLUDING ALL)"))
    db.session.execute(text(
        "ALTER TABLE bench_notifications ADD CONSTRAINT fk_bench_notifications_organization "
        "FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE"))
    db.session.commit()


def plain_write(ids, emails, notice, address, subject, body):
    """ms of the same rows as a publishing's (`notice`: the notifications' kind, phrase and params), INSERTed from
    arrays into the scratch tables, committed."""
    from sqlalchemy import bindparam, text
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.types import Integer, String

    from app.extensions import db
    from app.models_base import utcnow

    now = utcnow()
    started = time.perf_counter()
    db.session.execute(text(
        "INSERT INTO bench_notifications (organization_id, kind, phrase, params, link, created_at) "
        "SELECT organization_id, :kind, :phrase, CAST(:params AS json), :link, :now FROM unnest(:ids) AS organization_id"
    ).bindparams(bindparam("ids", type_=ARRAY(Integer))), {"ids": ids, "kind": notice.kind, "phrase": notice.phrase,
                                                           "params": json.dumps(notice.params), "link": address, "now": now})
    db.session.execute(text(
        "INSERT INTO bench_mail_outbox (recipient, subject, body, created_at, attempts) "
        "SELECT recipient, :subject, :body, :now, 0 FROM unnest(:emails) AS recipient"
    ).bindparams(bindparam("emails", type_=ARRAY(String))), {"emails": emails, "subject": subject, "body": body, "now": now})
    db.session.commit()
    elapsed = (time.perf_counter() - started) * 1000
    # Deleted as each publishing's rows are, so that both write into tables in the same state.
    db.session.execute(text("DELETE FROM bench_notifications"))
    db.session.execute(text("DELETE FROM bench_mail_outbox"))
    db.session.commit()
    return elapsed


def bench_publish(app, buyer_user_id, rounds, matching):
    """Time rfqs.publish() + commit of `rounds` fresh drafts and, in turns, the plain write of the same rows; checks each
    round queued exactly `matching` notifications and mails, then deletes them. Returns (publish ms, plain ms)."""
    from decimal import Decimal

    from sqlalchemy import delete, func, select

    from app.accounts.models import User
    from app.extensions import db
    from app.mail import link
    from app.mail.models import MailOutbox
    from app.models_base import utcnow
    from app.notices.models import Notification
    from app.trade import rfqs

    published, plain = [], []
    with app.app_context():
        write_scratch_tables()
        buyer = db.session.get(User, buyer_user_id)
        organization = buyer.memberships[0].organization
        for number in range(rounds):
            now = utcnow()
            rfq = rfqs.create_rfq(buyer, organization, {
                "title": f"Bench request {number}: organic durum wheat", "description": "Protein at least 13 %.",
                "cpv_code": RFQ_CPV, "quantity": Decimal("500"), "unit": "kg", "delivery_country": RFQ_COUNTRY,
                "needed_by": (now + dt.timedelta(days=40)).date(), "quotes_due": now + dt.timedelta(days=10)})
            db.session.commit()
            started = time.perf_counter()
            told = rfqs.publish(buyer, rfq)
            db.session.commit()
            published.append((time.perf_counter() - started) * 1000)

            address = link("trade.rfq_page", rfq_id=rfq.id)
            notices = Notification.link == address
            mails = MailOutbox.body.contains(address)
            written = (db.session.scalar(select(func.count()).where(notices)),
                       db.session.scalar(select(func.count()).where(mails)))
            assert told == rfq.suppliers_notified == matching and written == (matching, matching), (told, written)
            ids = list(db.session.scalars(select(Notification.organization_id).where(notices)))
            emails = list(db.session.scalars(select(MailOutbox.recipient).where(mails)))
            notice = db.session.execute(select(Notification.kind, Notification.phrase, Notification.params)
                                        .where(notices).limit(1)).one()
            subject, body = db.session.execute(select(MailOutbox.subject, MailOutbox.body).where(mails).limit(1)).one()
            db.session.execute(delete(Notification).where(notices))
            db.session.execute(delete(MailOutbox).where(mails))
            db.session.commit()
            plain.append(plain_write(ids, emails, notice, address, subject, body))
        db.session.remove()
    return published, plain


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_TRADE_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--requests", type=int, default=500, help="requests per inbox page (and per floor request)")
    parser.add_argument("--rounds", type=int, default=7, help="requests for quotation published")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--suppliers", type=int, default=20_000)
    parser.add_argument("--matching", type=int, default=5_000)
    parser.add_argument("--reset", action="store_true", help="drop and rebuild the bench database")
    args = parser.parse_args()

    app, env = production_app(args.database_url)
    buyer_user_id = prepare(app, args)
    pages, total, unread = bench_inbox(app, env, args.requests, args.workers)
    published, plain = bench_publish(app, buyer_user_id, args.rounds, args.matching)

    floor_get, floor_post = pages["floor GET"], pages["floor POST"]
    publish_ms, plain_ms = statistics.median(published), statistics.median(plain)
    print(f"\nPostgreSQL; gunicorn, {args.workers} sync workers on loopback, one client; load average "
          f"{' / '.join(f'{load:.1f}' for load in os.getloadavg())} (1 / 5 / 15 min) on {os.cpu_count()} CPUs")
    print(f"inbox: {total:,} conversations ({unread:,} unread) with {args.messages:,} messages; {args.requests} requests "
          "of each page, in turns with the floor's GET and POST")
    print(f"publish: {args.matching:,} of {args.suppliers:,} suppliers told, in process, commit included; {args.rounds} "
          f"rounds, each checked ({args.matching:,} notifications, {args.matching:,} mails), in turns with the plain write")
    rows = [(f"GET /inbox{query} {stat}", getattr(pages[f"GET /inbox{query}"], stat), "ms",
             f"floor GET (small JSON) {stat}", getattr(floor_get, stat))
            for query in ("", "?unread=1") for stat in ("p50", "p95")]
    rows += [(f"publish, median of {args.rounds}", publish_ms, "ms", "floor POST (one INSERT + COMMIT) p50", floor_post.p50),
             (f"publish, median of {args.rounds}", publish_ms, "ms", "plain write of the same rows, median", plain_ms),
             ("publish, per supplier told", publish_ms / args.matching * 1000, "µs", "plain write, per supplier",
              plain_ms / args.matching * 1000)]
    print(f"{'figure':34} {'value':>11}   {'limit (same run)':38} {'value':>11} {'ratio':>7}")
    for figure, value, unit, limit, limit_value in rows:
        print(f"{figure:34} {value:8.1f} {unit}   {limit:38} {limit_value:8.2f} {unit} {value / limit_value:7.1f}")
    print(f"publish rounds: {', '.join(f'{ms:.0f}' for ms in published)} ms; plain write rounds: "
          f"{', '.join(f'{ms:.0f}' for ms in plain)} ms; floor POST p95 {floor_post.p95:.2f} ms")

if __name__ == "__main__":
    main()
