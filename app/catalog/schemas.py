"""Shapes of listings in the API."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.catalog.models import LISTING_KINDS, LISTING_LANGUAGES, LISTING_STATUSES
from app.converters import MAX_ID
from app.orgs.schemas import OrganizationSummarySchema
from app.schemas import CountryCode, MoneyField, PageQuerySchema, PartialMixin, Pattern, Trimmed, WholeNumber, sdg_list


class ListingFieldsSchema(Schema):
    title = Trimmed(required=True, validate=validate.Length(3, 200))
    description = fields.String(load_default="", validate=validate.Length(max=10_000))
    language = fields.String(load_default="en", validate=validate.OneOf(LISTING_LANGUAGES))
    kind = fields.String(load_default="good", validate=validate.OneOf(LISTING_KINDS))
    cpv_code = fields.String(
        required=True,
        validate=Pattern(r"^[0-9]{8}(-[0-9])?$", error=_l("Give an 8-digit CPV code, e.g. 15861000-1.")),
    )
    price = MoneyField(load_default=None, allow_none=True)
    unit = Trimmed(load_default="", validate=validate.Length(max=40))
    min_order_quantity = WholeNumber(load_default=1, validate=validate.Range(1, 1_000_000_000))
    lead_time_days = WholeNumber(load_default=None, allow_none=True, validate=validate.Range(0, 3650))
    delivery_countries = fields.List(CountryCode(known=True), load_default=list, validate=validate.Length(max=250))
    sdgs = sdg_list(load_default=list)
    certifications = fields.List(
        fields.String(validate=validate.Length(1, 80)), load_default=list, validate=validate.Length(max=20)
    )


class ListingCreateSchema(ListingFieldsSchema):
    organization_id = WholeNumber(required=True, validate=validate.Range(1, MAX_ID))
    status = fields.String(load_default="draft", validate=validate.OneOf(("draft", "active")))


class ListingUpdateSchema(PartialMixin, ListingFieldsSchema):
    class Meta:
        openapi = {"minProperties": 1}

    status = fields.String(validate=validate.OneOf(LISTING_STATUSES))

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError(_("Give at least one field to change."), "_schema")


class ListingSchema(Schema):
    id = fields.Integer()
    organization = fields.Nested(OrganizationSummarySchema)
    title = fields.String()
    description = fields.String()
    language = fields.String()
    kind = fields.String()
    cpv_code = fields.Function(lambda listing: listing.cpv.code)
    cpv_label = fields.Function(lambda listing: listing.cpv.label_en)
    price = MoneyField(allow_none=True)
    unit = fields.String()
    min_order_quantity = fields.Integer()
    lead_time_days = fields.Integer(allow_none=True)
    delivery_countries = fields.Function(lambda listing: [c.iso2 for c in listing.delivery_countries])
    sdgs = fields.Function(lambda listing: [goal.number for goal in listing.sdgs])
    certifications = fields.List(fields.String())
    status = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OrganizationListingsQuerySchema(PageQuerySchema):
    status = fields.List(fields.String(validate=validate.OneOf(LISTING_STATUSES)))
