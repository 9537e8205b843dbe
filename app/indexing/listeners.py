"""Write an outbox row, in the same flush, for every change that alters a search document.

Listening to flushes (not commits) means a change can never reach the database without its outbox
row, and a rolled-back transaction takes its outbox rows with it.
"""
from sqlalchemy import event, insert, inspect, literal, select, update
from sqlalchemy.orm import Session

from app.catalog.models import Listing
from app.indexing.models import SearchOutbox
from app.models_base import utcnow
from app.orgs.models import Organization

#: Organisation attributes copied into every listing document of that organisation. Both the country column
#: and the relationship: services assign `organization.country`, whose column only changes later, during the flush.
ORGANIZATION_FIELDS_IN_LISTINGS = (
    "name", "legal_form", "size", "sector", "country_code", "country", "verification_status", "is_active",
)

_PENDING = "search_pending"
_DIRTY = "search_outbox_dirty"


def _organization_changed(organization):
    state = inspect(organization)
    return any(state.attrs[name].history.has_changes() for name in ORGANIZATION_FIELDS_IN_LISTINGS)


def _before_flush(session, _context, _instances):
    listings, organizations, changed_organizations = set(), set(), set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Listing):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            if obj in session.dirty:
                # An SQL expression, not a Python sum: the row lock orders concurrent bumps, and a bump
                # made by an organisation change earlier in this session is not overwritten.
                obj.search_version = Listing.search_version + 1
            listings.add(obj)
        elif isinstance(obj, Organization):
            if obj in session.dirty and not _organization_changed(obj):
                continue
            if obj in session.dirty:
                obj.search_version = Organization.search_version + 1
                changed_organizations.add(obj)
            organizations.add(obj)
    if listings or organizations:
        pending = session.info.setdefault(_PENDING, (set(), set(), set()))
        pending[0].update(listings)
        pending[1].update(organizations)
        pending[2].update(changed_organizations)


def _after_flush(session, _context):
    listings, organizations, changed_organizations = session.info.pop(_PENDING, (set(), set(), set()))
    if not (listings or organizations):
        return
    connection = session.connection()
    rows = [{"kind": "listings", "doc_id": listing.id, "created_at": utcnow()} for listing in listings if listing.id]
    rows += [{"kind": "organizations", "doc_id": organization.id, "created_at": utcnow()}
             for organization in organizations if organization.id]
    if rows:
        connection.execute(insert(SearchOutbox), rows)
    for organization in changed_organizations:
        # Every listing of the organisation shows its name and flags: bump them all and queue them.
        connection.execute(
            update(Listing).where(Listing.organization_id == organization.id)
            .values(search_version=Listing.search_version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        connection.execute(
            insert(SearchOutbox).from_select(
                ["kind", "doc_id", "created_at"],
                select(literal("listings"), Listing.id, literal(utcnow(), type_=SearchOutbox.created_at.type))
                .where(Listing.organization_id == organization.id),
            )
        )
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
