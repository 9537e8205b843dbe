"""Rules for people: passwords, sign-up, invitations, tokens, and who may act for an organisation."""
import datetime as dt
import hashlib
import secrets
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import ApiToken, Invitation, Membership, User
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.mail import send_mail
from app.models_base import utcnow
from app.orgs.services import create_organization

TOKEN_PREFIX = "cpx_"


@cache
def _common_passwords():
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().casefold() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def password_problems(password, *, email="", name=""):
    """Reasons the password is refused; empty when it is acceptable."""
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", minimum))
    if len(password) > 200:
        problems.append(_("Use at most 200 characters."))
    lowered = password.casefold()
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        problems.append(_("This password is too common; choose another."))
    local_part = email.split("@")[0].casefold()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (name and lowered == name.casefold()):
        problems.append(_("Do not build the password from your e-mail address or name."))
    return problems


def hash_password(password):
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def normalise_email(email):
    return email.strip().lower()


def find_user_by_email(email):
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email, password, name, *, is_platform_admin=False, field_prefix=""):
    """A new user; refuses a taken address or a weak password with field errors."""
    email = normalise_email(email)
    if find_user_by_email(email):
        raise Conflict(_("An account with this e-mail address exists."),
                       {f"{field_prefix}email": [_("Already registered; log in instead.")]})
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise ValidationFailed(_("The password is not acceptable."), {f"{field_prefix}password": problems})
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), is_platform_admin=is_platform_admin)
    db.session.add(user)
    db.session.flush()
    return user


def register(email, password, name, organization_fields):
    """Sign-up: a person and a new organisation, the person its admin."""
    user = create_user(email, password, name)
    try:
        organization = create_organization(**organization_fields)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, {"organization": error.fields}) from None
    db.session.add(Membership(user=user, organization=organization, role="admin"))
    db.session.flush()
    return user, organization


def authenticate(email, password):
    """The user with these credentials, or None; Forbidden if they are a suspended user's (only the password's owner
    learns of the suspension). Takes the same time whether the address exists or not."""
    user = find_user_by_email(email or "")
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    refuse_suspended_user(user)
    return user


def refuse_suspended_user(user):
    """Forbidden (`account_suspended`) for a suspended user: no log-in, no API call. The reason is not told."""
    if user.is_suspended:
        raise Forbidden(_("This account is suspended; contact support."), code="account_suspended")


@cache
def _dummy_hash():
    return generate_password_hash(secrets.token_hex(16))


def is_member(user, organization_id):
    """True if the (possibly anonymous) user belongs to the organisation, in any role."""
    return bool(user and user.is_authenticated and user.membership_of(organization_id))


def require_membership(user, organization, *roles):
    """The user's membership of the organisation allowing one of `roles` (admin always), while the organisation is not
    suspended; else Forbidden."""
    membership = user.membership_of(organization.id) if user and user.is_authenticated else None
    if membership is None or (roles and not membership.allows(*roles)):
        raise Forbidden(_("You do not have the role needed for this in this organisation."))
    refuse_suspended_organization(organization)
    return membership


def refuse_suspended_organization(organization):
    """Forbidden (`organization_suspended`) while the organisation is suspended: nobody may act for it."""
    if not organization.is_active:
        raise Forbidden(
            _("%(name)s is suspended by the platform's moderators: nobody can act for it until it is reinstated.",
              name=organization.name),
            code="organization_suspended",
        )


# Invitations ---------------------------------------------------------------------------------


def _digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def invite(organization, inviter, email, role, accept_url_for):
    """Invite an address to the organisation with a role and mail it a link; returns the invitation."""
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing and existing.membership_of(organization.id):
        raise Conflict(_("This person is already a member."), {"email": [_("Already a member of this organisation.")]})
    secret = secrets.token_urlsafe(32)
    ttl = dt.timedelta(days=current_app.config["INVITATION_TTL_DAYS"])
    invitation = Invitation(
        organization=organization, email=email, role=role, token_hash=_digest(secret),
        invited_by=inviter, expires_at=utcnow() + ttl,
    )
    db.session.add(invitation)
    db.session.flush()
    send_mail(
        email,
        f"{inviter.name} invites you to {organization.name} on Coopex",
        f"{inviter.name} invites you to join {organization.name} on Coopex as {role}.\n\n"
        f"Accept within {ttl.days} days: {accept_url_for(secret)}\n",
    )
    return invitation


def find_open_invitation(secret):
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _digest(secret or "")))
    if invitation is None or not invitation.is_open:
        raise NotFound(_("This invitation does not exist, was used, or has expired."))
    return invitation


def accept_invitation(invitation, user):
    """Make the user a member with the invited role; only the invited address may accept."""
    if normalise_email(user.email) != invitation.email:
        raise Forbidden(_("This invitation was sent to another e-mail address."))
    if user.membership_of(invitation.organization_id) is None:
        db.session.add(Membership(user=user, organization_id=invitation.organization_id, role=invitation.role))
    invitation.accepted_at = utcnow()
    db.session.flush()
    return invitation.organization


# API tokens ----------------------------------------------------------------------------------


def issue_token(user, name="API token"):
    """A new personal token; the secret is returned once and only its hash is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=secret[:12], token_hash=_digest(secret))
    db.session.add(token)
    db.session.flush()
    return token, secret


def user_for_token(secret):
    """The user owning a live token, or None."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    return token.user


def revoke_token(user, token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()
    return token


def tokens_of(user):
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


