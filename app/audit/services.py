"""Writing the audit trail (in the caller's transaction) and reading it (who may read what is decided here)."""
from flask import has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.errors import Forbidden, NotFound
from app.extensions import db

DEFAULT_PAGE = 50
MAX_PAGE = 200


def record(action, *, actor=None, organization=None, subject=None, details=None, ip=None):
    """Add an audit entry to the current transaction (flushed, never committed): it is kept only if the change is."""
    if ip is None and has_request_context():
        ip = request.remote_addr  # the client of the request that made the change, when the caller did not say
    entry = AuditEntry(
        action=action,
        actor_user_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else None,
        organization_id=getattr(organization, "id", organization),
        subject=subject,
        details=details or {},
        ip_address=ip,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def may_read_trail(actor, organization_id):
    """Platform admins read every trail; an organisation's admins read their organisation's."""
    if actor is None or not actor.is_authenticated:
        return False
    if actor.is_platform_admin:
        return True
    membership = actor.membership_of(organization_id)
    return membership is not None and membership.role == "admin"


def organization_trail(actor, organization_id, *, after=None, limit=DEFAULT_PAGE):
    """The organisation and a page of its trail, newest first; refused to all but its admins and platform admins."""
    from app.orgs.models import Organization  # every feature records into the trail: it imports none of them at load

    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound(_("No such organisation."))
    if not may_read_trail(actor, organization.id):
        raise Forbidden(_("Only the organisation's admins can read its audit trail."))
    return organization, _page(select(AuditEntry).where(AuditEntry.organization_id == organization.id), after, limit)


def platform_trail(actor, *, after=None, limit=DEFAULT_PAGE, organization_id=None):
    """A page of the whole trail, newest first, optionally of one organisation; platform admins only."""
    if actor is None or not actor.is_authenticated or not actor.is_platform_admin:
        raise Forbidden(_("Only platform admins can read the whole audit trail."))
    statement = select(AuditEntry)
    if organization_id is not None:
        statement = statement.where(AuditEntry.organization_id == organization_id)
    return _page(statement, after, limit)


def _page(statement, after, limit):
    """Keyset pagination, newest first: entries with an id below `after`; `next` is the cursor of the following page."""
    limit = max(1, min(limit, MAX_PAGE))
    if after is not None:
        statement = statement.where(AuditEntry.id < after)
    entries = list(db.session.scalars(statement.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    more = len(entries) > limit
    entries = entries[:limit]
    return {"items": entries, "next": entries[-1].id if more else None}
