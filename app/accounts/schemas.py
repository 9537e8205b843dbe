"""Shapes of accounts and tokens in the API."""
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from app.accounts.models import TOKEN_SCOPES
from app.orgs.schemas import OrganizationCreateSchema, OrganizationSchema, OrganizationSummarySchema
from app.schemas import Pattern, Trimmed


class RegisterSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=200), load_only=True)
    name = Trimmed(required=True, validate=validate.Length(1, 120))
    organization = fields.Nested(OrganizationCreateSchema, required=True)


class CredentialsSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=200))
    name = fields.String(validate=validate.Length(1, 80))
    scope = fields.String(load_default="write", validate=validate.OneOf(TOKEN_SCOPES),
                          metadata={"description": "`read` tokens are refused (403 `insufficient_scope`) on every write"})
    expires_in_days = fields.Integer(load_default=None, validate=validate.Range(1, 365),
                                     metadata={"description": "lifetime in days; 90 when omitted"})
    otp = fields.String(
        validate=Pattern(r"^ *[0-9]{6} *$", error=_l("Give the 6 digits your authenticator app shows.")),
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
    scope = fields.String(validate=validate.OneOf(TOKEN_SCOPES))
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(attribute="secret")


class AcceptInvitationSchema(Schema):
    name = Trimmed(required=True, validate=validate.Length(1, 120))
    password = fields.String(required=True, validate=validate.Length(max=200), load_only=True)


class LinkTokenSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(1, 100),
                          metadata={"description": "the last path segment of the link in the mail"})


class PasswordResetRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(1, 254))


class PasswordResetSchema(LinkTokenSchema):
    password = fields.String(required=True, validate=validate.Length(max=200), load_only=True)


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(max=200), load_only=True)
    password = fields.String(required=True, validate=validate.Length(max=200), load_only=True)


class TwoFactorCodeSchema(Schema):
    code = Trimmed(required=True, validate=validate.Length(1, 40))


class TwoFactorDisableSchema(TwoFactorCodeSchema):
    password = fields.String(required=True, validate=validate.Length(1, 200), load_only=True)
