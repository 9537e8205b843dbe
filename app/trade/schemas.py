"""Shapes of conversations, requests for quotation, quotes, orders and trade figures in the API."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.converters import MAX_ID
from app.orgs.schemas import OrganizationSummarySchema
from app.schemas import (
    CountryCode,
    DecimalString,
    JsonBoolean,
    MoneyField,
    Pattern,
    SearchQuerySchema,
    Trimmed,
    WholeNumber,
    trimmed_pattern,
)
from app.tenders.schemas import CurrencyCode, UtcDateTime
from app.trade.models import INCOTERMS, ORDER_STATUSES, RFQ_VISIBILITIES, SUBJECT_KINDS

MAX_BODY = 5_000
MAX_LINES = 100
MAX_INVITED = 50
#: Above 0, at most 1,000,000,000, with at most three decimals (DecimalString's plain form).
QUANTITY_PATTERN = (r"^(?:0\.(?:[1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9])|[1-9][0-9]{0,8}(?:\.[0-9]{1,3})?"
                    r"|1000000000(?:\.0{1,3})?)$")


def identifier(**kwargs):
    return WholeNumber(validate=validate.Range(1, MAX_ID), **kwargs)


def _three_decimals(value):
    if value.as_tuple().exponent < -3:
        raise ValidationError(_("At most three decimals."))


def quantity(**kwargs):
    return DecimalString(QUANTITY_PATTERN, validate=[
        validate.Range(0, 10**9, min_inclusive=False, error=_l("Above 0 and at most 1,000,000,000.")), _three_decimals,
    ], metadata={"description": "A decimal string with at most three decimals: \"500\", \"333.333\"."}, **kwargs)


def unit(**kwargs):
    return Trimmed(validate=validate.Length(1, 40), metadata={"example": "kg"}, **kwargs)


# Conversations -------------------------------------------------------------------------------------------------------


class SubjectSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(SUBJECT_KINDS))
    id = identifier(required=True)


class ConversationCreateSchema(Schema):
    organization_id = identifier(required=True, metadata={"description": "Your organisation, which writes"})
    with_organization_id = identifier(required=True, metadata={"description": "The organisation written to"})
    subject = fields.Nested(SubjectSchema, load_default=None, allow_none=True)
    body = Trimmed(required=True, validate=validate.Length(1, MAX_BODY))


class MessageCreateSchema(Schema):
    """A message as JSON; as multipart/form-data (MessageForm) it may carry a file, and then `body` may be empty."""

    organization_id = identifier(required=True, metadata={"description": "Your organisation, one of the two parties"})
    body = Trimmed(required=True, validate=validate.Length(1, MAX_BODY))


class MessageFormSchema(Schema):
    """A message as multipart/form-data, with its file."""

    class Meta:
        openapi = {"properties": {"attachment": {
            "type": "string", "format": "binary",
            "description": "PDF, PNG, JPEG or XLSX (judged by its content), at most 10 MB"}},
            "anyOf": [{"required": ["attachment"]},
                      {"required": ["body"], "properties": {"body": {"pattern": trimmed_pattern(1, MAX_BODY)}}}]}

    organization_id = fields.Integer(required=True, validate=validate.Range(1, MAX_ID),
                                     metadata={"description": "Your organisation, one of the two parties"})
    body = fields.String(load_default="", validate=validate.Length(max=MAX_BODY))


class InboxQuerySchema(Schema):
    # A query string's values are text: fields.Integer reads "12", where identifier() (a JSON integer) refuses it.
    organization_id = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID),
                                     metadata={"description": "Only this organisation's conversations"})
    unread = fields.Boolean(load_default=False, truthy={"true"}, falsy={"false"})
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=30, validate=validate.Range(1, 100))


class MessageSchema(Schema):
    id = fields.Integer()
    organization_id = fields.Integer(metadata={"description": "The organisation that wrote it"})
    author = fields.String(allow_none=True, metadata={"description": "The member who wrote it (null once removed)"})
    body = fields.String()
    attachment = fields.Dict(allow_none=True, metadata={
        "description": "{\"name\", \"type\", \"bytes\", \"url\"} of the attached file, or null"})
    created_at = fields.DateTime()


class ConversationSummarySchema(Schema):
    id = fields.Integer()
    buyer = fields.Nested(OrganizationSummarySchema)
    seller = fields.Nested(OrganizationSummarySchema)
    subject = fields.Dict(allow_none=True, metadata={"description": "{\"kind\", \"id\"}, or null"})
    message_count = fields.Integer()
    last_message_at = fields.DateTime()
    unread = fields.Boolean()


class ConversationSchema(ConversationSummarySchema):
    messages = fields.List(fields.Nested(MessageSchema))


class ConversationPageSchema(Schema):
    items = fields.List(fields.Nested(ConversationSummarySchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    unread = fields.Integer(metadata={"description": "Conversations with unread messages, all of the caller's"})


class BlockCreateSchema(Schema):
    blocked_organization_id = identifier(required=True)


class BlockSchema(Schema):
    organization_id = fields.Integer(attribute="blocker_id")
    blocked_organization_id = fields.Integer(attribute="blocked_id")
    created_at = fields.DateTime()


# Requests for quotation ----------------------------------------------------------------------------------------------


class RfqCreateSchema(Schema):
    organization_id = identifier(required=True, metadata={"description": "The buying organisation"})
    title = Trimmed(required=True, validate=validate.Length(3, 200))
    description = fields.String(load_default="", validate=validate.Length(max=MAX_BODY))
    cpv_code = fields.String(required=True, validate=Pattern(r"^[0-9]{8}(-[0-9])?$", error=_l("Give an 8-digit CPV code.")))
    quantity = quantity(required=True)
    unit = unit(required=True)
    delivery_country = CountryCode(known=True, required=True)
    needed_by = fields.Date(required=True, metadata={"description": "Not before the deadline for quotes"})
    quotes_due = UtcDateTime(required=True, metadata={"description": "In the future, at most a year ahead"})
    visibility = fields.String(load_default="public", validate=validate.OneOf(RFQ_VISIBILITIES))
    invited_organization_ids = fields.List(identifier(), load_default=list, validate=validate.Length(max=MAX_INVITED),
                                           metadata={"description": "Required (non-empty) when visibility is invited"})
    cooperatives_only = JsonBoolean(load_default=False)

    @validates_schema
    def invitations(self, data, **kwargs):
        invited = data.get("invited_organization_ids") or []
        if data.get("visibility") == "invited" and not invited:
            raise ValidationError(_("Invite at least one organisation."), "invited_organization_ids")
        if data.get("visibility", "public") == "public" and invited:
            raise ValidationError(_("Leave empty, or make the request invited only."), "invited_organization_ids")


class RfqSearchQuerySchema(SearchQuerySchema):
    """GET /api/v1/search/rfqs and /rfqs: `country` and `region` are the delivery country's; `cpv_division`, `country`
    and `region` are also facets. No currency: a request has no price."""

    class Meta:
        exclude = ("currency",)


class QuoteSummarySchema(Schema):
    id = fields.Integer()
    version = fields.Integer()
    status = fields.String()
    seller = fields.Nested(OrganizationSummarySchema)
    total = MoneyField()
    incoterm = fields.String()
    delivery_place = fields.String()
    lead_time_days = fields.Integer()
    valid_until = fields.Date()
    created_at = fields.DateTime()
    seller_record = fields.Dict(metadata={"description": "The seller's track record: {\"completed\" (contracts and "
                                                         "orders), \"rating\" (average, or null)}"})


class RfqSchema(Schema):
    id = fields.Integer()
    organization = fields.Nested(OrganizationSummarySchema)
    title = fields.String()
    description = fields.String()
    cpv_code = fields.String()
    cpv_label = fields.String()
    quantity = DecimalString()
    unit = fields.String()
    delivery_country = fields.String(attribute="delivery_country_code")
    needed_by = fields.Date()
    quotes_due = fields.DateTime()
    visibility = fields.String()
    invited_organization_ids = fields.List(fields.Integer())
    cooperatives_only = fields.Boolean()
    status = fields.String()
    open = fields.Boolean(metadata={"description": "Still taking quotes"})
    published_at = fields.DateTime(allow_none=True)
    suppliers_notified = fields.Integer()
    quotes = fields.List(fields.Nested(QuoteSummarySchema), metadata={
        "description": "The current quotes: all for the buyer's members (cheapest first, a verified co-operative first "
                       "at an equal price), its own for a supplier"})


class RfqHitSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    cpv_code = fields.String()
    quantity = fields.String()
    unit = fields.String()
    delivery_country = fields.String()
    needed_by = fields.String()
    quotes_due = fields.String()
    cooperatives_only = fields.Boolean()
    buyer = fields.Dict()
    highlight = fields.String(allow_none=True)


class RfqResultsSchema(Schema):
    items = fields.List(fields.Nested(RfqHitSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    facets = fields.Dict()


# Quotes --------------------------------------------------------------------------------------------------------------


class QuoteLineCreateSchema(Schema):
    listing_id = identifier(load_default=None, allow_none=True, metadata={"description": "One of the seller's listings"})
    description = Trimmed(required=True, validate=validate.Length(1, 500))
    quantity = quantity(required=True)
    unit = unit(required=True)
    unit_price = MoneyField(required=True, metadata={"description": "In the quote's currency"})


class QuoteCreateSchema(Schema):
    class Meta:
        openapi = {"anyOf": [{"required": ["rfq_id"]}, {"required": ["conversation_id"]}]}

    organization_id = identifier(required=True, metadata={"description": "The selling organisation"})
    buyer_organization_id = identifier(required=True)
    rfq_id = identifier(load_default=None, allow_none=True)
    conversation_id = identifier(load_default=None, allow_none=True)
    currency = CurrencyCode(required=True)
    lines = fields.List(fields.Nested(QuoteLineCreateSchema), required=True, validate=validate.Length(1, MAX_LINES))
    incoterm = fields.String(required=True, validate=validate.OneOf(INCOTERMS),
                             metadata={"description": "An Incoterms 2020 rule"})
    delivery_place = Trimmed(required=True, validate=validate.Length(2, 200))
    lead_time_days = WholeNumber(required=True, validate=validate.Range(0, 730))
    valid_until = fields.Date(required=True, metadata={"description": "Not before today, at most a year ahead"})
    note = fields.String(load_default="", validate=validate.Length(max=MAX_BODY))

    @validates_schema
    def answers_something(self, data, **kwargs):
        if data.get("rfq_id") is None and data.get("conversation_id") is None:
            raise ValidationError(_("Give the request for quotation or the conversation the quote answers."), "rfq_id")
        currency = data.get("currency")
        wrong = {index: {"unit_price": [_("In the quote's currency, %(currency)s.", currency=currency)]}
                 for index, line in enumerate(data.get("lines") or [])
                 if currency and line["unit_price"].currency != currency}
        if wrong:
            raise ValidationError(wrong, "lines")


class QuoteLineSchema(Schema):
    position = fields.Integer()
    listing_id = fields.Integer(allow_none=True)
    description = fields.String()
    quantity = DecimalString()
    unit = fields.String()
    unit_price = MoneyField()
    total = MoneyField()


class QuoteSchema(QuoteSummarySchema):
    buyer = fields.Nested(OrganizationSummarySchema)
    rfq_id = fields.Integer(allow_none=True)
    conversation_id = fields.Integer(allow_none=True)
    currency = fields.String()
    note = fields.String()
    lines = fields.List(fields.Nested(QuoteLineSchema))
    versions = fields.List(fields.Dict(), metadata={"description": "Every version: {\"id\", \"version\", \"status\", "
                                                                   "\"total\", \"created_at\"}, the first first"})
    order_id = fields.Integer(allow_none=True)


# Orders --------------------------------------------------------------------------------------------------------------


class OrderCancelSchema(Schema):
    reason = Trimmed(required=True, validate=validate.Length(3, 1000))


class OrderRatingSchema(Schema):
    rating = WholeNumber(required=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default="", validate=validate.Length(max=2_000))


class OrderListQuerySchema(Schema):
    role = fields.String(load_default=None, validate=validate.OneOf(("buyer", "seller")))
    status = fields.String(load_default=None, validate=validate.OneOf(ORDER_STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 100))


class OrderSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    quote_id = fields.Integer()
    rfq_id = fields.Integer(allow_none=True)
    buyer = fields.Nested(OrganizationSummarySchema)
    seller = fields.Nested(OrganizationSummarySchema)
    total = MoneyField()
    incoterm = fields.String()
    delivery_place = fields.String()
    lead_time_days = fields.Integer()
    lines = fields.List(fields.Nested(QuoteLineSchema))
    placed_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    shipped_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    rating = fields.Integer(allow_none=True)
    rating_comment = fields.String(allow_none=True)


class OrderPageSchema(Schema):
    items = fields.List(fields.Nested(OrderSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class AcceptedSchema(Schema):
    order = fields.Nested(OrderSchema)


# Transparency --------------------------------------------------------------------------------------------------------


class TradeRowSchema(Schema):
    key = fields.String(metadata={"description": "ICA region, sector or month (YYYY-MM); 'all' for the totals"})
    orders = fields.Integer()
    value = MoneyField()
    cooperative_value = MoneyField(metadata={"description": "Sold by verified co-operatives (when the order was placed)"})
    cooperative_share = DecimalString(allow_none=True, metadata={"description": "Percent, one decimal, as a string"})
    inter_cooperation_value = MoneyField(metadata={"description": "Bought and sold by verified co-operatives both"})
    inter_cooperation_share = DecimalString(allow_none=True, metadata={"description": "Percent, one decimal"})


class TradeTransparencySchema(Schema):
    currency = fields.String()
    currencies = fields.List(fields.String(), metadata={"description": "Currencies with orders, most used first"})
    totals = fields.Nested(TradeRowSchema)
    by_region = fields.List(fields.Nested(TradeRowSchema))
    by_sector = fields.List(fields.Nested(TradeRowSchema))
    by_month = fields.List(fields.Nested(TradeRowSchema))
