"""Notices in the app, each user's choices of mail, and the notices waiting for a digest."""
import datetime as dt

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import UTCDateTime, one_of, utcnow
from app.notices.phrases import written

#: What a notice is about; each user chooses per kind how it reaches them by mail (in the app it always does).
KINDS = ("messages", "trade", "tenders", "campaigns", "alerts")
#: How a kind reaches a user by mail: at once, gathered in a daily digest, or not at all.
MAIL_MODES = ("immediately", "daily", "off")


class Notification(db.Model):
    """A notice in the app for the members of an organisation (a message, a quote, a bid ranked, an award…).

    Its words are kept as a phrase of the catalogue and its values (`phrase`, `params`), written out in the reader's
    language when read. Notices from before that change keep their English `message`."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_organization_created", "organization_id", "created_at"),
        CheckConstraint(one_of("kind", KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default="tenders", server_default="tenders")
    phrase: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def text(self):
        """The notice in the reader's language."""
        return written(self.phrase, self.params or {}) if self.phrase else self.message


class NotificationPreference(db.Model):
    """A user's choice for one kind of notice; a kind without a row is mailed immediately."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint(one_of("kind", KINDS), name="kind"),
        CheckConstraint(one_of("mail", MAIL_MODES), name="mail"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    mail: Mapped[str] = mapped_column(String(12))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DigestItem(db.Model):
    """A notice or an alert waiting for a user's next digest mail (daily, or weekly for weekly saved searches). The
    digest run writes each user one mail of everything waiting and deletes what it sent."""

    __tablename__ = "digest_items"
    __table_args__ = (
        Index("ix_digest_items_due", "frequency", "user_id", "id"),
        CheckConstraint(one_of("frequency", ("daily", "weekly")), name="frequency"),
        CheckConstraint(one_of("kind", KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    frequency: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(10))
    #: The heading it is listed under (a saved search's name); empty for notices, which are listed under their kind.
    heading: Mapped[str] = mapped_column(String(200), default="")
    phrase: Mapped[str] = mapped_column(Text)
    params: Mapped[dict | None] = mapped_column(JSON)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestRun(db.Model):
    """When each digest last went out (the watching worker sends the next one a period later)."""

    __tablename__ = "digest_runs"

    frequency: Mapped[str] = mapped_column(String(6), primary_key=True)
    last_run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
