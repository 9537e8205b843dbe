"""Trade between organisations: conversations and their messages, requests for quotation, quotes, orders, and the
running totals of trade the transparency dashboard shows.

Quantities are kept as whole thousandths (`quantity_milli`: 333.333 kg is 333333) and money as integer minor units,
so that every total is exact on every database.
"""
import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime, one_of, utcnow
from app.money import Money

SUBJECT_KINDS = ("listing", "rfq", "quote", "order")
RFQ_STATUSES = ("draft", "published", "cancelled")
RFQ_VISIBILITIES = ("public", "invited")
QUOTE_STATUSES = ("sent", "superseded", "withdrawn", "declined", "accepted")
ORDER_STATUSES = ("placed", "confirmed", "shipped", "delivered", "completed", "cancelled")
#: The eleven rules of Incoterms 2020: seven for any mode of transport, four for sea and inland waterway.
INCOTERMS = ("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF")
#: Quantities are stored in thousandths: at most three decimals.
QUANTITY_SCALE = 1000


def quantity_of(milli):
    """A stored quantity as a Decimal with its three decimals dropped when they are zeros (500, 333.333)."""
    return (Decimal(milli) / QUANTITY_SCALE).normalize() + 0


class Conversation(db.Model):
    """Messages between a buyer and a seller organisation, optionally about a listing, an RFQ, a quote or an order.

    The last message is copied onto the conversation so that an inbox of thousands reads one table."""

    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint("buyer_organization_id <> seller_organization_id", name="two_parties"),
        CheckConstraint(f"subject_kind IS NULL OR {one_of('subject_kind', SUBJECT_KINDS)}", name="subject_kind"),
        CheckConstraint("(subject_kind IS NULL) = (subject_id IS NULL)", name="subject"),
        Index("ix_conversations_buyer_last", "buyer_organization_id", "last_message_at"),
        Index("ix_conversations_seller_last", "seller_organization_id", "last_message_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    seller_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    #: The organisation that wrote first (it counts against its limit of new conversations).
    started_by_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    subject_kind: Mapped[str | None] = mapped_column(String(8))
    subject_id: Mapped[int | None] = mapped_column()
    last_message_id: Mapped[int | None] = mapped_column()
    last_message_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sender_organization_id: Mapped[int | None] = mapped_column()
    message_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    buyer: Mapped["Organization"] = relationship(foreign_keys=[buyer_organization_id], lazy="joined")  # noqa: F821
    seller: Mapped["Organization"] = relationship(foreign_keys=[seller_organization_id], lazy="joined")  # noqa: F821

    def party_ids(self):
        return (self.buyer_organization_id, self.seller_organization_id)

    def other_party(self, organization_id):
        return self.seller if organization_id == self.buyer_organization_id else self.buyer


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    sender_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    sender_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    #: An attached file: its storage key (app.uploads), the name it was sent with, its true type and size.
    attachment_key: Mapped[str | None] = mapped_column(String(60))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_bytes: Mapped[int | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    sender_organization: Mapped["Organization"] = relationship(lazy="joined")  # noqa: F821
    sender: Mapped["User | None"] = relationship()  # noqa: F821


class ConversationRead(db.Model):
    """How far a member has read a conversation: every message up to `message_id`."""

    __tablename__ = "conversation_reads"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    message_id: Mapped[int] = mapped_column()


class OrganizationBlock(db.Model):
    """An organisation refusing messages and quotes from another; the other is not told."""

    __tablename__ = "organization_blocks"
    __table_args__ = (CheckConstraint("blocker_id <> blocked_id", name="not_self"),)

    blocker_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    blocked: Mapped["Organization"] = relationship(foreign_keys=[blocked_id], lazy="joined")  # noqa: F821


rfq_invitations = Table(
    "rfq_invitations",
    db.metadata,
    Column("rfq_id", ForeignKey("rfqs.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Rfq(db.Model):
    """A request for quotation: a buyer's need, answered by suppliers' quotes until `quotes_due`."""

    __tablename__ = "rfqs"
    __table_args__ = (
        CheckConstraint(one_of("status", RFQ_STATUSES), name="status"),
        CheckConstraint(one_of("visibility", RFQ_VISIBILITIES), name="visibility"),
        CheckConstraint("quantity_milli > 0", name="quantity"),
        Index("ix_rfqs_status_quotes_due", "status", "quotes_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cpv_code8: Mapped[str] = mapped_column(ForeignKey("cpv_codes.code8"), index=True)
    quantity_milli: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(40))
    delivery_country_code: Mapped[str] = mapped_column(ForeignKey("countries.iso2"))
    needed_by: Mapped[dt.date] = mapped_column()
    quotes_due: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    visibility: Mapped[str] = mapped_column(String(8), default="public")
    cooperatives_only: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: How many suppliers were told of it when it was published.
    suppliers_notified: Mapped[int] = mapped_column(default=0)
    search_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped["Organization"] = relationship(lazy="joined")  # noqa: F821
    cpv: Mapped["CpvCode"] = relationship(lazy="joined")  # noqa: F821
    delivery_country: Mapped["Country"] = relationship(lazy="joined")  # noqa: F821
    invited: Mapped[list["Organization"]] = relationship(  # noqa: F821
        secondary=rfq_invitations, order_by="Organization.name")

    @property
    def quantity(self):
        return quantity_of(self.quantity_milli)

    def accepts_quotes_at(self, moment):
        return self.status == "published" and moment < self.quotes_due


class Quote(db.Model):
    """One version of a seller's priced offer to a buyer. A revision is a new row with the same `first_version_id`
    and the next `version`; the one it replaces becomes `superseded`."""

    __tablename__ = "quotes"
    __table_args__ = (
        CheckConstraint(one_of("status", QUOTE_STATUSES), name="status"),
        CheckConstraint(one_of("incoterm", INCOTERMS), name="incoterm"),
        CheckConstraint("total_minor > 0", name="total"),
        CheckConstraint("seller_organization_id <> buyer_organization_id", name="two_parties"),
        UniqueConstraint("first_version_id", "version", name="version"),
        Index("ix_quotes_buyer_status", "buyer_organization_id", "status"),
        Index("ix_quotes_seller_status", "seller_organization_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_version_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    seller_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    buyer_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    rfq_id: Mapped[int | None] = mapped_column(ForeignKey("rfqs.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    incoterm: Mapped[str] = mapped_column(String(3))
    delivery_place: Mapped[str] = mapped_column(String(200))
    lead_time_days: Mapped[int] = mapped_column()
    valid_until: Mapped[dt.date] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="sent")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    seller: Mapped["Organization"] = relationship(foreign_keys=[seller_organization_id], lazy="joined")  # noqa: F821
    buyer: Mapped["Organization"] = relationship(foreign_keys=[buyer_organization_id], lazy="joined")  # noqa: F821
    rfq: Mapped[Rfq | None] = relationship()
    lines: Mapped[list["QuoteLine"]] = relationship(
        back_populates="quote", order_by="QuoteLine.position", cascade="all, delete-orphan")

    @property
    def total(self):
        return Money(self.total_minor, self.currency)

    @property
    def thread_id(self):
        """The id shared by every version of this quote (the first version's)."""
        return self.first_version_id or self.id


class PricedLine:
    """What a quote's line and an order's line hold: what, how many (in thousandths), at what unit price, and the line's
    total, in the currency of the quote or order (`currency`)."""

    position: Mapped[int] = mapped_column()
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(500))
    quantity_milli: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(40))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)

    @property
    def quantity(self):
        return quantity_of(self.quantity_milli)

    @property
    def unit_price(self):
        return Money(self.unit_price_minor, self.currency)

    @property
    def total(self):
        return Money(self.total_minor, self.currency)


class QuoteLine(PricedLine, db.Model):
    __tablename__ = "quote_lines"
    __table_args__ = (
        CheckConstraint("quantity_milli > 0", name="quantity"),
        CheckConstraint("unit_price_minor > 0", name="unit_price"),
        CheckConstraint("total_minor >= 0", name="total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)

    quote: Mapped[Quote] = relationship(back_populates="lines")

    @property
    def currency(self):
        return self.quote.currency


class Order(db.Model):
    """What accepting a quote creates: its lines and terms frozen, moving placed → confirmed → shipped → delivered →
    completed, or cancelled before shipping. What the parties were when it was placed is kept for the transparency
    figures, which must not move when an organisation changes later."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(one_of("status", ORDER_STATUSES), name="status"),
        CheckConstraint("total_minor > 0", name="total"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        Index("ix_orders_buyer_status", "buyer_organization_id", "status"),
        Index("ix_orders_seller_status", "seller_organization_id", "status"),
        Index("ix_orders_status_delivered", "status", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="RESTRICT"), unique=True)
    buyer_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    seller_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    rfq_id: Mapped[int | None] = mapped_column(ForeignKey("rfqs.id", ondelete="SET NULL"))
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    incoterm: Mapped[str] = mapped_column(String(3))
    delivery_place: Mapped[str] = mapped_column(String(200))
    lead_time_days: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="placed")
    seller_verified_cooperative: Mapped[bool] = mapped_column()
    buyer_verified_cooperative: Mapped[bool] = mapped_column()
    seller_region: Mapped[str | None] = mapped_column(String(40))
    seller_sector: Mapped[str] = mapped_column(String(20))
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    placed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    rating: Mapped[int | None] = mapped_column()
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    buyer: Mapped["Organization"] = relationship(foreign_keys=[buyer_organization_id], lazy="joined")  # noqa: F821
    seller: Mapped["Organization"] = relationship(foreign_keys=[seller_organization_id], lazy="joined")  # noqa: F821
    quote: Mapped[Quote] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", order_by="OrderLine.position", cascade="all, delete-orphan")

    @property
    def total(self):
        return Money(self.total_minor, self.currency)


class OrderLine(PricedLine, db.Model):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def currency(self):
        return self.order.currency


class TradeTotal(db.Model):
    """Running totals of the value of orders not cancelled, per currency and per value of a dashboard dimension ("all",
    region, sector, month): what the seller was, and whether both parties were verified co-operatives."""

    __tablename__ = "trade_totals"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    orders: Mapped[int] = mapped_column(default=0)
    value_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    cooperative_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    inter_cooperative_minor: Mapped[int] = mapped_column(BigInteger, default=0)
