"""Shapes of accounts and tokens in the API."""
from flask_babel import lazy_gettext as _l
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
    otp = fields.String(
        validate=validate.Regexp(r"^\s*\d{6}\s*$", error=_l("Give the 6 digits your authenticator app shows.")),
        load_only=True,
        metadata={"description": "The current 6-digit code of the authenticator app. Required when the account has "
                                 "two-factor sign-in on: missing or wrong, the answer is 401 with a field error on "
                                 "`otp`. Each code is accepted once.",
                  "example": "123456"},
    )


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


class TwoFactorCodeSchema(Schema):
    code = Trimmed(required=True, validate=validate.Length(1, 40))


class TwoFactorDisableSchema(TwoFactorCodeSchema):
    password = fields.String(required=True, validate=validate.Length(1, 200), load_only=True)
