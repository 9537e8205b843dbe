"""The notices of a user's organisations in the app: paging, unread counts, marking read."""
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.errors import NotFound
from app.extensions import db
from app.models_base import utcnow
from app.notices.models import Notification


def _organization_ids(user):
    return [membership.organization_id for membership in user.memberships] if user and user.is_authenticated else []


def for_user(user):
    """The notices of the user's organisations, newest first (a query, for paging). Reading them changes nothing."""
    return for_organizations(_organization_ids(user))


def for_organizations(organization_ids):
    """The organisations' notices, newest first (a query, for paging)."""
    return select(Notification).where(Notification.organization_id.in_(organization_ids)).order_by(
        Notification.created_at.desc(), Notification.id.desc())


def page_for(user, after=None, limit=30):
    """(items, next cursor) of the user's notices, newest first: the ones with an id below `after`."""
    statement = select(Notification).where(Notification.organization_id.in_(_organization_ids(user)))
    if after is not None:
        statement = statement.where(Notification.id < after)
    items = list(db.session.scalars(statement.order_by(Notification.id.desc()).limit(limit + 1)))
    return items[:limit], (items[limit - 1].id if len(items) > limit else None)


def unread_count(organization_ids):
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.organization_id.in_(organization_ids), Notification.read_at.is_(None)))


def unread_count_for(user):
    return unread_count(_organization_ids(user))


def mark_read(user, notification_ids=(), *, everything=False):
    """Mark notices read, for every member of their organisation (they are the organisation's news): the ones listed,
    or all the user's. Notices of organisations the user is not a member of are refused as unknown (404), and then
    none is marked. Returns how many were unread before."""
    mine = Notification.organization_id.in_(_organization_ids(user))
    if everything:
        chosen = mine
    else:
        ids = set(notification_ids)
        found = set(db.session.scalars(select(Notification.id).where(Notification.id.in_(ids), mine)))
        unknown = sorted(ids - found)
        if unknown:
            raise NotFound(_("No such notification."),
                           {"ids": [_("Not among your notifications: %(ids)s.", ids=", ".join(map(str, unknown)))]})
        chosen = Notification.id.in_(found)
    result = db.session.execute(update(Notification).where(chosen, Notification.read_at.is_(None))
                                .values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.flush()
    return result.rowcount


def notification_of(user, notification_id):
    """One of the user's notices (404 for anyone else's)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.organization_id not in _organization_ids(user):
        raise NotFound(_("No such notification."))
    return notification


def mark_one_read(user, notification_id):
    """Mark one of the user's notices read; returns it."""
    notification = notification_of(user, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification
