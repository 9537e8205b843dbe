"""Audit entries: written once, never changed or deleted (the database refuses it, see the migration)."""
import datetime as dt

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """One sensitive action. The actor and organisation are kept as plain ids (no foreign keys) and the actor's e-mail
    address as text, so the trail outlives the people and organisations it names and no deletion ever touches it."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_organization_id_id", "organization_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column()
    actor_email: Mapped[str | None] = mapped_column(String(254))
    organization_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(120))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45))
