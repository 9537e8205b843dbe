"""What payments keeps of Stripe: the id of each event applied, so that a replay changes nothing."""
import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import UTCDateTime, utcnow


class StripeEvent(db.Model):
    """Each Stripe event id, recorded in the transaction that applies it: a replay finds it and changes nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
