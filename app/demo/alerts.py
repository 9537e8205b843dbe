"""Demo saved searches: the demo buyer watches coffee offers (a daily digest) and fresh-produce transport tenders
(at once). The demo seller's default alerts are made by the search sync as its listings are indexed."""
from sqlalchemy import select

from app.alerts.models import SavedSearch
from app.alerts.services import save_search
from app.extensions import db

DEMO_SEARCHES = (
    ("listings", "Fair-trade coffee", {"q": "coffee"}, "daily"),
    ("tenders", "Transport tenders", {"cpv_division": ["60"]}, "immediately"),
)


def seed_demo_alerts(user):
    """The demo buyer's saved searches (once); returns how many were added."""
    kept = set(db.session.scalars(select(SavedSearch.name).where(SavedSearch.user_id == user.id)))
    added = 0
    for kind, name, query, frequency in DEMO_SEARCHES:
        if name not in kept:
            save_search(user, kind, name, query, frequency)
            added += 1
    return added
