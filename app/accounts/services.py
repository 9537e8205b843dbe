"""Rules for people: passwords, sign-up, invitations, tokens, and who may act for an organisation."""
import datetime as dt
import secrets
from functools import cache

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts import links
from app.accounts.models import ApiToken, Invitation, Membership, User
from app.accounts.passwords import guessability_problems, needs_rehash
from app.audit.services import record
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import current_language, in_language_of
from app.labels import label
from app.mail import send_mail
from app.models_base import utcnow
from app.orgs.services import create_organization

TOKEN_PREFIX = "cpx_"


def password_problems(password, *, email="", name=""):
    """Reasons the password is refused; empty when it is acceptable."""
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", minimum))
    if len(password) > 200:
        problems.append(_("Use at most 200 characters."))
    lowered = password.casefold()
    local_part = email.split("@")[0].casefold()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (name and lowered == name.casefold()):
        problems.append(_("Do not build the password from your e-mail address or name."))
    if password and not problems:
        problems += guessability_problems(password, user_inputs=(email, name))
    return problems


def _hash_method():
    return current_app.config["PASSWORD_HASH_METHOD"]


def hash_password(password):
    return generate_password_hash(password, method=_hash_method())


def normalise_email(email):
    return email.strip().lower()


def find_user_by_email(email):
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def set_password(user, password):
    """Replace the password (refusing a weak one) and end every session and remember-me cookie of the user."""
    problems = password_problems(password, email=user.email, name=user.name)
    if problems:
        raise ValidationFailed(_("The password is not acceptable."), {"password": problems})
    user.password_hash = hash_password(password)
    links.end_all_sessions(user)


def password_matches(user, password):
    return check_password_hash(user.password_hash, password or "")


def create_user(email, password, name, *, is_platform_admin=False, verified=False, field_prefix=""):
    """A new user; refuses a taken address or a weak password with field errors. `verified` is for accounts whose
    address an operator vouches for (demo data, `flask create-admin`); everyone else confirms it by mail."""
    email = normalise_email(email)
    if find_user_by_email(email):
        raise Conflict(_("An account with this e-mail address exists."),
                       {f"{field_prefix}email": [_("Already registered; log in instead.")]})
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise ValidationFailed(_("The password is not acceptable."), {f"{field_prefix}password": problems})
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), is_platform_admin=is_platform_admin,
                email_verified_at=utcnow() if verified else None, language=current_language())
    db.session.add(user)
    db.session.flush()
    return user


def register(email, password, name, organization_fields):
    """Sign-up: a person and a new organisation, the person its admin; a link to confirm the address is mailed."""
    user = create_user(email, password, name)
    try:
        organization = create_organization(**organization_fields)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, {"organization": error.fields}) from None
    db.session.add(Membership(user=user, organization=organization, role="admin"))
    db.session.flush()
    links.send_verification(user)
    return user, organization


def sign_up(email, password, name, organization_fields):
    """Sign-up from the page: the same answer whether the address is new or not (returns the new user, or None).
    Every field is checked first, so errors tell nothing either; the owner of a taken address gets a mail."""
    existing = find_user_by_email(email)
    if existing is None:
        return register(email, password, name, organization_fields)[0]
    problems = password_problems(password, email=normalise_email(email), name=name)
    if problems:
        raise ValidationFailed(_("The password is not acceptable."), {"password": problems})
    hash_password(password)  # as long as a real sign-up takes
    with db.session.begin_nested() as trial:  # the organisation's own checks, then nothing kept
        try:
            create_organization(**organization_fields)
        except ValidationFailed as error:
            raise ValidationFailed(error.message, {"organization": error.fields}) from None
        finally:
            trial.rollback()
    links.tell_owner_of_signup_attempt(existing)
    return None


def authenticate(email, password):
    """The user with these credentials, or None; Forbidden if they are a suspended user's (only the password's owner
    learns of the suspension). Takes the same time whether the address exists or not.

    A correct password stored with an older method or weaker parameters is hashed again with the configured ones."""
    user = find_user_by_email(email or "")
    if user is None:
        check_password_hash(_dummy_hash(_hash_method()), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    refuse_suspended_user(user)
    if needs_rehash(user.password_hash, _hash_method()):
        user.password_hash = hash_password(password)
        db.session.flush()
    return user


def refuse_suspended_user(user):
    """Forbidden (`account_suspended`) for a suspended user: no log-in, no API call. The reason is not told."""
    if user.is_suspended:
        raise Forbidden(_("This account is suspended; contact support."), code="account_suspended")


@cache
def _dummy_hash(method):
    return generate_password_hash(secrets.token_hex(16), method=method)


def is_member(user, organization_id):
    """True if the (possibly anonymous) user belongs to the organisation, in any role."""
    return bool(user and user.is_authenticated and user.membership_of(organization_id))


def require_membership(user, organization, *roles):
    """The user's membership of the organisation allowing one of `roles` (admin always), while the organisation is not
    suspended; else Forbidden. Acting for an organisation (publishing, bidding, pledging, inviting…) needs a confirmed
    e-mail address."""
    membership = user.membership_of(organization.id) if user and user.is_authenticated else None
    if membership is None or (roles and not membership.allows(*roles)):
        raise Forbidden(_("You do not have the role needed for this in this organisation."))
    refuse_suspended_organization(organization)
    require_verified_email(user)
    return membership


def require_verified_email(user):
    if user.email_verified_at is None:
        raise Forbidden(_("Confirm your e-mail address first: open the link we mailed to %(email)s, or ask for a new one "
                          "from your dashboard.", email=user.email), code="email_unverified")


def refuse_suspended_organization(organization):
    """Forbidden (`organization_suspended`) while the organisation is suspended: nobody may act for it."""
    if not organization.is_active:
        raise Forbidden(
            _("%(name)s is suspended by the platform's moderators: nobody can act for it until it is reinstated.",
              name=organization.name),
            code="organization_suspended",
        )


# Invitations ---------------------------------------------------------------------------------


def invite(organization, inviter, email, role, accept_url_for):
    """Invite an address to the organisation with a role and mail it a link; returns the invitation."""
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing and existing.membership_of(organization.id):
        raise Conflict(_("This person is already a member."), {"email": [_("Already a member of this organisation.")]})
    secret = secrets.token_urlsafe(32)
    ttl = dt.timedelta(days=current_app.config["INVITATION_TTL_DAYS"])
    invitation = Invitation(
        organization=organization, email=email, role=role, token_hash=links.digest(secret),
        invited_by=inviter, expires_at=utcnow() + ttl,
    )
    db.session.add(invitation)
    db.session.flush()
    # The invited person's language if they have an account, else the inviter's.
    with in_language_of(existing) if existing else force_locale(current_language()):
        send_mail(email, _("%(inviter)s invites you to %(organization)s on Coopex", inviter=inviter.name,
                           organization=organization.name),
                  _("%(inviter)s invites you to join %(organization)s on Coopex as %(role)s.\n\n"
                    "Accept within %(days)s days: %(link)s\n", inviter=inviter.name, organization=organization.name,
                    role=label("role", role), days=ttl.days, link=accept_url_for(secret)))
    return invitation


def find_open_invitation(secret):
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == links.digest(secret or "")))
    if invitation is None or not invitation.is_open:
        raise NotFound(_("This invitation does not exist, was used, or has expired."))
    return invitation


def accept_invitation(invitation, user):
    """Make the user a member with the invited role; only the invited address may accept."""
    if normalise_email(user.email) != invitation.email:
        raise Forbidden(_("This invitation was sent to another e-mail address."))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # signed in as the invited address, holding the link mailed to it
    if user.membership_of(invitation.organization_id) is None:
        db.session.add(Membership(user=user, organization_id=invitation.organization_id, role=invitation.role))
    invitation.accepted_at = utcnow()
    db.session.flush()
    return invitation.organization


# API tokens ----------------------------------------------------------------------------------


def issue_token(user, name="API token", *, scope="write", expires_in_days=None):
    """A new personal token (`read` or `write`, expiring after `expires_in_days`, at most a year); the secret is
    returned once and only its hash is kept."""
    config = current_app.config
    days = expires_in_days or config["API_TOKEN_DEFAULT_DAYS"]
    if not 1 <= days <= config["API_TOKEN_MAX_DAYS"]:
        raise ValidationFailed(_("The token's lifetime is not acceptable."),
                               {"expires_in_days": [_("Between 1 and %(max)d days.", max=config["API_TOKEN_MAX_DAYS"])]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(user=user, name=name, prefix=secret[:12], token_hash=links.digest(secret), scope=scope, created_at=now,
                     expires_at=now + dt.timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    record("token.created", actor=user, subject=f"token:{token.id}",
           details={"name": name, "scope": scope, "expires_at": token.expires_at.isoformat()})
    return token, secret


#: How stale `last_used_at` may get before a call writes it again (one write a minute per token, not one per call).
TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)


def live_token(secret):
    """The live (not revoked, not expired) token with this secret, or None."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == links.digest(secret)))
    return token if token is not None and token.is_live else None


def note_token_use(token):
    """Record that the token was used now, at most once a minute; True when something was written."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at <= TOKEN_USE_RESOLUTION:
        return False
    token.last_used_at = now
    db.session.flush()
    return True


def revoke_token(user, token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("token.revoked", actor=user, subject=f"token:{token.id}", details={"name": token.name})
    db.session.flush()
    return token


def tokens_of(user):
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


