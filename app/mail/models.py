"""The mail outbox: one row per message to send, written in the transaction that decided to send it."""
import datetime as dt

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import UTCDateTime, utcnow


class MailOutbox(db.Model):
    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "parked_at", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Set when the relay refused the message for good (a 5xx answer) or it failed too often: kept aside, not retried.
    parked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    #: For mail the recipient can stop (app.mail.unsubscribe): its scope and reference; the link is made at delivery.
    unsubscribe_scope: Mapped[str | None] = mapped_column(String(40))
    unsubscribe_ref: Mapped[int | None] = mapped_column(BigInteger)


class MailDomainWindow(db.Model):
    """Messages sent to one recipient domain in the current minute: delivery keeps each domain under
    MAIL_PER_DOMAIN_PER_MINUTE, so a digest to 10,000 users of one provider is not refused as a flood."""

    __tablename__ = "mail_domain_windows"

    domain: Mapped[str] = mapped_column(String(254), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent: Mapped[int] = mapped_column(default=0)
