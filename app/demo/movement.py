"""Demo of the movement's directory: the scope of the demo's federations (the ones that federate a sector: worker
co-operatives, savings and credit, dairy, agriculture), Co-operatives UK with confirmed members and one declaration
waiting for its admin, and the demo seller's co-operative making its report public. Idempotent."""
from sqlalchemy import select

from app.demo.seed import FEDERATION_REF
from app.directory.models import FederationMembership
from app.extensions import db
from app.models_base import utcnow
from app.orgs.models import Organization

SECTORAL_FEDERATIONS = (
    "demo:Confederación Española de Cooperativas de Trabajo Asociado (COCETA)",
    "demo:Confédération générale des Scop et des Scic",
    "demo:Kenya Union of Savings and Credit Co-operatives (KUSCCO)",
    "demo:Gujarat Cooperative Milk Marketing Federation (Amul)",
    "demo:Zen-Noh",
)
#: How many UK co-operatives Co-operatives UK confirms (the demo seller's first), and then one that waits.
CONFIRMED = 8


def seed_demo_movement(federation_admin, seller_organization):
    """Scopes, memberships and a public report; returns how many memberships were added."""
    for federation in db.session.scalars(select(Organization).where(
            Organization.legal_form == "cooperative_federation", Organization.federation_scope.is_(None))):
        federation.federation_scope = "sectoral" if federation.external_ref in SECTORAL_FEDERATIONS else "territorial"
    seller_organization.report_public = True
    uk = db.session.scalar(select(Organization).where(Organization.external_ref == FEDERATION_REF))
    if uk is None or db.session.scalar(select(FederationMembership.id).where(
            FederationMembership.federation_id == uk.id).limit(1)) is not None:
        return 0
    others = db.session.scalars(select(Organization).where(
        Organization.country_code == "GB", Organization.legal_form == "cooperative",
        Organization.verification_status == "verified", Organization.id != seller_organization.id)
        .order_by(Organization.id).limit(CONFIRMED))
    members = [*([seller_organization] if seller_organization.is_cooperative else []), *others]
    now = utcnow()
    for index, member in enumerate(members):
        waiting = index == len(members) - 1
        db.session.add(FederationMembership(
            member=member, federation=uk, status="declared" if waiting else "confirmed", declared_at=now,
            decided_by_id=None if waiting else federation_admin.id, decided_at=None if waiting else now))
    db.session.flush()
    return len(members)
