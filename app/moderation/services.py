"""Rules for suspending and reinstating organisations and users; only platform admins may.

A suspended organisation keeps its rows but leaves every public page and the search index (its `is_active` flag, which
every public query and search document reads, changes in the same flush, so the indexing listeners queue its listings,
tenders and campaigns in this transaction); nobody may act for it. A suspended user cannot log in, loses their
sessions and cannot use their API tokens. Reinstating undoes all of it.
"""
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.accounts.models import User
from app.audit.services import record
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models_base import utcnow
from app.orgs.models import Organization

REASON_MAX_LENGTH = 500
#: Rows a moderator's search shows at most, per kind.
SEARCH_LIMIT = 20


def may_moderate(actor):
    return bool(actor and actor.is_authenticated and actor.is_platform_admin)


def _require_moderator(actor):
    if not may_moderate(actor):
        raise Forbidden(_("Only platform admins can suspend or reinstate."))


def _checked_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for the suspension."), {"reason": [_("Give a reason.")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed(_("The reason is too long."),
                               {"reason": [_("Use at most %(num)d characters.", num=REASON_MAX_LENGTH)]})
    return reason


def _suspend(target, actor, reason):
    target.suspended_at = utcnow()
    target.suspension_reason = reason
    target.suspended_by = actor


def _lift(target):
    target.suspended_at = None
    target.suspension_reason = None
    target.suspended_by = None


def suspend_organization(actor, organization, reason, *, ip=None):
    """Suspend an organisation with a reason: its offers, tenders and campaigns leave pages and search at once."""
    _require_moderator(actor)
    reason = _checked_reason(reason)
    if organization.is_suspended:
        raise Conflict(_("This organisation is already suspended."))
    _suspend(organization, actor, reason)
    organization.is_active = False
    record("moderation.suspend_organization", actor=actor, organization=organization, subject=f"organization:{organization.id}",
           details={"reason": reason}, ip=ip)
    db.session.flush()
    return organization


def reinstate_organization(actor, organization, *, ip=None):
    """Lift an organisation's suspension: its public offers, tenders and campaigns come back."""
    _require_moderator(actor)
    if not organization.is_suspended:
        raise Conflict(_("This organisation is not suspended."))
    _lift(organization)
    organization.is_active = True
    record("moderation.reinstate_organization", actor=actor, organization=organization, subject=f"organization:{organization.id}",
           details=None, ip=ip)
    db.session.flush()
    return organization


def suspend_user(actor, user, reason, *, ip=None):
    """Suspend a user with a reason: no log-in, no session, no API token works until reinstated."""
    _require_moderator(actor)
    reason = _checked_reason(reason)
    if user.id == actor.id:
        raise Forbidden(_("You cannot suspend yourself."))
    if user.is_suspended:
        raise Conflict(_("This account is already suspended."))
    _suspend(user, actor, reason)
    record("moderation.suspend_user", actor=actor, organization=None, subject=f"user:{user.id}",
           details={"reason": reason}, ip=ip)
    db.session.flush()
    return user


def reinstate_user(actor, user, *, ip=None):
    """Lift a user's suspension: they may log in again and their unrevoked API tokens work again."""
    _require_moderator(actor)
    if not user.is_suspended:
        raise Conflict(_("This account is not suspended."))
    _lift(user)
    record("moderation.reinstate_user", actor=actor, organization=None, subject=f"user:{user.id}",
           details=None, ip=ip)
    db.session.flush()
    return user


def get_user(actor, user_id):
    """A user, for a moderator (others learn nothing of which ids exist)."""
    _require_moderator(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def find_targets(actor, text):
    """(organisations, users) a moderator looks for: by id, e-mail address or part of a name."""
    _require_moderator(actor)
    text = (text or "").strip()
    if not text:
        return [], []
    by_id = int(text) if text.isdecimal() and len(text) <= 9 else None
    organizations = select(Organization).where(
        or_(Organization.name.icontains(text, autoescape=True), Organization.id == by_id)
    ).order_by(Organization.name).limit(SEARCH_LIMIT)
    users = select(User).where(
        or_(User.email.icontains(text, autoescape=True), User.name.icontains(text, autoescape=True), User.id == by_id)
    ).order_by(User.email).limit(SEARCH_LIMIT)
    return list(db.session.scalars(organizations)), list(db.session.scalars(users))


def suspended(actor):
    """(organisations, users) suspended now, latest first."""
    _require_moderator(actor)
    organizations = select(Organization).where(Organization.suspended_at.is_not(None)).order_by(
        Organization.suspended_at.desc())
    users = select(User).where(User.suspended_at.is_not(None)).order_by(User.suspended_at.desc())
    return list(db.session.scalars(organizations)), list(db.session.scalars(users))
