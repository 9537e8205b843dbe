"""JSON API: reading the audit trail (there is no way to change it)."""
from app.accounts.auth import require_api_user
from app.audit import services
from app.audit.schemas import PAGING, AuditPageSchema, AuditQuerySchema, PlatformAuditQuerySchema
from app.http import ApiBlueprint

blp = ApiBlueprint("audit_api", __name__, url_prefix="/api/v1", description="Audit trail (read only)")


@blp.route("/organizations/<int:organization_id>/audit", methods=["GET"])
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema, description=PAGING)
def organization_trail(query, organization_id):
    """The organisation's audit trail (its admins and platform admins), newest first."""
    _organization, page = services.organization_trail(require_api_user(), organization_id, **query)
    return page


@blp.route("/audit", methods=["GET"])
@blp.arguments(PlatformAuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema, description=PAGING)
def platform_trail(query):
    """The whole audit trail (platform admins), newest first, optionally of one organisation."""
    return services.platform_trail(require_api_user(), **query)
