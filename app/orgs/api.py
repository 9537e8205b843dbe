"""JSON API: organisations, verification, invitations."""
from flask import request, url_for

from app.accounts import members
from app.accounts.auth import allows_anonymous, require_api_user
from app.extensions import db
from app.http import ApiBlueprint
from app.orgs import services
from app.orgs.schemas import (
    InvitationCreateSchema,
    InvitationSchema,
    MemberRoleUpdateSchema,
    MemberSchema,
    OrganizationSchema,
    OrganizationUpdateSchema,
    VerificationDecisionSchema,
)

blp = ApiBlueprint("orgs_api", __name__, url_prefix="/api/v1/organizations", description="Organisations")


@blp.route("/<int:organization_id>", methods=["GET"])
@allows_anonymous
@blp.response(200, OrganizationSchema)
def get_organization(organization_id):
    """An organisation's public profile, with its verification record."""
    return services.get_organization(organization_id)


@blp.route("/<int:organization_id>", methods=["PATCH"])
@blp.arguments(OrganizationUpdateSchema)
@blp.response(200, OrganizationSchema)
def update_organization(changes, organization_id):
    """Change the profile (admins of the organisation). A new name, legal form or country voids the verification: the
    organisation asks again."""
    organization = services.update_organization(require_api_user(), services.get_organization(organization_id), changes,
                                                ip=request.remote_addr)
    db.session.commit()
    return organization


@blp.route("/<int:organization_id>/verification-requests", methods=["POST"])
@blp.response(201, OrganizationSchema)
def request_verification(organization_id):
    """Ask for the cooperative identity to be verified (admins of the organisation)."""
    user = require_api_user()
    organization = services.get_organization(organization_id)
    services.request_verification(organization, user)
    db.session.commit()
    return organization


@blp.route("/<int:organization_id>/verification", methods=["POST"])
@blp.arguments(VerificationDecisionSchema)
@blp.response(200, OrganizationSchema)
def decide_verification(payload, organization_id):
    """Verify or reject (platform admins, admins of a verified federation of the same country)."""
    user = require_api_user()
    organization = services.get_organization(organization_id)
    services.decide_verification(organization, user, payload["decision"], payload["note"], ip=request.remote_addr)
    db.session.commit()
    return organization


@blp.route("/<int:organization_id>/members", methods=["GET"])
@blp.response(200, MemberSchema(many=True))
def list_members(organization_id):
    """The organisation's members and their roles (its members)."""
    return members.members_of(require_api_user(), services.get_organization(organization_id))


@blp.route("/<int:organization_id>/members/<int:user_id>", methods=["PATCH"])
@blp.arguments(MemberRoleUpdateSchema)
@blp.response(200, MemberSchema)
def change_member_role(payload, organization_id, user_id):
    """Give a member another role (admins); the last admin cannot be demoted (409)."""
    membership = members.change_role(require_api_user(), services.get_organization(organization_id), user_id,
                                     payload["role"], ip=request.remote_addr)
    db.session.commit()
    return membership


@blp.route("/<int:organization_id>/members/<int:user_id>", methods=["DELETE"])
@blp.response(204)
def remove_member(organization_id, user_id):
    """Remove a member (admins), or leave (a member removing itself); the last admin can do neither (409)."""
    members.remove_member(require_api_user(), services.get_organization(organization_id), user_id,
                          ip=request.remote_addr)
    db.session.commit()


@blp.route("/<int:organization_id>/invitations", methods=["GET"])
@blp.response(200, InvitationSchema(many=True))
def list_invitations(organization_id):
    """Pending invitations: not accepted, revoked or expired (admins)."""
    return members.pending_invitations(require_api_user(), services.get_organization(organization_id))


@blp.route("/<int:organization_id>/invitations", methods=["POST"])
@blp.arguments(InvitationCreateSchema)
@blp.response(201, InvitationSchema)
def invite(payload, organization_id):
    """Invite someone by e-mail with a role (admins of the organisation)."""
    invitation = members.send_invitation(
        require_api_user(), services.get_organization(organization_id), payload["email"], payload["role"],
        lambda secret: url_for("accounts.invitation", token=secret, _external=True), ip=request.remote_addr,
    )
    db.session.commit()
    return invitation


@blp.route("/<int:organization_id>/invitations/<int:invitation_id>", methods=["DELETE"])
@blp.response(204)
def revoke_invitation(organization_id, invitation_id):
    """Revoke a pending invitation (admins): its link can no longer be used."""
    members.revoke_invitation(require_api_user(), services.get_organization(organization_id), invitation_id,
                              ip=request.remote_addr)
    db.session.commit()
