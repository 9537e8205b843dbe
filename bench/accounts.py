"""Accounts: how fast the mail worker delivers, and what the slower password hash costs a log-in.

Mail: N messages are queued in the mail outbox (one transaction), then `deliver_all()` — the worker's loop — sends them
to Mailpit over SMTP; the limit it is compared with, from the same run, is the same N messages sent straight to Mailpit
with smtplib over one connection (no database). Log-in: POST /login through the app in process (Flask's test client) with
the production hash (scrypt n=2^17, r=8, p=1), against the limit of one scrypt check alone and of GET /login (the
framework and template floor).

    make services                   # Mailpit on 127.0.0.1:1025/8025
    .venv/bin/python bench/accounts.py [--messages 2000] [--logins 40] [--database-url postgresql://…]
"""
import argparse
import os
import smtplib
import statistics
import sys
import tempfile
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def bench_mail(app, count, tag):
    from app.mail import send_mail
    from app.mail.delivery import deliver_all

    config = app.config
    with app.app_context():
        for number in range(count):
            send_mail(f"reader{number}@bench.example", f"Bench message {number}", "Hello,\n\nA line of text.\n" * 5)
        db.session.commit()
        started = time.perf_counter()
        result = deliver_all()
        worker_seconds = time.perf_counter() - started
    assert result.sent == count and not result.unavailable, result

    started = time.perf_counter()
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        for number in range(count):
            email = EmailMessage()
            email["From"], email["To"], email["Subject"] = config["MAIL_SENDER"], f"raw{number}@bench.example", f"Raw {number}"
            email["X-Tags"] = tag
            email.set_content("Hello,\n\nA line of text.\n" * 5)
            smtp.send_message(email)
    raw_seconds = time.perf_counter() - started
    requests.delete(f"{config['MAILPIT_URL']}/api/v1/search", params={"query": f"tag:{tag}"}, timeout=30)
    worker_rate, raw_rate = count / worker_seconds, count / raw_seconds
    print(f"mail: {count} messages; worker {worker_rate:.0f} messages/s; limit (smtplib straight to Mailpit, same run) "
          f"{raw_rate:.0f} messages/s; ratio {worker_rate / raw_rate:.2f}")


def bench_login(app, rounds):
    from werkzeug.security import check_password_hash

    from app.accounts.services import create_user

    password = "orchard-ladder-at-harvest-time"
    with app.app_context():
        user = create_user(f"login-{uuid.uuid4().hex[:8]}@bench.example", password, "Bench Person", verified=True)
        db.session.commit()
        stored = user.password_hash
        email = user.email
    assert stored.startswith("scrypt:131072:8:1"), stored
    hash_times = []
    for _ in range(rounds):
        started = time.perf_counter()
        check_password_hash(stored, password)
        hash_times.append((time.perf_counter() - started) * 1000)
    client = app.test_client()
    page_times, login_times = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        assert client.get("/login").status_code == 200
        page_times.append((time.perf_counter() - started) * 1000)
        client.post("/logout")
        started = time.perf_counter()
        response = client.post("/login", data={"email": email, "password": password})
        login_times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.status_code
        client.delete_cookie("session")
    for name, times in (("POST /login", login_times), ("scrypt check alone", hash_times), ("GET /login", page_times)):
        print(f"{name}: p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms")
    print(f"log-in p95 ÷ scrypt p95: {percentile(login_times, 0.95) / percentile(hash_times, 0.95):.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='coopex-bench-')) / 'accounts.db'}"
    os.environ["COOPEX_TEST_DATABASE_URL"] = url
    tag = f"bench-{uuid.uuid4().hex[:8]}"
    # The testing configuration, but with production's password hash and without CSRF or rate limits (a benchmark
    # posts the same form many times).
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, PASSWORD_HASH_METHOD="scrypt:131072:8:1", MAIL_TAG=tag,
                     WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False, MAIL_DELIVER_AFTER_REQUEST=False)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
    print(f"database: {url.split('@')[-1]}")
    bench_mail(app, args.messages, tag)
    bench_login(app, args.logins)


if __name__ == "__main__":
    main()
