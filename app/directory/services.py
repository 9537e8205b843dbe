"""The movement's directory, and who belongs to which federation.

The directory lists verified, active apex bodies: federations whose scope is a territory (`federation`), co-operative
banks (`cooperative_bank`), and federations whose scope is a sector (`sectoral`: its `sector` is the one it federates).

A member of the cooperative family declares the federation it belongs to (its admins); the federation's admins confirm
or decline; the admins of either side may end it. Each step is in the audit trail of the side that took it; both sides'
members see it on their organisation's federations page. Who may read and act is decided here, from the acting user.
"""
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select

from app.accounts.services import require_membership
from app.audit.services import record
from app.database import lock
from app.directory.models import STANDING, FederationMembership
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.models_base import utcnow
from app.orgs.models import Organization
from app.reference.models import Country

KINDS = ("federation", "cooperative_bank", "sectoral")
DECISIONS = ("confirmed", "declined")

_FEDERATION = Organization.legal_form == "cooperative_federation"
_SECTORAL = and_(_FEDERATION, Organization.federation_scope == "sectoral")
_KIND_CLAUSES = {
    "federation": and_(_FEDERATION, or_(Organization.federation_scope.is_(None),
                                        Organization.federation_scope == "territorial")),
    "cooperative_bank": Organization.legal_form == "cooperative_bank",
    "sectoral": _SECTORAL,
}


def kind_of(organization):
    """The directory kind of an organisation (None: not an apex body)."""
    if organization.legal_form == "cooperative_bank":
        return "cooperative_bank"
    if organization.legal_form == "cooperative_federation":
        return "sectoral" if organization.federation_scope == "sectoral" else "federation"
    return None


def directory_query(kind=None, country=None, region=None, sector=None):
    """Verified, active apex bodies matching the filters, in the directory's order: territorial federations, then banks,
    by ICA region, country and name; then sectoral organisations by sector and name."""
    statement = (select(Organization).join(Country, Country.iso2 == Organization.country_code)
                 .where(Organization.verification_status == "verified", Organization.is_active.is_(True),
                        _KIND_CLAUSES[kind] if kind else or_(*_KIND_CLAUSES.values())))
    if country:
        statement = statement.where(Organization.country_code == country)
    if region:
        statement = statement.where(Country.ica_region == region)
    if sector:
        statement = statement.where(Organization.sector == sector)
    kind_order = case((_KIND_CLAUSES["cooperative_bank"], 1), (_SECTORAL, 2), else_=0)
    group = case((_SECTORAL, Organization.sector), else_=func.coalesce(Country.ica_region, ""))
    subgroup = case((_SECTORAL, ""), else_=Country.name_en)
    return statement.order_by(kind_order, group, subgroup, Organization.name, Organization.id)


def confirmed_member_counts(federation_ids):
    """{federation id: number of confirmed members} for the given federations."""
    if not federation_ids:
        return {}
    rows = db.session.execute(select(FederationMembership.federation_id, func.count())
                              .where(FederationMembership.federation_id.in_(federation_ids),
                                     FederationMembership.status == "confirmed")
                              .group_by(FederationMembership.federation_id))
    return dict(rows.all())


def confirmed_members(federation_id):
    """A select of the ids of the federation's confirmed members."""
    return select(FederationMembership.member_id).where(FederationMembership.federation_id == federation_id,
                                                        FederationMembership.status == "confirmed")


def confirmed_federations(organization_id):
    """The active federations that confirmed the organisation as a member (public: shown on its profile)."""
    return list(db.session.scalars(
        select(Organization).join(FederationMembership, FederationMembership.federation_id == Organization.id)
        .where(FederationMembership.member_id == organization_id, FederationMembership.status == "confirmed",
               Organization.is_active.is_(True)).order_by(Organization.name)))


# Reading memberships ---------------------------------------------------------------------------------------------------


def require_reader(actor, organization):
    """An organisation's memberships are for its members (any role); 404 for anybody else."""
    if not (actor and actor.is_authenticated and actor.membership_of(organization.id) is not None):
        raise NotFound(_("No such organisation."))


def federations_of(actor, member):
    """Every membership the organisation declared, newest first (its members)."""
    require_reader(actor, member)
    return list(db.session.scalars(select(FederationMembership).where(FederationMembership.member_id == member.id)
                                   .order_by(FederationMembership.declared_at.desc(), FederationMembership.id.desc())))


def members_of(actor, federation, status=None):
    """The memberships declared to the federation, newest first, optionally of one status (its members)."""
    require_reader(actor, federation)
    statement = select(FederationMembership).where(FederationMembership.federation_id == federation.id)
    if status:
        statement = statement.where(FederationMembership.status == status)
    return list(db.session.scalars(statement.order_by(FederationMembership.declared_at.desc(),
                                                      FederationMembership.id.desc())))


def membership_for(actor, membership_id):
    """A membership for the members of either side; 404 for anybody else."""
    membership = db.session.get(FederationMembership, membership_id)
    if membership is None or not (actor and actor.is_authenticated and (
            actor.membership_of(membership.member_id) or actor.membership_of(membership.federation_id))):
        raise NotFound(_("No such federation membership."))
    return membership


# Declaring, deciding, ending ------------------------------------------------------------------------------------------


def _federation_named(federation_id):
    federation = db.session.get(Organization, federation_id)
    if (federation is None or federation.legal_form != "cooperative_federation" or not federation.verified
            or not federation.is_active):
        raise ValidationFailed(_("Not a verified federation."),
                               {"federation_id": [_("Choose a verified federation of the directory.")]})
    return federation


def declare(actor, member, federation_id, *, ip=None):
    """The member's admins declare that it belongs to a verified federation, which then decides."""
    require_membership(actor, member, "admin")
    if not member.is_cooperative:
        raise Conflict(_("Only co-operatives, federations and co-operative banks belong to a federation."))
    federation = _federation_named(federation_id)
    if federation.id == member.id:
        raise ValidationFailed(_("An organisation does not belong to itself."),
                               {"federation_id": [_("Choose another organisation than this one.")]})
    lock(member)  # two declarations at once: the second sees the first
    standing = db.session.scalar(select(FederationMembership).where(
        FederationMembership.member_id == member.id, FederationMembership.federation_id == federation.id,
        FederationMembership.status.in_(STANDING)))
    if standing is not None:
        raise Conflict(_("This membership is already declared."), {"federation_id": [_("Already declared.")]})
    membership = FederationMembership(member=member, federation=federation, status="declared", declared_by_id=actor.id,
                                      declared_at=utcnow())
    db.session.add(membership)
    db.session.flush()
    record("federation_membership.declared", actor=actor, organization=member,
           subject=f"federation_membership:{membership.id}", details={"federation_id": federation.id}, ip=ip)
    return membership


def decide(actor, membership, decision, *, ip=None):
    """The federation's admins confirm or decline a declared membership."""
    require_membership(actor, membership.federation, "admin")
    if decision not in DECISIONS:
        raise ValidationFailed(_("Unknown decision."), {"decision": [_("Choose confirmed or declined.")]})
    if membership.status != "declared":
        raise Conflict(_("Only a declared membership waits for a decision."))
    membership.status, membership.decided_by_id, membership.decided_at = decision, actor.id, utcnow()
    db.session.flush()
    record(f"federation_membership.{decision}", actor=actor, organization=membership.federation,
           subject=f"federation_membership:{membership.id}", details={"member_id": membership.member_id}, ip=ip)
    return membership


def end(actor, membership, *, ip=None):
    """The admins of either side end a declared or confirmed membership."""
    sides = [organization for organization in (membership.member, membership.federation)
             if (role := actor.membership_of(organization.id)) is not None and role.role == "admin"]
    side = sides[0] if sides else membership.member
    require_membership(actor, side, "admin")
    if not membership.standing:
        raise Conflict(_("This membership has already ended."))
    membership.status, membership.ended_by_id, membership.ended_at = "ended", actor.id, utcnow()
    membership.ended_by_organization_id = side.id
    db.session.flush()
    record("federation_membership.ended", actor=actor, organization=side,
           subject=f"federation_membership:{membership.id}",
           details={"member_id": membership.member_id, "federation_id": membership.federation_id}, ip=ip)
    return membership
