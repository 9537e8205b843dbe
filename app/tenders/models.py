"""Tenders, their lots, sealed bids, and the contracts awards create."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime, one_of, utcnow
from app.money import Money
from app.tenders.evaluation import POLICIES, Policy, percent_text

#: Stored states; "closed" is not one of them: a published tender is closed once its deadline has passed.
TENDER_STATUSES = ("draft", "published", "cancelled")
BID_STATUSES = ("submitted", "withdrawn")
CONTRACT_STATUSES = ("active", "completed", "terminated")
#: An award decision waits out its standstill, then is concluded (the contract) unless the buyer withdrew it.
DECISION_STATUSES = ("standstill", "withdrawn", "concluded")
MAX_STANDSTILL_DAYS = 30


class Tender(db.Model):
    __tablename__ = "tenders"
    __table_args__ = (
        CheckConstraint(one_of("status", TENDER_STATUSES), name="status"),
        CheckConstraint(one_of("policy", POLICIES), name="policy"),
        CheckConstraint("margin_basis_points BETWEEN 0 AND 3000", name="margin"),
        CheckConstraint("budget_minor IS NULL OR budget_minor > 0", name="budget"),
        CheckConstraint(f"standstill_days BETWEEN 0 AND {MAX_STANDSTILL_DAYS}", name="standstill_days"),
        Index("ix_tenders_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cpv_code8: Mapped[str] = mapped_column(ForeignKey("cpv_codes.code8"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    budget_minor: Mapped[int | None] = mapped_column(BigInteger)
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: The end of the enquiry period (questions are taken from publication until then); None: no questions.
    clarification_deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    policy: Mapped[str] = mapped_column(String(12), default="none")
    #: The margin of preference in hundredths of a percent (750 = 7.5 %): exact, on every database.
    margin_basis_points: Mapped[int] = mapped_column(default=0)
    price_weight: Mapped[int] = mapped_column(default=100)
    quality_weight: Mapped[int] = mapped_column(default=0)
    cooperative_weight: Mapped[int] = mapped_column(default=0)
    #: Days between an award decision and its contract, when the buyer may still withdraw the decision.
    standstill_days: Mapped[int] = mapped_column(default=0, server_default="0")
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    search_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped["Organization"] = relationship(lazy="joined")  # noqa: F821
    cpv: Mapped["CpvCode"] = relationship(lazy="joined")  # noqa: F821
    lots: Mapped[list["Lot"]] = relationship(back_populates="tender", order_by="Lot.number", cascade="all, delete-orphan")

    @property
    def budget(self):
        return None if self.budget_minor is None else Money(self.budget_minor, self.currency)

    @property
    def margin_percent(self):
        return Decimal(self.margin_basis_points) / 100

    @property
    def margin_text(self):
        """The margin of preference as people write it: '10', '7.5'."""
        return percent_text(self.margin_percent)

    @property
    def preference(self):
        return Policy(self.policy, self.margin_percent, self.price_weight, self.quality_weight, self.cooperative_weight)

    def is_past_deadline(self, now=None):
        return (now or utcnow()) >= self.deadline

    def state(self, now=None):
        """draft, open, closed (published, deadline passed), awarded (every lot), or cancelled; computed on read."""
        if self.status != "published":
            return self.status
        if not self.is_past_deadline(now):
            return "open"
        if self.lots and all(lot.contract is not None for lot in self.lots):
            return "awarded"
        return "closed"


class Lot(db.Model):
    __tablename__ = "tender_lots"
    __table_args__ = (UniqueConstraint("tender_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    tender: Mapped[Tender] = relationship(back_populates="lots")
    contract: Mapped["Contract | None"] = relationship(back_populates="lot", uselist=False, lazy="selectin")


class Bid(db.Model):
    __tablename__ = "tender_bids"
    __table_args__ = (
        CheckConstraint(one_of("status", BID_STATUSES), name="status"),
        CheckConstraint("price_minor > 0", name="price"),
        CheckConstraint("quality_mark IS NULL OR quality_mark BETWEEN 0 AND 100", name="quality_mark"),
        # One standing bid per organisation and lot; withdrawn ones stay as a record.
        Index("uq_tender_bids_standing", "lot_id", "organization_id", unique=True,
              postgresql_where=text("status = 'submitted'"), sqlite_where=text("status = 'submitted'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("tender_lots.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    delivery_days: Mapped[int] = mapped_column()
    proposal: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="submitted")
    quality_mark: Mapped[int | None] = mapped_column()
    #: The bid's rank in its lot's evaluation, fixed when the lot is awarded (None: not ranked, or not eligible).
    final_rank: Mapped[int | None] = mapped_column()
    #: When this version of the bid was made: a replacement is a new submission (the tie-break uses it).
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    tender: Mapped[Tender] = relationship()
    lot: Mapped[Lot] = relationship()
    organization: Mapped["Organization"] = relationship(lazy="joined")  # noqa: F821
    #: A joint bid's group, the lead first; empty for a bid by one organisation.
    members: Mapped[list["BidMember"]] = relationship(back_populates="bid", cascade="all, delete-orphan",
                                                      order_by="(BidMember.is_lead.desc(), BidMember.id)")

    @property
    def price(self):
        return Money(self.price_minor, self.currency)


class Contract(db.Model):
    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint(one_of("status", CONTRACT_STATUSES), name="status"),
        CheckConstraint("value_minor > 0", name="value"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        Index("ix_contracts_awarded_at", "awarded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("tender_lots.id", ondelete="CASCADE"), unique=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("tender_bids.id", ondelete="CASCADE"), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    value_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    start_date: Mapped[dt.date | None] = mapped_column()
    end_date: Mapped[dt.date | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="active")
    #: The award, as it was decided: the bid's rank, the written reason when it was not the first, and what the
    #: supplier was at that moment (the transparency figures must not move when an organisation changes later).
    awarded_rank: Mapped[int | None] = mapped_column()
    justification: Mapped[str | None] = mapped_column(Text)
    policy: Mapped[str] = mapped_column(String(12))
    bid_count: Mapped[int] = mapped_column()
    supplier_verified_cooperative: Mapped[bool] = mapped_column()
    supplier_is_sme: Mapped[bool] = mapped_column()
    supplier_region: Mapped[str | None] = mapped_column(String(40))
    supplier_sector: Mapped[str] = mapped_column(String(20))
    #: Won by a joint bid: its members' parts are its ContractShares (reports count those, not the whole value).
    joint_bid: Mapped[bool] = mapped_column(default=False, server_default=false())
    rating: Mapped[int | None] = mapped_column()
    rating_comment: Mapped[str | None] = mapped_column(Text)
    awarded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    tender: Mapped[Tender] = relationship(lazy="joined")
    lot: Mapped[Lot] = relationship(back_populates="contract")
    bid: Mapped[Bid] = relationship()
    buyer: Mapped["Organization"] = relationship(foreign_keys=[buyer_id], lazy="joined")  # noqa: F821
    supplier: Mapped["Organization"] = relationship(foreign_keys=[supplier_id], lazy="joined")  # noqa: F821
    #: A joint bid's contract names every member with its part of the value; empty for one supplier.
    shares: Mapped[list["ContractShare"]] = relationship(back_populates="contract", cascade="all, delete-orphan", lazy="selectin",
                                                         order_by="(ContractShare.is_lead.desc(), ContractShare.organization_id)")

    @property
    def value(self):
        return Money(self.value_minor, self.currency)


class ContractTotal(db.Model):
    """Running totals of contract value per currency and per value of a dashboard dimension ("all", region, sector,
    policy, month), kept in the award's transaction: the transparency dashboard reads a few rows, never every contract.
    An award's figures never change afterwards (they are the award-day snapshot), so totals only ever grow."""

    __tablename__ = "contract_totals"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    contracts: Mapped[int] = mapped_column(default=0)
    value_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    cooperative_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class BidMember(db.Model):
    """An organisation of a joint bid, the lead included, with its declared share of the work and its confirmation."""

    __tablename__ = "tender_bid_members"
    __table_args__ = (
        UniqueConstraint("bid_id", "organization_id"),
        CheckConstraint("share_basis_points BETWEEN 1 AND 10000", name="share"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("tender_bids.id", ondelete="CASCADE"), index=True)
    #: The bid's lot (a bid never changes lot): a lot's evaluation reads its groups by it, without its thousands of bids.
    lot_id: Mapped[int] = mapped_column(ForeignKey("tender_lots.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    #: The declared share in hundredths of a percent (3333 = 33.33 %): the shares of a group sum to 10,000.
    share_basis_points: Mapped[int] = mapped_column()
    is_lead: Mapped[bool] = mapped_column(default=False)
    #: Set when one of the member's admins or sellers confirmed, before the deadline (the lead's submission confirms it).
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    bid: Mapped[Bid] = relationship(back_populates="members")
    organization: Mapped["Organization"] = relationship(lazy="joined")  # noqa: F821

    @property
    def share_percent(self):
        return Decimal(self.share_basis_points) / 100


class AwardDecision(db.Model):
    """The buyer's choice of a bid for a lot: bidders are debriefed, and the contract follows once the standstill ends."""

    __tablename__ = "tender_award_decisions"
    __table_args__ = (
        CheckConstraint(one_of("status", DECISION_STATUSES), name="status"),
        # One decision standing (or concluded) per lot; withdrawn ones stay as a record.
        Index("uq_tender_award_decisions_standing", "lot_id", unique=True,
              postgresql_where=text("status <> 'withdrawn'"), sqlite_where=text("status <> 'withdrawn'")),
        Index("ix_tender_award_decisions_due", "status", "standstill_ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("tender_lots.id", ondelete="CASCADE"))
    bid_id: Mapped[int] = mapped_column(ForeignKey("tender_bids.id", ondelete="CASCADE"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rank: Mapped[int] = mapped_column()
    bid_count: Mapped[int] = mapped_column()
    justification: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[dt.date | None] = mapped_column()
    end_date: Mapped[dt.date | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="standstill")
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    standstill_ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    concluded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    tender: Mapped[Tender] = relationship()
    lot: Mapped[Lot] = relationship()
    bid: Mapped[Bid] = relationship()

    @property
    def contract(self):
        return self.lot.contract if self.status == "concluded" else None


class ContractShare(db.Model):
    """A joint bid member's part of a contract, fixed when it is concluded: the parts' values sum to the contract's."""

    __tablename__ = "contract_shares"

    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True,
                                                 index=True)
    share_basis_points: Mapped[int] = mapped_column()
    value_minor: Mapped[int] = mapped_column(BigInteger)
    is_lead: Mapped[bool] = mapped_column(default=False)
    #: What the member was when the contract was concluded (the transparency figures must not move later).
    verified_cooperative: Mapped[bool] = mapped_column()

    contract: Mapped[Contract] = relationship(back_populates="shares")
    organization: Mapped["Organization"] = relationship(lazy="joined")  # noqa: F821

    @property
    def share_percent(self):
        return Decimal(self.share_basis_points) / 100

    @property
    def value(self):
        return Money(self.value_minor, self.contract.currency)
