"""What payments keeps of Stripe: each verified event, stored when it arrives and marked when it is applied."""
import datetime as dt

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import UTCDateTime, utcnow

WAITING = "applied_at IS NULL"


class StripeEvent(db.Model):
    """A verified Stripe event, stored once by its id (a replay finds it and changes nothing); the worker applies it
    and records what it did in the transaction that does it."""

    __tablename__ = "stripe_events"
    __table_args__ = (
        # Both only over the events still waiting: they stay small however long the log grows.
        Index("ix_stripe_events_waiting", "received_at", postgresql_where=text(WAITING), sqlite_where=text(WAITING)),
        Index("ix_stripe_events_waiting_subject", "subject", postgresql_where=text(WAITING), sqlite_where=text(WAITING)),
    )

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    #: What the event is about, as the feature that takes its money says (`donation:42`, `payment_intent:pi_…`).
    subject: Mapped[str | None] = mapped_column(String(100))
    #: The verified body, as Stripe signed it.
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(200))
    #: Tries so far; a failed one keeps its error and waits (1, 2, 4 … 60 s) before the next.
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
