"""Saved searches and the documents that alerted them."""
import datetime as dt

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime, one_of, utcnow

#: What can be searched and saved: the kinds of the search pages.
SEARCH_KINDS = ("listings", "tenders", "rfqs", "campaigns")
FREQUENCIES = ("immediately", "daily", "weekly", "off")
#: A person keeps at most this many saved searches (as TED does): enough to follow a trade, not to scrape it.
MAX_SAVED_SEARCHES = 25


class SavedSearch(db.Model):
    """A user's search, kept with a name and how often new matches are mailed. Stored as the search's own parameters,
    and in the engine as a percolator query: each document indexed is matched against every saved search."""

    __tablename__ = "saved_searches"
    __table_args__ = (
        CheckConstraint(one_of("kind", SEARCH_KINDS), name="kind"),
        CheckConstraint(one_of("frequency", FREQUENCIES), name="frequency"),
        Index("ix_saved_searches_user", "user_id", "id"),
        # One default alert per member, organisation and kind (the one the app keeps up to date).
        Index("uq_saved_searches_default", "user_id", "organization_id", "kind", unique=True,
              postgresql_where=text("is_default"), sqlite_where=text("is_default")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    #: The search API's own parameters, as validated by the kind's search schema.
    query: Mapped[dict] = mapped_column(JSON)
    frequency: Mapped[str] = mapped_column(String(12), default="immediately")
    #: A supplier's default alert (tenders and RFQs in its listings' divisions and countries), made by the app for
    #: a member of `organization_id`, and kept up to date until the member changes it.
    is_default: Mapped[bool] = mapped_column(default=False)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    #: When the member changed their default alert: from then on it is theirs, and the app no longer updates it.
    customised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Secret part of the feed's address (feed readers do not log in).
    feed_token: Mapped[str] = mapped_column(String(43), unique=True)
    #: Bumped on every change: the engine keeps the newest version of the percolator query.
    search_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821


class AlertMatch(db.Model):
    """A document that matched a saved search: at most once per search and document, so it alerts once."""

    __tablename__ = "alert_matches"
    __table_args__ = (
        UniqueConstraint("saved_search_id", "doc_id", name="uq_alert_matches_search_doc"),
        Index("ix_alert_matches_search_created", "saved_search_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    saved_search_id: Mapped[int] = mapped_column(ForeignKey("saved_searches.id", ondelete="CASCADE"))
    doc_id: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
