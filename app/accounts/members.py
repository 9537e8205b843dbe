"""Rules for an organisation's people: who may change roles, remove members, send and revoke invitations, leave.

Every change is written to the audit trail in the same transaction. An organisation always keeps at least one admin.
"""
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import ROLES, Invitation, Membership
from app.audit.services import record
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.models_base import utcnow


def members_of(actor, organization):
    """The organisation's memberships, for its members."""
    accounts.require_membership(actor, organization)
    return list(db.session.scalars(
        select(Membership).where(Membership.organization_id == organization.id).order_by(Membership.id)
    ))


def _membership(organization, user_id):
    membership = db.session.scalar(
        select(Membership).where(Membership.organization_id == organization.id, Membership.user_id == user_id)
    )
    if membership is None:
        raise NotFound(_("This person is not a member of the organisation."))
    return membership


def _require_another_admin(membership):
    """Refuse to leave the organisation without an admin (the admins' rows are locked so two admins cannot both go)."""
    admins = db.session.scalars(
        select(Membership.id).where(Membership.organization_id == membership.organization_id, Membership.role == "admin")
        .with_for_update()
    ).all()
    if len(admins) <= 1:
        raise Conflict(_("The organisation's last admin cannot leave or give up the role; make someone else admin "
                         "first."))


def change_role(actor, organization, user_id, role, *, ip=None):
    """An admin gives a member another role; the last admin keeps theirs."""
    accounts.require_membership(actor, organization, "admin")
    if role not in ROLES:
        raise ValidationFailed(_("Unknown role."), {"role": [_("Choose one of: %(roles)s.", roles=", ".join(ROLES))]})
    membership = _membership(organization, user_id)
    previous = membership.role
    if previous == role:
        return membership
    if previous == "admin":
        _require_another_admin(membership)
    membership.role = role
    db.session.flush()
    record("member.role_changed", actor=actor, organization=organization, subject=f"user:{user_id}",
           details={"email": membership.user.email, "from": previous, "to": role}, ip=ip)
    return membership


def remove_member(actor, organization, user_id, *, ip=None):
    """An admin removes a member, or a member leaves (removes itself); the last admin can do neither."""
    leaving = actor.is_authenticated and actor.id == user_id
    accounts.require_membership(actor, organization, *(() if leaving else ("admin",)))
    membership = _membership(organization, user_id)
    if membership.role == "admin":
        _require_another_admin(membership)
    user = membership.user
    details = {"email": user.email, "role": membership.role}
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(user, ["memberships"])
    db.session.expire(organization, ["memberships"])
    record("member.left" if leaving else "member.removed", actor=actor, organization=organization,
           subject=f"user:{user_id}", details=details, ip=ip)


def send_invitation(actor, organization, email, role, accept_url_for, *, ip=None):
    """An admin invites an address with a role (see accounts.services.invite)."""
    accounts.require_membership(actor, organization, "admin")
    invitation = accounts.invite(organization, actor, email, role, accept_url_for)
    record("invitation.sent", actor=actor, organization=organization, subject=f"invitation:{invitation.id}",
           details={"email": invitation.email, "role": invitation.role}, ip=ip)
    return invitation


def pending_invitations(actor, organization):
    """Invitations not yet accepted, revoked or expired, for the organisation's admins."""
    accounts.require_membership(actor, organization, "admin")
    return list(db.session.scalars(
        select(Invitation).where(Invitation.organization_id == organization.id, Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.id)
    ))


def revoke_invitation(actor, organization, invitation_id, *, ip=None):
    """An admin withdraws a pending invitation: its link stops working."""
    accounts.require_membership(actor, organization, "admin")
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organization_id != organization.id:
        raise NotFound(_("No such invitation."))
    if not invitation.is_open:
        raise Conflict(_("This invitation was already accepted, revoked, or has expired."))
    invitation.revoked_at = utcnow()
    db.session.flush()
    record("invitation.revoked", actor=actor, organization=organization, subject=f"invitation:{invitation.id}",
           details={"email": invitation.email, "role": invitation.role}, ip=ip)
    return invitation
