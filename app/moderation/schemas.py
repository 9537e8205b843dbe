"""Shapes of suspensions in the API."""
from marshmallow import Schema, fields, validate

from app.moderation.services import REASON_MAX_LENGTH
from app.schemas import Trimmed


class SuspensionCreateSchema(Schema):
    reason = Trimmed(required=True, validate=validate.Length(1, REASON_MAX_LENGTH),
                     metadata={"description": "Why; shown to the organisation's admins, never to the public."})


class SuspensionStateSchema(Schema):
    suspended = fields.Boolean(attribute="is_suspended")
    suspended_at = fields.DateTime(allow_none=True)
    reason = fields.String(attribute="suspension_reason", allow_none=True)
    suspended_by = fields.Function(
        lambda target: {"id": target.suspended_by.id, "name": target.suspended_by.name} if target.suspended_by else None
    )


class OrganizationSuspensionSchema(SuspensionStateSchema):
    organization_id = fields.Integer(attribute="id")
    name = fields.String()


class UserSuspensionSchema(SuspensionStateSchema):
    user_id = fields.Integer(attribute="id")
    email = fields.String()
    name = fields.String()


class ModerationQuerySchema(Schema):
    q = Trimmed(load_default="", validate=validate.Length(max=254))
