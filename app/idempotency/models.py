"""What the API keeps of a request made with an Idempotency-Key: enough to give the same answer again."""
import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import UTCDateTime, utcnow


class IdempotencyKey(db.Model):
    """A caller's key and the answer its request got, written in the transaction of the request's effect: a committed
    key always has its answer, and an effect that was rolled back (or lost with its server) left no key."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        # Also what makes a second request with the key wait for the first (PostgreSQL) and then replay its answer.
        UniqueConstraint("user_id", "key"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    #: SHA-256 (hex) of the method, the path with its query and the body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: The answer, once the request's handler gave one (the row is committed only then).
    status_code: Mapped[int | None] = mapped_column()
    headers: Mapped[dict | None] = mapped_column(JSON)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
