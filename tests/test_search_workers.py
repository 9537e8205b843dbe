"""Several sync workers at once deliver every outbox row exactly once (PostgreSQL: SKIP LOCKED; SQLite: one at a time)."""
import threading

from sqlalchemy import func, select

from app.alerts.models import SavedSearch
from app.extensions import db
from app.indexing.models import SearchOutbox
from app.indexing.sync import drain
from tests.conftest import Factory


def test_two_workers_share_the_outbox_without_double_work(committed_app):
    engine = committed_app.extensions["search"]
    assert engine.ping(), "OpenSearch is not running: make services"
    engine.drop_all()
    engine.ensure_index("listings")
    make = Factory(committed_app)
    organization = make.organization(make.user())
    for n in range(120):
        make.listing(organization, title=f"Worker test crate {n}")
    with committed_app.app_context():
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 121  # 120 listings and their organisation

    results, errors = [], []

    def worker():
        try:
            with committed_app.app_context():
                while True:
                    result = drain(limit=15)
                    db.session.commit()
                    results.append(result)
                    if result.rows == 0:
                        return
        except Exception as error:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    # The listings, their organisation, and its member's two default alerts (tenders, RFQs), made once though both
    # workers indexed its listings at the same time.
    assert sum(r.written for r in results) == 123
    assert sum(r.stale for r in results) == 0
    # Each listing written queued its percolation for the alerts: 120 more rows, each run once. Each batch of listings
    # queued its organisation's default alerts: worked out at least once, and never twice for one request.
    assert sum(r.tasks.get("percolate:listings", 0) for r in results) == 120
    queued = sum(r.rows for r in results) - 243
    assert 1 <= sum(r.tasks.get("default-alerts", 0) for r in results) <= queued
    engine.refresh_now("listings")
    engine.refresh_now("organizations")
    assert engine.count("listings") == 120
    assert engine.count("organizations") == 1
    with committed_app.app_context():
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
        assert db.session.scalar(select(func.count(SavedSearch.id)).where(SavedSearch.is_default.is_(True))) == 2
