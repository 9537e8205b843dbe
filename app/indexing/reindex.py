"""`flask search reindex`: rebuild an index from the database without downtime."""
import datetime as dt

from sqlalchemy import select

from app.campaigns.models import Campaign
from app.catalog.models import Listing
from app.extensions import db
from app.indexing import search_engine
from app.indexing.documents import WRITERS
from app.models_base import utcnow
from app.orgs.models import Organization
from app.tenders.models import Tender
from app.trade.models import Rfq
from search.reindex import rebuild

BATCH = 1000
#: Changes committed slightly before the rebuild started are replayed too (clock and commit skew).
REPLAY_MARGIN = dt.timedelta(seconds=5)


#: kind -> the model its documents are built from.
MODELS = {"listings": Listing, "organizations": Organization, "tenders": Tender, "campaigns": Campaign, "rfqs": Rfq}
#: Kinds a feature adds (saved searches' percolator indices): kind -> (model, function giving the SELECT of the ids
#: the index should hold).
REGISTERED = {}


def register(kind, model, ids_statement):
    MODELS[kind] = model
    REGISTERED[kind] = ids_statement


def _public(kind):
    """What the index of `kind` should hold: active listings, published tenders, campaigns past their draft and
    published public requests for quotation of active organisations, active organisations."""
    if kind in REGISTERED:
        return REGISTERED[kind]()
    active = Organization.is_active.is_(True)
    return {
        "listings": select(Listing.id).join(Listing.organization).where(Listing.status == "active", active),
        "organizations": select(Organization.id).where(active),
        "tenders": select(Tender.id).join(Tender.organization).where(Tender.status == "published", active),
        "campaigns": select(Campaign.id).join(Campaign.organization).where(Campaign.status != "draft", active),
        "rfqs": select(Rfq.id).join(Rfq.organization).where(Rfq.status == "published", Rfq.visibility == "public", active),
    }[kind]


def public_ids(kind):
    """Ids of what the index of `kind` should hold, in id order."""
    return list(db.session.scalars(_public(kind).order_by(MODELS[kind].id)))


def _changed_since(kind, since):
    model = MODELS[kind]
    return list(db.session.scalars(select(model.id).where(model.updated_at >= since)))


def _batches(kind, ids):
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        found = WRITERS[kind](chunk)
        yield [found[doc_id] for doc_id in chunk if doc_id in found]


def reindex(kind, progress=lambda n: None):
    """Fill a fresh index of `kind`, replay what changed meanwhile, swap the alias; returns (index, totals)."""
    engine = search_engine()
    since = utcnow() - REPLAY_MARGIN
    ids = public_ids(kind)
    db.session.rollback()  # end the read transaction: the replay must see what others commit meanwhile

    def replay(index_name):
        db.session.rollback()
        for batch in _batches(kind, _changed_since(kind, since)):
            engine.bulk(kind, batch, index=index_name)
        db.session.rollback()

    return rebuild(engine, kind, _batches(kind, ids), replay, progress=progress), len(ids)
