"""Which federation a co-operative belongs to: declared by the member, confirmed or declined by the federation, ended
by either side. The rows are kept after a decline or an end, as the record of who decided what and when."""
import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime, one_of, utcnow

#: declared: the member says it belongs; confirmed or declined by the federation's admins; ended by either side.
FEDERATION_MEMBERSHIP_STATUSES = ("declared", "confirmed", "declined", "ended")
#: A membership that stands (one at most per member and federation).
STANDING = ("declared", "confirmed")
_STANDING_SQL = one_of("status", STANDING)


class FederationMembership(db.Model):
    __tablename__ = "federation_memberships"
    __table_args__ = (
        CheckConstraint(one_of("status", FEDERATION_MEMBERSHIP_STATUSES), name="status"),
        CheckConstraint("member_id <> federation_id", name="not_self"),
        Index("uq_federation_memberships_standing", "member_id", "federation_id", unique=True,
              postgresql_where=text(_STANDING_SQL), sqlite_where=text(_STANDING_SQL)),
        Index("ix_federation_memberships_federation_status", "federation_id", "status"),
        Index("ix_federation_memberships_member_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    federation_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="declared")
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The side that ended it: the member or the federation.
    ended_by_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    member: Mapped["Organization"] = relationship(foreign_keys=[member_id], lazy="joined")  # noqa: F821
    federation: Mapped["Organization"] = relationship(foreign_keys=[federation_id], lazy="joined")  # noqa: F821
    declared_by: Mapped["User | None"] = relationship(foreign_keys=[declared_by_id])  # noqa: F821
    decided_by: Mapped["User | None"] = relationship(foreign_keys=[decided_by_id])  # noqa: F821
    ended_by: Mapped["User | None"] = relationship(foreign_keys=[ended_by_id])  # noqa: F821

    @property
    def standing(self):
        return self.status in STANDING
