"""Mailed single-use links and the sessions they end: e-mail verification, password reset and change, log out
everywhere. Every link's secret is mailed once and stored only as its SHA-256."""
import datetime as dt
import hashlib
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.accounts.models import AccountLink, User, new_session_key
from app.audit.services import record
from app.errors import NotFound, Unauthorized, ValidationFailed
from app.extensions import db
from app.i18n import in_language_of
from app.mail import link, send_mail
from app.models_base import utcnow


def digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def _issue(user, purpose, ttl):
    """A new link for `purpose`; links of the same purpose mailed before stop working."""
    now = utcnow()
    db.session.execute(
        update(AccountLink).where(AccountLink.user_id == user.id, AccountLink.purpose == purpose,
                                  AccountLink.used_at.is_(None)).values(used_at=now)
    )
    secret = secrets.token_urlsafe(32)
    db.session.add(AccountLink(user_id=user.id, purpose=purpose, email=user.email, token_hash=digest(secret),
                               created_at=now, expires_at=now + ttl))
    db.session.flush()
    return secret


def _redeem(secret, purpose):
    """The open link of `purpose` with this secret, now used; else NotFound."""
    found = db.session.scalar(select(AccountLink).where(AccountLink.token_hash == digest(secret or "")))
    if found is None or found.purpose != purpose or not found.is_open:
        raise NotFound(_("This link does not exist, was already used, or has expired."), code="link_invalid")
    found.used_at = utcnow()
    return found


def send_verification(user):
    """Mail the user a link that proves the address (valid 48 hours)."""
    hours = current_app.config["EMAIL_VERIFICATION_TTL_HOURS"]
    secret = _issue(user, "verify_email", dt.timedelta(hours=hours))
    with in_language_of(user):
        send_mail(user.email, _("Confirm your e-mail address for Coopex"),
                  _("Hello %(name)s,\n\nConfirm that this address is yours to start publishing on Coopex:\n\n%(link)s\n\n"
                    "The link works once, for %(hours)s hours. If you did not sign up, ignore this mail.\n",
                    name=user.name, link=link("accounts.verify_email", token=secret), hours=hours))


def verify_email(secret):
    """Mark the address the link was mailed to as verified; returns the user."""
    used = _redeem(secret, "verify_email")
    user = db.session.get(User, used.user_id)
    if user.email != used.email:
        raise NotFound(_("This link does not exist, was already used, or has expired."), code="link_invalid")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    return user


def tell_owner_of_signup_attempt(user):
    """Sign-up with an address that has an account: its owner is told, the stranger learns nothing."""
    with in_language_of(user):
        send_mail(user.email, _("Someone tried to sign up to Coopex with your address"),
                  _("Hello %(name)s,\n\nSomeone (perhaps you) tried to create a Coopex account with this address, which "
                    "already has one. To sign in: %(login)s\nForgot your password? %(forgot)s\n\n"
                    "If it was not you, nothing has changed and you need not do anything.\n",
                    name=user.name, login=link("accounts.login"), forgot=link("accounts.forgot_password")))


def request_password_reset(email):
    """Mail a reset link (valid one hour) if an account has this address; the caller answers the same either way."""
    from app.accounts.services import find_user_by_email

    user = find_user_by_email(email or "")
    if user is None:
        return None
    minutes = current_app.config["PASSWORD_RESET_TTL_MINUTES"]
    secret = _issue(user, "reset_password", dt.timedelta(minutes=minutes))
    with in_language_of(user):
        send_mail(user.email, _("Reset your Coopex password"),
                  _("Hello %(name)s,\n\nChoose a new password here:\n\n%(link)s\n\nThe link works once, for %(minutes)s "
                    "minutes. Choosing a new password signs you out everywhere. If you did not ask for this, ignore this "
                    "mail: your password stays as it is.\n",
                    name=user.name, link=link("accounts.reset_password", token=secret), minutes=minutes))
    return user


def reset_password(secret, password):
    """Set a new password through a reset link; every session and remember-me cookie of the user ends (API tokens
    stay). The link proves the address too."""
    from app.accounts.services import set_password

    used = _redeem(secret, "reset_password")
    user = db.session.get(User, used.user_id)
    set_password(user, password)
    if user.email == used.email and user.email_verified_at is None:
        user.email_verified_at = utcnow()
    record("account.password_reset", actor=user, subject=f"user:{user.id}")
    return user


def change_password(user, current_password, password):
    """Change the password knowing the current one; other sessions end (the caller signs the current one in again)."""
    from app.accounts.services import password_matches, set_password

    if not password_matches(user, current_password or ""):
        raise Unauthorized(_("The current password is wrong."), {"current_password": [_("This is not your current password.")]})
    if password == current_password:
        raise ValidationFailed(_("The password is not acceptable."), {"password": [_("Choose a password you have not used here.")]})
    set_password(user, password)
    record("account.password_changed", actor=user, subject=f"user:{user.id}")
    return user


def end_all_sessions(user):
    """Every session and remember-me cookie of the user stops working (their id carries the old key)."""
    user.session_key = new_session_key()
    db.session.flush()


def log_out_everywhere(user):
    end_all_sessions(user)
    record("account.sessions_ended", actor=user, subject=f"user:{user.id}")


def note_sign_in(user, ip):
    """Record a sign-in from an address this person never signed in from before (the first one included)."""
    from app.audit.models import AuditEntry

    known = db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.actor_user_id == user.id, AuditEntry.action == "account.signed_in_from_new_address",
        AuditEntry.ip_address == ip).limit(1))
    if known is None:
        record("account.signed_in_from_new_address", actor=user, subject=f"user:{user.id}", ip=ip)
