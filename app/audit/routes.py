"""Pages: an organisation's audit trail for its admins, the whole trail for platform admins."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.audit import bp, services
from app.audit.schemas import AuditQuerySchema, PlatformAuditQuerySchema
from app.errors import ValidationFailed


def _query(schema):
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as error:
        raise ValidationFailed(_("Some fields are not valid."), error.messages) from None


@bp.route("/organizations/<int:organization_id>/audit")
@login_required
def organization_trail(organization_id):
    organization, page = services.organization_trail(current_user, organization_id, **_query(AuditQuerySchema()))
    return render_template("audit/trail.html", organization=organization, page=page, filters={})


@bp.route("/admin/audit")
@login_required
def platform_trail():
    query = _query(PlatformAuditQuerySchema())
    page = services.platform_trail(current_user, **query)
    filters = {"organization_id": query["organization_id"]} if query["organization_id"] else {}
    return render_template("audit/trail.html", organization=None, page=page, filters=filters)
