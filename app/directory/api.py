"""JSON API: the directory, and federation memberships (declared by members, decided by federations)."""
from flask import request

from app.accounts.auth import allows_anonymous, require_api_user
from app.directory import services
from app.directory.schemas import (
    DirectoryPageSchema,
    DirectoryQuerySchema,
    FederationDecisionSchema,
    FederationDeclarationSchema,
    FederationMembershipSchema,
    FederationMembersQuerySchema,
)
from app.extensions import db
from app.http import ApiBlueprint
from app.orgs.services import get_organization

blp = ApiBlueprint("directory_api", __name__, url_prefix="/api/v1", description="The movement's directory")


def entry_json(organization, kind, confirmed_members):
    return {"id": organization.id, "name": organization.name, "legal_form": organization.legal_form,
            "is_cooperative": organization.is_cooperative, "verified": organization.verified,
            "country_code": organization.country_code, "ica_region": organization.ica_region, "kind": kind,
            "sector": organization.sector, "city": organization.city, "website": organization.website,
            "confirmed_members": confirmed_members}


@blp.route("/directory", methods=["GET"])
@allows_anonymous
@blp.arguments(DirectoryQuerySchema(), location="query")
@blp.response(200, DirectoryPageSchema)
def directory(query):
    """Verified federations and co-operative banks by ICA region and country, and sectoral organisations by sector."""
    page = db.paginate(services.directory_query(query["kind"], query["country"], query["region"], query["sector"]),
                       page=query["page"], per_page=query["per_page"], error_out=False)
    counts = services.confirmed_member_counts([organization.id for organization in page.items])
    items = []
    for organization in page.items:
        kind = services.kind_of(organization)
        items.append(entry_json(organization, kind,
                                None if kind == "cooperative_bank" else counts.get(organization.id, 0)))
    return {"items": items, "total": page.total, "page": query["page"], "per_page": query["per_page"]}


@blp.route("/organizations/<int:organization_id>/federations", methods=["GET"])
@blp.response(200, FederationMembershipSchema(many=True))
def list_federations(organization_id):
    """The federations the organisation declared it belongs to, newest first, in every status (its members)."""
    return services.federations_of(require_api_user(), get_organization(organization_id))


@blp.route("/organizations/<int:organization_id>/federations", methods=["POST"])
@blp.arguments(FederationDeclarationSchema)
@blp.response(201, FederationMembershipSchema)
def declare_federation(payload, organization_id):
    """Declare that the organisation belongs to a verified federation (its admins); the federation confirms or declines."""
    membership = services.declare(require_api_user(), get_organization(organization_id), payload["federation_id"],
                                  ip=request.remote_addr)
    db.session.commit()
    return membership


@blp.route("/organizations/<int:organization_id>/federation-members", methods=["GET"])
@blp.arguments(FederationMembersQuerySchema(), location="query")
@blp.response(200, FederationMembershipSchema(many=True))
def list_federation_members(query, organization_id):
    """The memberships declared to the federation, newest first, optionally of one status (its members)."""
    return services.members_of(require_api_user(), get_organization(organization_id), query["status"])


@blp.route("/federation-memberships/<int:membership_id>/decision", methods=["POST"])
@blp.arguments(FederationDecisionSchema)
@blp.response(200, FederationMembershipSchema)
def decide_membership(payload, membership_id):
    """Confirm or decline a declared membership (the federation's admins)."""
    user = require_api_user()
    membership = services.decide(user, services.membership_for(user, membership_id), payload["decision"],
                                 ip=request.remote_addr)
    db.session.commit()
    return membership


@blp.route("/federation-memberships/<int:membership_id>/end", methods=["POST"])
@blp.response(200, FederationMembershipSchema)
def end_membership(membership_id):
    """End a declared or confirmed membership (the admins of either side)."""
    user = require_api_user()
    membership = services.end(user, services.membership_for(user, membership_id), ip=request.remote_addr)
    db.session.commit()
    return membership
