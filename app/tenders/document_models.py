"""What a tender says besides its text: its documents (each version kept), the files of bids, and the clarification
questions suppliers ask with the buyer's public answers."""
import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime, utcnow


class StoredFile:
    """Columns of a file kept under app.uploads.TENDER_FILES: its name as sent, its true type, size and SHA-256."""

    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TenderDocument(StoredFile, db.Model):
    """One version of one of a tender's documents; a replacement is a new row with the next version, the old one stays."""

    __tablename__ = "tender_documents"
    __table_args__ = (
        UniqueConstraint("tender_id", "number", "version"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    #: The document's place in the tender (1, 2, …), the same for all its versions.
    number: Mapped[int] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    tender: Mapped["Tender"] = relationship()  # noqa: F821

    @property
    def is_current(self):
        return self.superseded_at is None


class BidFile(StoredFile, db.Model):
    """A file attached to a bid: sealed like the bid."""

    __tablename__ = "tender_bid_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("tender_bids.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    bid: Mapped["Bid"] = relationship()  # noqa: F821


class Question(db.Model):
    """A supplier's clarification question and the buyer's answer; who asked is kept for the record, never published."""

    __tablename__ = "tender_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    asked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    tender: Mapped["Tender"] = relationship()  # noqa: F821
