"""Organisations and the record of their cooperative-identity verification."""
import datetime as dt

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime, one_of, utcnow

LEGAL_FORMS = (
    "cooperative", "cooperative_federation", "cooperative_bank", "mutual",
    "sme", "large_enterprise", "ngo", "public_body",
)
COOPERATIVE_FAMILY = ("cooperative", "cooperative_federation", "cooperative_bank")
#: SQL: the organisation is a verified cooperative (Organization.is_cooperative and .verified); the partial index
#: ix_organizations_verified_cooperatives holds exactly these rows.
VERIFIED_COOPERATIVE = f"{one_of('legal_form', COOPERATIVE_FAMILY)} AND verification_status = 'verified'"
SIZES = ("micro", "small", "medium", "large")
SECTORS = (
    "agriculture", "banking", "consumer", "fisheries", "health",
    "housing", "industry_services", "insurance", "other",
)
VERIFICATION_STATUSES = ("unverified", "pending", "verified", "rejected")
#: What a federation federates: the co-operatives of a territory (a national or regional apex body), or of one sector
#: (its own `sector`), as the ICA's sectoral organisations do worldwide. Only federations have a scope.
FEDERATION_SCOPES = ("territorial", "sectoral")
#: A step of the verification record; "voided": a change of name, legal form or country undid the standing status.
VERIFICATION_EVENT_KINDS = ("requested", "verified", "rejected", "voided")


organization_sdgs = Table(
    "organization_sdgs",
    db.metadata,
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    Column("sdg_number", ForeignKey("sdg_goals.number"), primary_key=True),
)


class Organization(db.Model):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint(one_of("legal_form", LEGAL_FORMS), name="legal_form"),
        CheckConstraint(one_of("size", SIZES), name="size"),
        CheckConstraint(one_of("sector", SECTORS), name="sector"),
        CheckConstraint(one_of("verification_status", VERIFICATION_STATUSES), name="verification_status"),
        CheckConstraint(f"federation_scope IS NULL OR (legal_form = 'cooperative_federation' AND "
                        f"{one_of('federation_scope', FEDERATION_SCOPES)})", name="federation_scope"),
        # A lot's evaluation hashes the ids of the verified cooperatives (app.tenders.ranking): read from this alone.
        Index("ix_organizations_verified_cooperatives", "id", postgresql_where=text(VERIFIED_COOPERATIVE),
              sqlite_where=text(VERIFIED_COOPERATIVE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    legal_form: Mapped[str] = mapped_column(String(30))
    size: Mapped[str] = mapped_column(String(10))
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.iso2"), index=True)
    city: Mapped[str | None] = mapped_column(String(120))
    sector: Mapped[str] = mapped_column(String(20))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    #: False while a platform admin suspends the organisation (app.moderation keeps it with `suspended_at`): every
    #: public query, search document and action for the organisation reads this flag.
    is_active: Mapped[bool] = mapped_column(default=True)
    suspended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    external_ref: Mapped[str | None] = mapped_column(String(120), unique=True)
    verification_status: Mapped[str] = mapped_column(String(12), default="unverified")
    #: A federation's scope (FEDERATION_SCOPES); None for every other legal form, and read as territorial for a federation.
    federation_scope: Mapped[str | None] = mapped_column(String(11))
    #: Anyone may read the organisation's report (app.reports) when True; its members always may.
    report_public: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Bumped with every change the search index shows; the engine refuses a write older than what it holds.
    search_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    country: Mapped["Country"] = relationship(lazy="joined")  # noqa: F821
    sdgs: Mapped[list["SdgGoal"]] = relationship(secondary=organization_sdgs, order_by="SdgGoal.number")  # noqa: F821
    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="organization", cascade="all, delete-orphan"
    )
    verification_events: Mapped[list["VerificationEvent"]] = relationship(
        back_populates="organization", order_by="VerificationEvent.id", cascade="all, delete-orphan",
        foreign_keys="VerificationEvent.organization_id",
    )
    suspended_by: Mapped["User | None"] = relationship(foreign_keys=[suspended_by_id])  # noqa: F821

    @property
    def is_suspended(self):
        return self.suspended_at is not None

    @property
    def is_cooperative(self):
        return self.legal_form in COOPERATIVE_FAMILY

    @property
    def verified(self):
        return self.verification_status == "verified"

    @property
    def ica_region(self):
        return self.country.ica_region if self.country else None

    @property
    def latest_decision(self):
        """The verify / reject decision that stands now (none once a change of name, legal form or country voids it)."""
        decisions = [e for e in self.verification_events if e.kind in ("verified", "rejected")]
        if decisions and decisions[-1].kind == self.verification_status:
            return decisions[-1]
        return None


class VerificationEvent(db.Model):
    """One step of a verification: requested, verified, rejected or voided, by whom, when, with a note."""

    __tablename__ = "verification_events"
    __table_args__ = (CheckConstraint(one_of("kind", VERIFICATION_EVENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acting_for_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(
        back_populates="verification_events", foreign_keys=[organization_id]
    )
    actor: Mapped["User | None"] = relationship()  # noqa: F821
    acting_for: Mapped[Organization | None] = relationship(foreign_keys=[acting_for_id])
