"""People, their memberships of organisations, invitations, API tokens and second factors."""
import datetime as dt
import secrets

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime, one_of, utcnow

ROLES = ("admin", "buyer", "seller", "finance")
TOKEN_SCOPES = ("read", "write")
#: What a mailed single-use link is for.
LINK_PURPOSES = ("verify_email", "reset_password")


def new_session_key():
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    #: The language the user reads Coopex in (set when they choose one): their mail is written in it.
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Part of every session's and remember-me cookie's user id: a new key ends them all (log out everywhere,
    #: password change or reset).
    session_key: Mapped[str] = mapped_column(String(40), default=new_session_key)
    #: The TOTP secret (base32); set while two-factor sign-in is being set up, in use once `totp_enabled_at` is set.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The time step of the last code accepted: a code is good once, so a step at or before it is refused.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    suspended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.id"
    )
    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RecoveryCode.id"
    )
    suspended_by: Mapped["User | None"] = relationship(remote_side=[id], foreign_keys=[suspended_by_id])

    def get_id(self):
        """Flask-Login's id in the session and the remember-me cookie: the user and the current session key."""
        return f"{self.id}:{self.session_key}"

    @property
    def email_verified(self):
        return self.email_verified_at is not None

    @property
    def is_suspended(self):
        return self.suspended_at is not None

    @property
    def is_active(self):
        """Flask-Login's notion: a suspended user cannot log in."""
        return not self.is_suspended

    def membership_of(self, organization_id):
        return next((m for m in self.memberships if m.organization_id == organization_id), None)

    @property
    def two_factor_enabled(self):
        return self.totp_enabled_at is not None and self.totp_secret is not None


class Membership(db.Model):
    """A user acting for an organisation with one role; `admin` may do everything the others may."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organization_id"),
        CheckConstraint(one_of("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped["Organization"] = relationship(back_populates="memberships")  # noqa: F821

    def allows(self, *roles):
        """True if this membership's role is one of `roles`, or admin."""
        return self.role == "admin" or self.role in roles


class Invitation(db.Model):
    """An organisation admin's invitation to join with a role; the token is kept only as a hash."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(one_of("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped["Organization"] = relationship()  # noqa: F821
    invited_by: Mapped[User | None] = relationship()

    @property
    def is_open(self):
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored, the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(5), default="write")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint(one_of("scope", TOKEN_SCOPES), name="scope"),)

    @property
    def is_live(self):
        return self.revoked_at is None and self.expires_at > utcnow()


class AccountLink(db.Model):
    """A single-use link mailed to a person (verify the address, reset the password); only its SHA-256 is stored."""

    __tablename__ = "account_links"
    __table_args__ = (CheckConstraint(one_of("purpose", LINK_PURPOSES), name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    #: The address the link was mailed to: verifying proves this one, not a later one.
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_open(self):
        return self.used_at is None and self.expires_at > utcnow()


class RecoveryCode(db.Model):
    """A single-use code that replaces the authenticator app once; only its SHA-256 is stored, the code is shown once."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")
