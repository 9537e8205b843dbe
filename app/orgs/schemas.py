"""Shapes of organisations in the API."""
from marshmallow import Schema, fields, validate

from app.accounts.models import ROLES
from app.orgs.models import FEDERATION_SCOPES, LEGAL_FORMS, SECTORS, SIZES
from app.schemas import CountryCode, JsonBoolean, PartialMixin, Pattern, Trimmed, sdg_list

#: http(s), a host name with a dot, then anything but spaces and control characters.
WEBSITE_PATTERN = r"^https?://[^\u0000-\u0020/?#]+\.[^\u0000-\u0020/?#]+(?:[/?#][^\u0000-\u0020]*)?$"


class OrganizationCreateSchema(Schema):
    name = Trimmed(required=True, validate=validate.Length(2, 200))
    legal_form = fields.String(required=True, validate=validate.OneOf(LEGAL_FORMS))
    size = fields.String(required=True, validate=validate.OneOf(SIZES))
    country = CountryCode(known=True, required=True)
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    city = Trimmed(validate=validate.Length(max=120))
    website = fields.String(allow_none=True, validate=[
        validate.Length(max=300), Pattern(WEBSITE_PATTERN, error="Not a valid URL.")])
    description = fields.String(validate=validate.Length(max=5000))
    sdgs = sdg_list()


class OrganizationUpdateSchema(PartialMixin, OrganizationCreateSchema):
    class Meta:
        # A scope with another legal form in the same request is refused (one with the organisation's current legal
        # form, when the request gives none, is checked by the service).
        openapi = {"if": {"required": ["legal_form"],
                          "properties": {"legal_form": {"not": {"const": "cooperative_federation"}}}},
                   "then": {"properties": {"federation_scope": {"type": "null"}}}}

    federation_scope = fields.String(allow_none=True, validate=validate.OneOf(FEDERATION_SCOPES), metadata={
        "description": "A federation's scope: territorial (a national or regional apex body) or sectoral (the apex body "
                       "of its sector). Only a federation has one (the legal form given, else the organisation's): "
                       "null for any other legal form, which also clears it"})
    report_public = JsonBoolean(metadata={"description": "Anyone may read the organisation's report (its members always "
                                                         "may)"})


class VerificationDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("verified", "rejected")))
    note = fields.String(required=True, validate=validate.Length(3, 2000))


class VerificationRecordSchema(Schema):
    decision = fields.String(attribute="kind")
    note = fields.String()
    decided_at = fields.DateTime(attribute="created_at")
    decided_by = fields.Function(lambda event: event.actor.name if event.actor else None)
    acting_for = fields.Function(
        lambda event: {"id": event.acting_for.id, "name": event.acting_for.name} if event.acting_for else None
    )


class OrganizationSummarySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    legal_form = fields.String()
    is_cooperative = fields.Boolean()
    verified = fields.Boolean()
    country = fields.String(attribute="country_code")
    region = fields.String(attribute="ica_region", allow_none=True)


class OrganizationSchema(OrganizationSummarySchema):
    size = fields.String()
    sector = fields.String()
    city = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    description = fields.String()
    sdgs = fields.Function(lambda org: [goal.number for goal in org.sdgs])
    verification_status = fields.String()
    federation_scope = fields.String(allow_none=True)
    report_public = fields.Boolean()
    verification = fields.Nested(VerificationRecordSchema, attribute="latest_decision", allow_none=True)
    suspended = fields.Boolean(attribute="is_suspended")
    created_at = fields.DateTime()


class InvitationCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class InvitationSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    role = fields.String()
    organization_id = fields.Integer()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()


class MemberRoleUpdateSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class MemberSchema(Schema):
    user_id = fields.Integer()
    name = fields.String(attribute="user.name")
    email = fields.String(attribute="user.email")
    role = fields.String()
    joined_at = fields.DateTime(attribute="created_at")
