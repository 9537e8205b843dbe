"""Shapes of tenders, bids, evaluations and contracts in the API."""
import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from app.converters import MAX_ID
from app.i18n import LazyErrorMessages
from app.money import currency_codes, is_currency
from app.orgs.schemas import OrganizationSummarySchema
from app.schemas import DecimalString, MoneyField, PartialMixin, Pattern, Trimmed, WholeNumber
from app.tenders.award_schemas import AwardDecisionSchema, BidMemberSchema, ContractShareSchema, members_field
from app.tenders.deadlines import clarification_deadline_problem
from app.tenders.evaluation import MAX_MARGIN_PERCENT, POLICIES
from app.tenders.models import MAX_STANDSTILL_DAYS

MAX_LOTS = 50
#: A deadline further away than this is a typo, not a plan.
MAX_DEADLINE_DAYS = 2 * 365


class UtcDateTime(LazyErrorMessages, fields.AwareDateTime):
    """An ISO 8601 moment with its offset (a moment without one is refused), returned in UTC."""

    default_error_messages = {"invalid_awareness": _l("Give the time zone offset, e.g. 2027-03-01T12:00:00+01:00.")}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs).astimezone(dt.UTC)
        except OverflowError:  # 0001-01-01T00:00:00+14:00 is before the first moment Python knows in UTC
            raise self.make_error("invalid") from None


class CurrencyCode(fields.String):
    """An ISO 4217 code the platform prices in."""

    def openapi_schema(self):
        return {"type": "string", "enum": currency_codes()}

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not is_currency(value):
            raise ValidationError(_("Not an ISO 4217 currency code."))
        return value


class LotFieldsSchema(Schema):
    title = Trimmed(required=True, validate=validate.Length(3, 200))
    description = fields.String(load_default="", validate=validate.Length(max=5_000))


class WeightsSchema(Schema):
    price = WholeNumber(required=True, validate=validate.Range(0, 100))
    quality = WholeNumber(required=True, validate=validate.Range(0, 100))
    cooperative = WholeNumber(required=True, validate=validate.Range(0, 100))


#: 0 to 30, at most two decimals (DecimalString's form).
MARGIN_PATTERN = r"^(?:(?:[12][0-9]|[0-9])(?:\.[0-9]{1,2})?|30(?:\.0{1,2})?)$"


class PreferenceSchema(Schema):
    class Meta:
        openapi = {"allOf": [
            {"if": {"properties": {"policy": {"const": "price_margin"}}},
             "then": {"required": ["margin_percent"], "properties": {"margin_percent": {"type": "string"}}}},
            {"if": {"properties": {"policy": {"const": "weighted"}}},
             "then": {"required": ["weights"], "properties": {"weights": {"type": "object"}},
                      "description": "The three weights sum to 100."}},
        ]}

    policy = fields.String(required=True, validate=validate.OneOf(POLICIES))
    margin_percent = DecimalString(MARGIN_PATTERN, load_default=None, allow_none=True,
                                   validate=validate.Range(0, MAX_MARGIN_PERCENT, error=_l("Between 0 and 30.")),
                                   metadata={"description": "Percent, as a string: \"5\" or \"2.5\"."})
    weights = fields.Nested(WeightsSchema, load_default=None, allow_none=True)

    @validates_schema
    def policy_terms(self, data, **kwargs):
        policy = data.get("policy")
        if policy == "price_margin":
            margin = data.get("margin_percent")
            if margin is None:
                raise ValidationError(_("Give the margin of preference (0 to 30)."), "margin_percent")
            if margin.as_tuple().exponent < -2:
                raise ValidationError(_("At most two decimals."), "margin_percent")
        if policy == "weighted":
            weights = data.get("weights")
            if not weights:
                raise ValidationError(_("Give the weights of price, quality and cooperative."), "weights")
            if sum(weights.values()) != 100:
                raise ValidationError(_("The weights must sum to 100."), "weights")


class TenderFieldsSchema(Schema):
    title = Trimmed(required=True, validate=validate.Length(3, 200))
    description = fields.String(load_default="", validate=validate.Length(max=20_000))
    cpv_code = fields.String(
        required=True,
        validate=Pattern(r"^[0-9]{8}(-[0-9])?$", error=_l("Give an 8-digit CPV code, e.g. 15861000-1.")),
    )
    currency = CurrencyCode(required=True)
    deadline = UtcDateTime(required=True)
    clarification_deadline = UtcDateTime(load_default=None, allow_none=True, metadata={
        "description": "The end of the enquiry period: in the future, at the latest 6 days before `deadline`; "
                       "null: the tender takes no questions."})
    budget = MoneyField(load_default=None, allow_none=True)
    lots = fields.List(fields.Nested(LotFieldsSchema), required=True,
                       validate=validate.Length(1, MAX_LOTS, error=_l("Give between {min} and {max} lots.")))
    preference = fields.Nested(PreferenceSchema, load_default=lambda: {"policy": "none"})
    standstill_days = WholeNumber(validate=validate.Range(0, MAX_STANDSTILL_DAYS), metadata={
        "description": "Days between an award decision and its contract, when the buyer may withdraw the decision; "
                       "by default 10 for a public-body buyer, else 0 (the contract at once)."})

    @validates_schema
    def sensible_deadline(self, data, **kwargs):
        deadline = data.get("deadline")
        if deadline and deadline > dt.datetime.now(dt.UTC) + dt.timedelta(days=MAX_DEADLINE_DAYS):
            raise ValidationError(_("A deadline at most two years away."), "deadline")

    @validates_schema
    def time_for_questions(self, data, **kwargs):
        clarification = data.get("clarification_deadline")
        if clarification is not None:
            clarification_deadline_problem(clarification, data.get("deadline"))


class TenderCreateSchema(TenderFieldsSchema):
    organization_id = WholeNumber(required=True, validate=validate.Range(1, MAX_ID))


class TenderUpdateSchema(PartialMixin, TenderFieldsSchema):
    class Meta:
        openapi = {"minProperties": 1}

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError(_("Give at least one field to change."), "_schema")


class CancelSchema(Schema):
    reason = Trimmed(required=True, validate=validate.Length(5, 2_000))


class BidFieldsSchema(Schema):
    price = MoneyField(required=True)
    delivery_days = WholeNumber(required=True, validate=validate.Range(0, 3650))
    proposal = fields.String(load_default="", validate=validate.Length(max=20_000))


class BidCreateSchema(BidFieldsSchema):
    organization_id = WholeNumber(required=True, validate=validate.Range(1, MAX_ID),
                                  metadata={"description": "The bidder: the lead of a joint bid."})
    members = members_field()


class QualitySchema(Schema):
    score = WholeNumber(required=True, validate=validate.Range(0, 100))


class AwardSchema(Schema):
    bid_id = WholeNumber(required=True, validate=validate.Range(1, MAX_ID))
    justification = fields.String(load_default="", validate=validate.Length(max=5_000))
    start_date = fields.Date(load_default=None, allow_none=True)
    end_date = fields.Date(load_default=None, allow_none=True)


class ContractUpdateSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("completed", "terminated")))


class RatingSchema(Schema):
    rating = WholeNumber(required=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default="", validate=validate.Length(max=2_000))

    @post_load
    def tidy(self, data, **kwargs):
        data["comment"] = data["comment"].strip()
        return data


# Output ------------------------------------------------------------------------------------------


class LotSchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    title = fields.String()
    description = fields.String()
    bid_count = fields.Integer(allow_none=True, metadata={"description": "Only for the buyer's members."})
    awarded = fields.Boolean()


class PreferenceOutSchema(Schema):
    policy = fields.String()
    margin_percent = fields.String(allow_none=True)
    weights = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)


class TenderSchema(Schema):
    id = fields.Integer()
    organization = fields.Nested(OrganizationSummarySchema)
    title = fields.String()
    description = fields.String()
    cpv_code = fields.String()
    cpv_label = fields.String()
    currency = fields.String()
    budget = MoneyField(allow_none=True)
    deadline = fields.DateTime()
    clarification_deadline = fields.DateTime(allow_none=True, metadata={"description": "End of the enquiry period"})
    status = fields.String(metadata={"description": "draft, open, closed, awarded or cancelled"})
    preference = fields.Nested(PreferenceOutSchema)
    joint_bid_rule = fields.String(metadata={"description": "How a joint bid counts under the preference policy"})
    standstill_days = fields.Integer()
    lots = fields.List(fields.Nested(LotSchema))
    cancel_reason = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class BidSchema(Schema):
    id = fields.Integer()
    tender_id = fields.Integer()
    lot_id = fields.Integer()
    organization = fields.Nested(OrganizationSummarySchema)
    price = MoneyField()
    delivery_days = fields.Integer()
    proposal = fields.String()
    status = fields.String()
    quality_mark = fields.Integer(allow_none=True)
    rank = fields.Integer(attribute="final_rank", allow_none=True, metadata={"description": "Set when the lot is awarded."})
    submitted_at = fields.DateTime()
    members = fields.List(fields.Nested(BidMemberSchema), metadata={"description": "A joint bid's group, the lead first"})


class RankedBidSchema(Schema):
    bid_id = fields.Integer()
    organization_id = fields.Integer()
    is_cooperative = fields.Boolean(metadata={"description": "A verified cooperative (what the policy counts)."})
    cooperative_share = DecimalString(allow_none=True, metadata={
        "description": "A joint bid's share held by verified cooperatives, percent as a string (>= 50 counts as one)"})
    price = MoneyField()
    evaluated_price = MoneyField(allow_none=True)
    score = fields.String(allow_none=True)
    rank = fields.Integer(allow_none=True)
    explanation = fields.String()


class LotEvaluationSchema(Schema):
    lot_id = fields.Integer()
    final = fields.Boolean()
    awarded_bid_id = fields.Integer(allow_none=True)
    bid_count = fields.Integer(metadata={"description": "Standing bids of the lot; `ranking` holds the asked slice of them."})
    ranking = fields.List(fields.Nested(RankedBidSchema))


class EvaluationQuerySchema(Schema):
    """A slice of each lot's ranking: a lot may rank thousands of bids; without `limit`, the whole ranking."""

    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))
    limit = fields.Integer(load_default=None, validate=validate.Range(1, 10_000))


class EvaluationSchema(Schema):
    lots = fields.List(fields.Nested(LotEvaluationSchema))


class ContractSchema(Schema):
    id = fields.Integer()
    tender_id = fields.Integer()
    lot_id = fields.Integer()
    bid_id = fields.Integer()
    buyer = fields.Nested(OrganizationSummarySchema)
    supplier = fields.Nested(OrganizationSummarySchema)
    value = MoneyField()
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    status = fields.String()
    awarded_rank = fields.Integer(allow_none=True)
    justification = fields.String(allow_none=True)
    supplier_verified_cooperative = fields.Boolean()
    supplier_is_sme = fields.Boolean()
    members = fields.List(fields.Nested(ContractShareSchema), attribute="shares",
                          metadata={"description": "A joint bid's members and their parts of the value"})
    rating = fields.Integer(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    awarded_at = fields.DateTime()


class AwardResultSchema(Schema):
    decision = fields.Nested(AwardDecisionSchema)
    contract = fields.Nested(ContractSchema, allow_none=True,
                             metadata={"description": "At once without a standstill; null until the standstill ends"})


class TransparencyQuerySchema(Schema):
    currency = CurrencyCode(load_default=None)


class TransparencyRowSchema(Schema):
    key = fields.String(metadata={"description": "ICA region, sector, policy or month (YYYY-MM); 'all' for the totals"})
    contracts = fields.Integer()
    value = MoneyField()
    cooperative_value = MoneyField(metadata={"description": "Won by suppliers that were verified cooperatives at the award"})
    cooperative_share = DecimalString(allow_none=True, metadata={"description": "Percent, one decimal, as a string"})


class TransparencySchema(Schema):
    currency = fields.String()
    currencies = fields.List(fields.String(), metadata={"description": "Currencies with contracts, most used first"})
    totals = fields.Nested(TransparencyRowSchema)
    by_region = fields.List(fields.Nested(TransparencyRowSchema))
    by_sector = fields.List(fields.Nested(TransparencyRowSchema))
    by_policy = fields.List(fields.Nested(TransparencyRowSchema))
    by_month = fields.List(fields.Nested(TransparencyRowSchema))
