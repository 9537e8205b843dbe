"""Shapes of the directory and of federation memberships in the API."""
from marshmallow import Schema, fields, validate

from app.converters import MAX_ID
from app.directory.models import FEDERATION_MEMBERSHIP_STATUSES
from app.directory.services import DECISIONS, KINDS
from app.orgs.models import SECTORS
from app.orgs.schemas import OrganizationSummarySchema
from app.schemas import ICA_REGIONS, CountryCode, WholeNumber, page_schema


class DirectoryQuerySchema(Schema):
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS), metadata={
        "description": "federation: federations of a territory; cooperative_bank; sectoral: federations of a sector"})
    country = CountryCode(load_default=None, metadata={"description": "ISO 3166 alpha-2 code of the country"})
    region = fields.String(load_default=None, validate=validate.OneOf(ICA_REGIONS), metadata={
        "description": "ICA region of the country"})
    sector = fields.String(load_default=None, validate=validate.OneOf(SECTORS))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 100))


class DirectoryEntrySchema(OrganizationSummarySchema):
    kind = fields.String(metadata={"description": "federation, cooperative_bank or sectoral"})
    sector = fields.String()
    city = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    confirmed_members = fields.Integer(allow_none=True, metadata={
        "description": "Members the federation confirmed (null for a co-operative bank)"})


DirectoryPageSchema = page_schema(DirectoryEntrySchema)


class FederationDeclarationSchema(Schema):
    federation_id = WholeNumber(required=True, validate=validate.Range(1, MAX_ID), metadata={
        "description": "A verified federation of the directory"})


class FederationDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))


class FederationMembersQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(FEDERATION_MEMBERSHIP_STATUSES))


class FederationMembershipSchema(Schema):
    id = fields.Integer()
    member = fields.Nested(OrganizationSummarySchema)
    federation = fields.Nested(OrganizationSummarySchema)
    status = fields.String(metadata={"description": "declared, confirmed, declined or ended"})
    declared_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    ended_by = fields.Function(
        lambda membership: None if membership.ended_by_organization_id is None else
        "member" if membership.ended_by_organization_id == membership.member_id else "federation",
        metadata={"description": "The side that ended it: member or federation (null while it stands)"})
