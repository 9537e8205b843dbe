"""Crowd-funding campaigns, their donations and match pledges, and the open ledger of every movement of money."""
import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime, one_of, utcnow
from app.money import Money

#: Stored states. A live campaign whose deadline has passed is still "live" until `flask campaigns close-due` settles it
#: (it charges pledges, which cannot happen on read); pages show it as ended from the deadline on.
CAMPAIGN_STATUSES = ("draft", "live", "succeeded", "failed", "closed")
FUNDING_MODELS = ("keep_it_all", "all_or_nothing")
#: pending: a Checkout Session was made, nothing paid yet; pledged: a card saved for an all-or-nothing campaign;
#: succeeded: a verified webhook said it was paid; failed: the payment (or the off-session charge) failed;
#: released: an all-or-nothing campaign missed its goal, nothing was charged; refunded: paid, then given back;
#: review: Stripe reported an amount or currency that is not the donation's: not counted until a person looks.
DONATION_STATUSES = ("pending", "pledged", "succeeded", "failed", "released", "refunded", "review")
#: A campaign's own money (its balance is their sum), then the match pools' movements, shown beside it: a pool is paid
#: in by its pledger (pool), drawn by the campaign's match entries, and what is left is refunded to it (return).
CAMPAIGN_LEDGER_KINDS = ("donation", "match", "refund", "fee", "expense", "disbursement")
POOL_LEDGER_KINDS = ("pool", "return")
LEDGER_KINDS = CAMPAIGN_LEDGER_KINDS + POOL_LEDGER_KINDS
#: offered: a verified organisation offers to match; accepted by the campaign's owners, or declined; active once the
#: pledger paid its total cap into the match pool (Stripe's webhook says so): only then do donations draw on it;
#: settled: the campaign was settled and nothing was left in the pool; refunded: what was left went back to the pledger;
#: cancelled: withdrawn, or never paid before the campaign ended.
MATCH_PLEDGE_STATUSES = ("offered", "accepted", "declined", "active", "settled", "refunded", "cancelled")
#: How an address came to follow a campaign: it asked (and confirmed the mailed link), or it gave.
FOLLOWER_SOURCES = ("follow", "donation")
EXPENSE_CATEGORIES = ("equipment", "works", "services", "staff", "materials", "travel", "fees", "other")

campaign_sdgs = Table(
    "campaign_sdgs",
    db.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("sdg_number", ForeignKey("sdg_goals.number"), primary_key=True),
)


class Campaign(db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint(one_of("status", CAMPAIGN_STATUSES), name="status"),
        CheckConstraint(one_of("funding_model", FUNDING_MODELS), name="funding_model"),
        CheckConstraint("goal_minor > 0", name="goal"),
        Index("ix_campaigns_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: Markdown as the owner wrote it; pages show it rendered and sanitised (app.campaigns.story).
    story: Mapped[str] = mapped_column(Text, default="")
    goal_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    funding_model: Mapped[str] = mapped_column(String(14))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: Running figures, changed only by single UPDATE ... SET x = x + n statements in the transaction that writes the
    #: matching ledger entries (app.campaigns.funds): a campaign page reads them, never sums 10,000 donations.
    raised_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    matched_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    pledged_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    donors_count: Mapped[int] = mapped_column(default=0, server_default="0")
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    search_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped["Organization"] = relationship(lazy="joined")  # noqa: F821
    sdgs: Mapped[list["SdgGoal"]] = relationship(secondary=campaign_sdgs, order_by="SdgGoal.number")  # noqa: F821
    budget_lines: Mapped[list["BudgetLine"]] = relationship(
        back_populates="campaign", order_by="BudgetLine.position", cascade="all, delete-orphan")
    updates: Mapped[list["CampaignUpdate"]] = relationship(
        back_populates="campaign", order_by="CampaignUpdate.created_at.desc()", cascade="all, delete-orphan")

    @property
    def goal(self):
        return Money(self.goal_minor, self.currency)

    @property
    def raised(self):
        return Money(self.raised_minor, self.currency)

    @property
    def matched(self):
        return Money(self.matched_minor, self.currency)

    @property
    def refunded(self):
        return Money(self.refunded_minor, self.currency)

    @property
    def pledged(self):
        return Money(self.pledged_minor, self.currency)

    def is_past_deadline(self, now=None):
        return (now or utcnow()) >= self.deadline


class BudgetLine(db.Model):
    """What the money is for: an amount, required to do the project at all, or a stretch goal."""

    __tablename__ = "campaign_budget_lines"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount"), UniqueConstraint("campaign_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    required: Mapped[bool] = mapped_column(default=True)

    campaign: Mapped[Campaign] = relationship(back_populates="budget_lines")

    @property
    def amount(self):
        return Money(self.amount_minor, self.campaign.currency)


class CampaignUpdate(db.Model):
    """News the owners post for donors and members (Markdown, shown sanitised)."""

    __tablename__ = "campaign_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="updates")


def donor_name(name, anonymous, anonymous_as="Anonymous", nameless_as="A donor"):
    """What the public sees of a donor: 'Anonymous' if asked, else the name given (or 'A donor'). The API and the
    ledger's descriptions keep these English words; pages show them translated (the `donor` filter of app.campaigns.routes)."""
    if anonymous:
        return anonymous_as
    return name or nameless_as


def receipt_number(donation_id):
    """What receipts and statements call a donation."""
    return f"COOPEX-D{donation_id:08d}"


class Donation(db.Model):
    __tablename__ = "donations"
    __table_args__ = (
        CheckConstraint(one_of("status", DONATION_STATUSES), name="status"),
        CheckConstraint("amount_minor > 0", name="amount"),
        # A campaign's donations by status, latest paid first: the page's "latest donors" reads ten of 10,000 here.
        Index("ix_donations_campaign_status_paid", "campaign_id", "status", "paid_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="")
    anonymous: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str] = mapped_column(String(1000), default="")
    #: The donor's language when giving: mail about the gift is written in it (donors need no account).
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    #: The donor's own link to the receipt (no account needed): a random token, compared in constant time.
    receipt_token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    setup_intent_id: Mapped[str | None] = mapped_column(String(255))
    customer_id: Mapped[str | None] = mapped_column(String(255))
    payment_method_id: Mapped[str | None] = mapped_column(String(255))
    refund_id: Mapped[str | None] = mapped_column(String(255))
    #: An all-or-nothing pledge is charged once: the settling run that sets this first is the one that charges.
    charge_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    review_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[Campaign] = relationship(lazy="joined")

    @property
    def amount(self):
        return Money(self.amount_minor, self.currency)

    @property
    def receipt_number(self):
        return receipt_number(self.id)

    @property
    def public_message(self):
        """The donor's message, unless the donor asked to be anonymous (a message can tell who wrote it)."""
        return "" if self.anonymous else self.message

    @property
    def public_name(self):
        return donor_name(self.name, self.anonymous)


class CampaignFollower(db.Model):
    """An address that receives a campaign's updates by mail: following starts once the mailed link is confirmed
    (double opt-in), or with a gift; every update carries a one-click unsubscribe, and an address that unsubscribed is
    not made to follow again by giving."""

    __tablename__ = "campaign_followers"
    __table_args__ = (
        UniqueConstraint("campaign_id", "email"),
        CheckConstraint(one_of("source", FOLLOWER_SOURCES), name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    #: Normalised (trimmed, lower case), as account addresses are: the update mail reaches an account's owner as they
    #: chose for campaign news.
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="en")
    source: Mapped[str] = mapped_column(String(10), default="follow")
    #: The SHA-256 of the confirmation link's secret (the secret is only mailed); cleared once used.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[Campaign] = relationship()

    @property
    def is_following(self):
        return self.confirmed_at is not None and self.unsubscribed_at is None


class MatchPledge(db.Model):
    """An organisation's offer to match donations: factor (in hundredths: 100 = 1:1), a cap per donation, a cap in all.
    Once the campaign's owners accept it, the pledger pays the cap in all into a match pool; matches draw on what was
    paid, never on a promise."""

    __tablename__ = "match_pledges"
    __table_args__ = (
        CheckConstraint(one_of("status", MATCH_PLEDGE_STATUSES), name="status"),
        CheckConstraint("factor_percent > 0 AND factor_percent <= 1000", name="factor"),
        CheckConstraint("cap_per_donation_minor > 0 AND cap_total_minor > 0", name="caps"),
        CheckConstraint("matched_minor >= 0 AND matched_minor <= cap_total_minor", name="within_cap"),
        # The pool is never overdrawn: what matches drew and what was refunded never exceed what was paid in.
        CheckConstraint("paid_minor >= 0 AND paid_minor <= cap_total_minor", name="paid"),
        CheckConstraint("refunded_minor >= 0 AND matched_minor + refunded_minor <= paid_minor", name="within_pool"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="offered", server_default="offered")
    factor_percent: Mapped[int] = mapped_column()
    cap_per_donation_minor: Mapped[int] = mapped_column(BigInteger)
    cap_total_minor: Mapped[int] = mapped_column(BigInteger)
    #: What has been matched so far (drawn from the pool); the database refuses more than was paid (CHECK).
    matched_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: What the pledger paid into the pool (its cap in all, once Stripe's webhook says it was paid).
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: What was left in the pool at settlement, given back to the pledger.
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    checkout_session_id: Mapped[str | None] = mapped_column(String(255))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    refund_id: Mapped[str | None] = mapped_column(String(255))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The settling run that sets this first is the one that asks Stripe for the refund (cleared if Stripe was down).
    refund_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    organization: Mapped["Organization"] = relationship(lazy="joined")  # noqa: F821

    @property
    def factor(self):
        """'1.00' for 1:1, '0.50' for 1:2."""
        return f"{self.factor_percent // 100}.{self.factor_percent % 100:02d}"

    @property
    def cap_per_donation(self):
        return Money(self.cap_per_donation_minor, self.campaign.currency)

    @property
    def cap_total(self):
        return Money(self.cap_total_minor, self.campaign.currency)

    @property
    def matched(self):
        return Money(self.matched_minor, self.campaign.currency)

    @property
    def paid(self):
        return Money(self.paid_minor, self.campaign.currency)

    @property
    def refunded(self):
        return Money(self.refunded_minor, self.campaign.currency)

    @property
    def held(self):
        """What the pool still holds: paid in, less what matches drew and what was refunded."""
        return Money(self.paid_minor - self.matched_minor - self.refunded_minor, self.campaign.currency)


class Expense(db.Model):
    """Money spent from a campaign, against a budget line, with its receipt (stored outside the web root)."""

    __tablename__ = "campaign_expenses"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount"),
        CheckConstraint(one_of("category", EXPENSE_CATEGORIES), name="category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_budget_lines.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    receipt_key: Mapped[str] = mapped_column(String(80))
    receipt_type: Mapped[str] = mapped_column(String(40))
    receipt_size: Mapped[int] = mapped_column()
    spent_on: Mapped[dt.date] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    budget_line: Mapped[BudgetLine | None] = relationship()

    @property
    def amount(self):
        return Money(self.amount_minor, self.currency)


class LedgerEntry(db.Model):
    """One movement of a campaign's money. `amount_minor` is signed: money in is positive, money out negative, so the
    balance is the sum of the campaign's kinds. A refund gives back the donation (kind refund) and its matches (kind
    refund, with the pledge) to their pool. Pool entries (pool, return: with the pledge, no donation) move the
    match pools' money, which is not the campaign's until a match draws it.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(one_of("kind", LEDGER_KINDS), name="kind"),
        CheckConstraint("amount_minor <> 0", name="amount"),
        Index("ix_ledger_entries_campaign_id", "campaign_id", "id"),
        # Totals per kind and spending per budget line, read from the index alone on PostgreSQL.
        Index("ix_ledger_entries_campaign_kind", "campaign_id", "kind", "budget_line_id",
              postgresql_include=["amount_minor"]),
        # At most one entry of a kind per donation (donation, fee, refund) and per donation and pledge (match, and
        # the match given back by a refund): two partial indexes, as NULLs never collide in a unique index.
        Index("uq_ledger_entries_donation", "kind", "donation_id", unique=True,
              postgresql_where=text("donation_id IS NOT NULL AND match_pledge_id IS NULL"),
              sqlite_where=text("donation_id IS NOT NULL AND match_pledge_id IS NULL")),
        Index("uq_ledger_entries_match", "kind", "donation_id", "match_pledge_id", unique=True,
              postgresql_where=text("match_pledge_id IS NOT NULL"), sqlite_where=text("match_pledge_id IS NOT NULL")),
        # A pool is paid in once and refunded once.
        Index("uq_ledger_entries_pool", "kind", "match_pledge_id", unique=True,
              postgresql_where=text("donation_id IS NULL AND match_pledge_id IS NOT NULL"),
              sqlite_where=text("donation_id IS NULL AND match_pledge_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(14))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donations.id", ondelete="SET NULL"))
    match_pledge_id: Mapped[int | None] = mapped_column(ForeignKey("match_pledges.id", ondelete="SET NULL"))
    expense_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_expenses.id", ondelete="SET NULL"))
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_budget_lines.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(500), default="")
    #: The Stripe object the entry comes from (event, refund, balance transaction), for reconciliation.
    stripe_reference: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def amount(self):
        return Money(self.amount_minor, self.currency)
