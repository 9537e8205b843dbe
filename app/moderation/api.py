"""JSON API: platform admins suspend and reinstate organisations and users."""
from flask import request

from app.accounts.auth import require_api_user
from app.extensions import db
from app.http import ApiBlueprint
from app.moderation import services
from app.moderation.schemas import OrganizationSuspensionSchema, SuspensionCreateSchema, UserSuspensionSchema
from app.orgs.services import get_organization

blp = ApiBlueprint("moderation_api", __name__, url_prefix="/api/v1", description="Moderation (platform admins)")


@blp.route("/organizations/<int:organization_id>/suspension", methods=["POST"])
@blp.arguments(SuspensionCreateSchema)
@blp.response(200, OrganizationSuspensionSchema)
def suspend_organization(payload, organization_id):
    """Suspend an organisation with a reason (platform admins): it leaves pages and search, nobody may act for it."""
    actor = require_api_user()
    organization = services.suspend_organization(actor, get_organization(organization_id), payload["reason"], ip=request.remote_addr)
    db.session.commit()
    return organization


@blp.route("/organizations/<int:organization_id>/suspension", methods=["DELETE"])
@blp.response(204)
def reinstate_organization(organization_id):
    """Reinstate a suspended organisation (platform admins)."""
    services.reinstate_organization(require_api_user(), get_organization(organization_id), ip=request.remote_addr)
    db.session.commit()


@blp.route("/users/<int:user_id>/suspension", methods=["POST"])
@blp.arguments(SuspensionCreateSchema)
@blp.response(200, UserSuspensionSchema)
def suspend_user(payload, user_id):
    """Suspend a user with a reason (platform admins, not themselves): no log-in, no session, no API token."""
    actor = require_api_user()
    user = services.suspend_user(actor, services.get_user(actor, user_id), payload["reason"], ip=request.remote_addr)
    db.session.commit()
    return user


@blp.route("/users/<int:user_id>/suspension", methods=["DELETE"])
@blp.response(204)
def reinstate_user(user_id):
    """Reinstate a suspended user (platform admins)."""
    actor = require_api_user()
    services.reinstate_user(actor, services.get_user(actor, user_id), ip=request.remote_addr)
    db.session.commit()
