"""Listings: what organisations offer."""
import datetime as dt

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime, one_of, utcnow
from app.money import Money

LISTING_STATUSES = ("draft", "active", "paused", "archived")
LISTING_KINDS = ("good", "service")
LISTING_LANGUAGES = ("en", "fr", "es")

listing_delivery_countries = Table(
    "listing_delivery_countries",
    db.metadata,
    Column("listing_id", ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True),
    Column("country_code", ForeignKey("countries.iso2"), primary_key=True),
)

listing_sdgs = Table(
    "listing_sdgs",
    db.metadata,
    Column("listing_id", ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True),
    Column("sdg_number", ForeignKey("sdg_goals.number"), primary_key=True),
)


class Listing(db.Model):
    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint(one_of("status", LISTING_STATUSES), name="status"),
        CheckConstraint(one_of("kind", LISTING_KINDS), name="kind"),
        CheckConstraint(one_of("language", LISTING_LANGUAGES), name="language"),
        CheckConstraint(
            "(price_minor IS NULL AND price_currency IS NULL) OR (price_minor > 0 AND price_currency IS NOT NULL)",
            name="price",
        ),
        Index("ix_listings_organization_status", "organization_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2), default="en")
    kind: Mapped[str] = mapped_column(String(8), default="good")
    cpv_code8: Mapped[str] = mapped_column(ForeignKey("cpv_codes.code8"), index=True)
    price_minor: Mapped[int | None] = mapped_column(BigInteger)
    price_currency: Mapped[str | None] = mapped_column(String(3))
    unit: Mapped[str] = mapped_column(String(40), default="")
    min_order_quantity: Mapped[int] = mapped_column(default=1)
    lead_time_days: Mapped[int | None] = mapped_column()
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: Bumped with every change that alters the search document; sent as the document's external version.
    search_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped["Organization"] = relationship(lazy="joined")  # noqa: F821
    cpv: Mapped["CpvCode"] = relationship(lazy="joined")  # noqa: F821
    delivery_countries: Mapped[list["Country"]] = relationship(  # noqa: F821
        secondary=listing_delivery_countries, order_by="Country.iso2"
    )
    sdgs: Mapped[list["SdgGoal"]] = relationship(secondary=listing_sdgs, order_by="SdgGoal.number")  # noqa: F821

    @property
    def price(self):
        """The price as Money, or None when it is 'on request'."""
        if self.price_minor is None:
            return None
        return Money(self.price_minor, self.price_currency)

    @property
    def is_public(self):
        return self.status == "active" and self.organization.is_active
