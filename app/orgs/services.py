"""Rules for organisations and for verifying cooperative identity."""
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.labels import label
from app.orgs.models import Organization, VerificationEvent
from app.reference.models import Country, SdgGoal


def get_organization(organization_id):
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound(_("No such organisation."))
    return organization


def resolve_country(code, field="country"):
    country = db.session.get(Country, (code or "").upper())
    if country is None:
        raise ValidationFailed(_("Unknown country."), {field: [_("Not an ISO 3166 alpha-2 country code.")]})
    return country


def resolve_countries(codes, field):
    codes = sorted({(code or "").upper() for code in codes})
    found = list(db.session.scalars(select(Country).where(Country.iso2.in_(codes)).order_by(Country.iso2))) if codes else []
    unknown = set(codes) - {c.iso2 for c in found}
    if unknown:
        raise ValidationFailed(_("Unknown country."),
                               {field: [_("Unknown country code(s): %(codes)s.", codes=", ".join(sorted(unknown)))]})
    return found


def resolve_sdgs(numbers, field="sdgs"):
    numbers = sorted(set(numbers))
    found = list(db.session.scalars(select(SdgGoal).where(SdgGoal.number.in_(numbers)).order_by(SdgGoal.number))) if numbers else []
    if len(found) != len(numbers):
        raise ValidationFailed(_("Unknown SDG."), {field: [_("SDGs are numbered 1 to 17.")]})
    return found


def create_organization(*, name, legal_form, size, country, sector, website=None, description="", sdgs=(), city=None):
    """A new, unverified organisation."""
    organization = Organization(
        name=name.strip(), legal_form=legal_form, size=size, country=resolve_country(country),
        sector=sector, website=website or None, description=description or "", city=city or None,
        sdgs=resolve_sdgs(sdgs),
    )
    db.session.add(organization)
    db.session.flush()
    return organization


def may_edit(user, organization):
    """Admins of the organisation change its profile (while it is not suspended, with a confirmed address)."""
    # Imported here: accounts.services imports this module (signing up creates an organisation).
    from app.accounts.services import require_membership

    require_membership(user, organization, "admin")


def update_organization(actor, organization, changes, *, ip=None):
    """Apply profile changes (the organisation's admins); a new name, legal form or country voids an earlier
    verification, pending, granted or refused: it was about the organisation as it was, and it asks again."""
    may_edit(actor, organization)
    changes = dict(changes)
    _check_federation_scope(organization, changes)
    if changes.get("report_public", organization.report_public) != organization.report_public:
        record("organization.report_visibility", actor=actor, organization=organization,
               subject=f"organization:{organization.id}", details={"public": changes["report_public"]}, ip=ip)
    voided_by = []
    if "country" in changes:
        country = resolve_country(changes.pop("country"))
        if country.iso2 != organization.country_code:
            voided_by.append(("country", organization.country_code, country.iso2))
            organization.country = country
    if "sdgs" in changes:
        organization.sdgs = resolve_sdgs(changes.pop("sdgs"))
    if "legal_form" in changes and changes["legal_form"] != organization.legal_form:
        voided_by.append(("legal_form", organization.legal_form, changes["legal_form"]))
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if changes["name"] != organization.name:
            voided_by.append(("name", organization.name, changes["name"]))
    for name, value in changes.items():
        setattr(organization, name, value)
    if voided_by:
        _void_verification(organization, actor, voided_by, ip=ip)
    db.session.flush()
    return organization


def _check_federation_scope(organization, changes):
    """Only a federation has a scope: one asked for another legal form is refused, and a federation that becomes
    something else loses its own."""
    if changes.get("legal_form", organization.legal_form) == "cooperative_federation":
        return
    if changes.get("federation_scope") is not None:
        raise ValidationFailed(_("Only federations have a scope."),
                               {"federation_scope": [_("Leave empty: only a federation has a scope.")]})
    changes["federation_scope"] = None


def _void_verification(organization, actor, changes, *, ip=None):
    """Back to unverified, with a "voided" step in the verification record saying what changed (nothing to record for
    an organisation that had never asked)."""
    if organization.verification_status == "unverified":
        return
    was = organization.verification_status
    organization.verification_status = "unverified"
    note = "; ".join(f"{field}: {old} → {new}" for field, old, new in changes)
    db.session.add(VerificationEvent(organization=organization, kind="voided", actor=actor, note=note))
    record("verification.voided", actor=actor, organization=organization, subject=f"organization:{organization.id}",
           details={"was": was, "changed": [field for field, _old, _new in changes]}, ip=ip)


def request_verification(organization, user):
    """An organisation of the cooperative family asks, through one of its admins, to have its identity checked."""
    may_edit(user, organization)
    if not organization.is_cooperative:
        raise ValidationFailed(
            _("Only cooperatives, federations and cooperative banks can be verified."),
            {"legal_form": [_("Verification is for the cooperative family.")]},
        )
    if organization.verification_status in ("pending", "verified"):
        raise Conflict(_("Verification is already %(status)s.", status=label("verification", organization.verification_status)))
    organization.verification_status = "pending"
    db.session.add(VerificationEvent(organization=organization, kind="requested", actor=user))
    db.session.flush()
    return organization


def verifying_federations(user, organization):
    """The user's admin memberships that let it verify this organisation: verified federations of its country."""
    return [
        m.organization for m in user.memberships
        if m.role == "admin"
        and m.organization.legal_form == "cooperative_federation"
        and m.organization.verified
        and m.organization.country_code == organization.country_code
        and m.organization_id != organization.id
    ]


def may_verify(user, organization):
    if not (user and user.is_authenticated) or user.membership_of(organization.id) is not None:
        return False
    return bool(user.is_platform_admin or verifying_federations(user, organization))


def may_verify_any(user):
    """Whether the user may decide on some organisation's verification: a platform admin, or an admin of a verified
    federation."""
    return bool(user and user.is_authenticated) and (user.is_platform_admin or any(
        m.role == "admin" and m.organization.legal_form == "cooperative_federation" and m.organization.verified
        for m in user.memberships))


def decide_verification(organization, user, decision, note, *, ip=None):
    """A platform admin, or an admin of a verified federation of the same country, verifies or rejects."""
    if decision not in ("verified", "rejected"):
        raise ValidationFailed(_("Unknown decision."), {"decision": [_("Choose verified or rejected.")]})
    if user.membership_of(organization.id) is not None:
        raise Forbidden(_("Nobody may decide on the verification of an organisation they belong to."))
    federations = verifying_federations(user, organization)
    if not (user.is_platform_admin or federations):
        raise Forbidden(_("Only platform admins and admins of a verified federation of the same country can verify."))
    if organization.verification_status != "pending":
        raise Conflict(_("This organisation has not asked to be verified."))
    organization.verification_status = decision
    event = VerificationEvent(
        organization=organization, kind=decision, note=note.strip(), actor=user,
        acting_for=None if user.is_platform_admin else federations[0],
    )
    db.session.add(event)
    db.session.flush()
    record("verification.decided", actor=user, organization=organization, subject=f"organization:{organization.id}",
           details={"decision": decision, "acting_for": event.acting_for_id}, ip=ip)
    return event


def pending_verifications_for(user):
    """Organisations waiting for a decision that this user may take."""
    statement = select(Organization).where(Organization.verification_status == "pending").order_by(Organization.id)
    if not user.is_platform_admin:
        countries = {
            m.organization.country_code for m in user.memberships
            if m.role == "admin" and m.organization.legal_form == "cooperative_federation" and m.organization.verified
        }
        if not countries:
            return []
        statement = statement.where(Organization.country_code.in_(countries))
    return [org for org in db.session.scalars(statement) if may_verify(user, org)]


