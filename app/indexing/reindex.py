"""`flask search reindex`: rebuild an index from the database without downtime."""
import datetime as dt

from sqlalchemy import select

from app.catalog.models import Listing
from app.extensions import db
from app.indexing import search_engine
from app.indexing.documents import listing_writes
from app.models_base import utcnow
from app.orgs.models import Organization
from search.reindex import rebuild

BATCH = 1000
#: Changes committed slightly before the rebuild started are replayed too (clock and commit skew).
REPLAY_MARGIN = dt.timedelta(seconds=5)


def _listing_batches(ids):
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        found = listing_writes(chunk)
        yield [found[doc_id] for doc_id in chunk if doc_id in found]


def public_listing_ids():
    statement = (
        select(Listing.id).join(Listing.organization)
        .where(Listing.status == "active", Organization.is_active.is_(True))
        .order_by(Listing.id)
    )
    return list(db.session.scalars(statement))


def reindex_listings(progress=lambda n: None):
    """Fill a fresh listings index, replay what changed meanwhile, swap the alias; returns (index, totals)."""
    engine = search_engine()
    since = utcnow() - REPLAY_MARGIN
    ids = public_listing_ids()
    db.session.rollback()  # end the read transaction: the replay must see what others commit meanwhile

    def replay(index_name):
        db.session.rollback()
        changed = list(db.session.scalars(select(Listing.id).where(Listing.updated_at >= since)))
        for batch in _listing_batches(changed):
            engine.bulk("listings", batch, index=index_name)
        db.session.rollback()

    return rebuild(engine, "listings", _listing_batches(ids), replay, progress=progress), len(ids)
