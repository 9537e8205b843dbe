"""Shapes of accounts and tokens in the API."""
from marshmallow import Schema, fields, validate

from app.orgs.schemas import OrganizationCreateSchema, OrganizationSchema, OrganizationSummarySchema
from app.schemas import Trimmed


class RegisterSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=200), load_only=True)
    name = Trimmed(required=True, validate=validate.Length(1, 120))
    organization = fields.Nested(OrganizationCreateSchema, required=True)


class CredentialsSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=200))
    name = fields.String(validate=validate.Length(1, 80))


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    is_platform_admin = fields.Boolean()


class MembershipSchema(Schema):
    role = fields.String()
    organization = fields.Nested(OrganizationSummarySchema)


class MeSchema(UserSchema):
    memberships = fields.List(fields.Nested(MembershipSchema))


class RegisteredSchema(Schema):
    user = fields.Nested(UserSchema)
    organization = fields.Nested(OrganizationSchema)


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(attribute="secret")


class AcceptInvitationSchema(Schema):
    name = Trimmed(required=True, validate=validate.Length(1, 120))
    password = fields.String(required=True, validate=validate.Length(max=200), load_only=True)
