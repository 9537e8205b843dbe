"""Write an outbox row, in the same flush, for every change that alters a search document.

Listening to flushes (not commits) means a change can never reach the database without its outbox
row, and a rolled-back transaction takes its outbox rows with it.
"""
from dataclasses import dataclass, field

from sqlalchemy import event, insert, inspect, literal, select, update
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign
from app.catalog.models import Listing
from app.database import insert_many
from app.indexing.models import SearchOutbox
from app.models_base import utcnow
from app.orgs.models import Organization
from app.tenders.models import Contract, Tender
from app.trade.models import Rfq

#: Organisation attributes copied into every listing, tender and campaign document of that organisation. Both the
#: country column and the relationship: services assign `organization.country`, whose column only changes later,
#: during the flush.
ORGANIZATION_FIELDS_IN_DOCUMENTS = (
    "name", "legal_form", "size", "sector", "country_code", "country", "verification_status", "is_active",
)
#: What a campaign's document shows of it. Not its running figures (raised, matched, pledged, donors): they change with
#: every donation, and search results read them from the database.
CAMPAIGN_FIELDS_IN_DOCUMENT = (
    "title", "summary", "story", "goal_minor", "currency", "funding_model", "status", "deadline", "published_at", "sdgs",
    "organization_id",
)

_PENDING = "search_pending"
_DIRTY = "search_outbox_dirty"


@dataclass
class _Pending:
    """What a flush changed that the index shows, gathered before the flush and queued after it (when ids exist)."""

    documents: dict = field(default_factory=lambda: {Listing: set(), Organization: set(), Tender: set(), Campaign: set(),
                                                     Rfq: set()})
    #: Organisations whose listings, tenders and campaigns show what changed.
    organizations: set = field(default_factory=set)
    #: New contracts: their tender's document says whether every lot is awarded.
    contracts: set = field(default_factory=set)

    def __bool__(self):
        return any(self.documents.values()) or bool(self.contracts)


#: model -> the kind of document it is (search.mappings.KINDS).
_KINDS = {Listing: "listings", Organization: "organizations", Tender: "tenders", Campaign: "campaigns", Rfq: "rfqs"}


def _documents_showing(organization_id):
    """(model, rows) of the documents that copy an organisation's facts: its listings, its published tenders, its
    campaigns past their draft, its requests for quotation."""
    return (
        (Listing, Listing.organization_id == organization_id),
        (Tender, (Tender.organization_id == organization_id) & (Tender.status == "published")),
        (Campaign, (Campaign.organization_id == organization_id) & (Campaign.status != "draft")),
        (Rfq, (Rfq.organization_id == organization_id) & (Rfq.status != "draft")),
    )


def _changed(obj, names):
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _changes_document(session, obj):
    """Does this new, changed or deleted object change its own search document?"""
    if isinstance(obj, (Tender, Campaign, Rfq)) and obj.published_at is None:
        return False  # never published: it has no document to write or to delete
    if obj not in session.dirty:
        return True
    if isinstance(obj, Organization):
        return _changed(obj, ORGANIZATION_FIELDS_IN_DOCUMENTS)
    if isinstance(obj, Campaign):
        return _changed(obj, CAMPAIGN_FIELDS_IN_DOCUMENT)
    return session.is_modified(obj)


def _before_flush(session, _context, _instances):
    pending = session.info.setdefault(_PENDING, _Pending())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Contract) and obj in session.new:
            pending.contracts.add(obj)
        elif type(obj) in _KINDS and _changes_document(session, obj):
            if obj in session.dirty:
                # An SQL expression, not a Python sum: the row lock orders concurrent bumps, and a bump
                # made by an organisation change earlier in this session is not overwritten.
                obj.search_version = type(obj).search_version + 1
                if isinstance(obj, Organization):
                    pending.organizations.add(obj)
            pending.documents[type(obj)].add(obj)
    if not pending:
        session.info.pop(_PENDING)


def _queue(connection, model, rows):
    """Bump the version of the `model` rows matching `rows` and queue them: something their documents show changed."""
    connection.execute(
        update(model).where(rows).values(search_version=model.search_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    connection.execute(
        insert(SearchOutbox).from_select(
            ["kind", "doc_id", "created_at"],
            select(literal(_KINDS[model]), model.id, literal(utcnow(), type_=SearchOutbox.created_at.type)).where(rows),
        )
    )


def _after_flush(session, _context):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    connection = session.connection()
    rows = [{"kind": _KINDS[model], "doc_id": obj.id, "created_at": utcnow()}
            for model, objects in pending.documents.items() for obj in objects if obj.id]
    if rows:
        connection.execute(insert(SearchOutbox), rows)
    for organization in pending.organizations:
        for model, rows in _documents_showing(organization.id):
            _queue(connection, model, rows)
    awarded = {contract.tender_id for contract in pending.contracts}
    if awarded:
        _queue(connection, Tender, Tender.id.in_(awarded))
    session.info[_DIRTY] = True


def queue(session, kind, ids):
    """Queue documents of `kind` whose rows a Core UPDATE changed (no flush listener sees one), in the session's
    transaction. The UPDATE bumps their search_version itself, so the index takes the new state."""
    now = utcnow()
    rows = [{"kind": kind, "doc_id": doc_id, "created_at": now} for doc_id in ids]
    if rows:
        insert_many(SearchOutbox.__table__, rows, session)
        session.info[_DIRTY] = True


def has_pending_changes(session):
    return session.info.get(_DIRTY, False)


def clear_pending_flag(session):
    session.info.pop(_DIRTY, None)


_registered = False


def register():
    """Listen on every SQLAlchemy session (once per process)."""
    global _registered
    if not _registered:
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        _registered = True
