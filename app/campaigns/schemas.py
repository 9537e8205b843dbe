"""Shapes of campaigns, donations, match pledges, expenses and the ledger in the API."""
import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.campaigns.models import EXPENSE_CATEGORIES, FUNDING_MODELS
from app.converters import MAX_ID
from app.openapi import amount_pattern
from app.schemas import DecimalString, JsonBoolean, MoneyField, PartialMixin, Pattern, Trimmed, WholeNumber, sdg_list
from app.tenders.schemas import UtcDateTime

MAX_BUDGET_LINES = 30
#: A campaign runs for at most this long once live.
MAX_CAMPAIGN_DAYS = 366


class NewBudgetLineSchema(Schema):
    """A budget line of a new campaign."""

    title = Trimmed(required=True, validate=validate.Length(3, 200))
    amount = MoneyField(required=True)
    required = JsonBoolean(metadata={"description": "False for a stretch goal; true when left out."})


class BudgetLineFieldsSchema(Schema):
    """A budget line as written: with the `id` of a line of the campaign to keep (and rename) it, without one to add a
    line. A kept line keeps its title when it is left out; once the campaign is live a kept line's amount and stretch
    flag are fixed (leave them out, or give them unchanged)."""

    class Meta:
        openapi = {"if": {"not": {"required": ["id"]}}, "then": {"required": ["title", "amount"]}}

    id = WholeNumber(validate=validate.Range(1, MAX_ID),
                     metadata={"description": "A line of this campaign to keep; leave out to add a new line."})
    title = Trimmed(validate=validate.Length(3, 200),
                    metadata={"description": "Required for a new line; a kept line keeps its title when left out."})
    amount = MoneyField(written=True,
                        metadata={"description": "Required for a new line; a kept line keeps its amount when left out."})
    required = JsonBoolean(metadata={"description": "False for a stretch goal. A new line is required unless told; a "
                                                      "kept line keeps its flag when left out."})

    @validates_schema
    def new_lines_have_a_title_and_an_amount(self, data, **kwargs):
        if data.get("id") is not None:
            return
        missing = {name: [message] for name, message in (("title", _("Give the title of a new line.")),
                                                         ("amount", _("Give the amount of a new line.")))
                   if name not in data}
        if missing:
            raise ValidationError(missing)


class CampaignFieldsSchema(Schema):
    title = Trimmed(required=True, validate=validate.Length(3, 200))
    summary = Trimmed(load_default="", validate=validate.Length(max=500))
    story = fields.String(load_default="", validate=validate.Length(max=50_000))
    goal = MoneyField(required=True)
    deadline = UtcDateTime(required=True)
    funding_model = fields.String(required=True, validate=validate.OneOf(FUNDING_MODELS))
    sdgs = sdg_list(load_default=list)
    budget_lines = fields.List(fields.Nested(BudgetLineFieldsSchema), load_default=list,
                               validate=validate.Length(max=MAX_BUDGET_LINES))

    @validates_schema
    def sensible(self, data, **kwargs):
        deadline = data.get("deadline")
        if deadline and deadline > dt.datetime.now(dt.UTC) + dt.timedelta(days=MAX_CAMPAIGN_DAYS):
            raise ValidationError(_("A deadline at most a year away."), "deadline")
        goal = data.get("goal")
        seen = set()
        for index, line in enumerate(data.get("budget_lines") or []):
            if goal and "amount" in line and line["amount"].currency != goal.currency:
                raise ValidationError({index: {"amount": [_("Give the amount in %(currency)s, the goal's currency.",
                                                             currency=goal.currency)]}},
                                      "budget_lines")
            if line.get("id") is not None and line["id"] in seen:
                raise ValidationError({index: {"id": [_("This line is listed twice.")]}}, "budget_lines")
            seen.add(line.get("id"))


class CampaignCreateSchema(CampaignFieldsSchema):
    budget_lines = fields.List(fields.Nested(NewBudgetLineSchema), load_default=list,
                               validate=validate.Length(max=MAX_BUDGET_LINES))
    organization_id = WholeNumber(required=True, validate=validate.Range(1, MAX_ID))


class CampaignUpdateSchema(PartialMixin, CampaignFieldsSchema):
    class Meta:
        openapi = {"minProperties": 1}

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError(_("Give at least one field to change."), "_schema")


class UpdatePostSchema(Schema):
    title = Trimmed(required=True, validate=validate.Length(3, 200))
    body = fields.String(required=True, validate=validate.Length(1, 20_000))


class DonationCreateSchema(Schema):
    amount = MoneyField(required=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = Trimmed(load_default="", validate=validate.Length(max=120))
    anonymous = JsonBoolean(load_default=False)
    message = Trimmed(load_default="", validate=validate.Length(max=1000))


#: Above 0, at most 10, at most two decimals (DecimalString's form).
FACTOR_PATTERN = r"^(?:[1-9](?:\.[0-9]{1,2})?|0\.(?:[1-9][0-9]?|0[1-9])|10(?:\.0{1,2})?)$"


class MatchPledgeCreateSchema(Schema):
    organization_id = WholeNumber(required=True, validate=validate.Range(1, MAX_ID))
    factor = DecimalString(FACTOR_PATTERN, required=True, metadata={"description": "As a string: \"1.5\"."},
                           validate=validate.Range(min=0, max=10, min_inclusive=False, error=_l("Between 0 (excluded) and 10.")))
    cap_per_donation = MoneyField(required=True)
    cap_total = MoneyField(required=True)

    @validates_schema
    def two_decimals(self, data, **kwargs):
        factor = data.get("factor")
        if factor is not None and factor.as_tuple().exponent < -2:
            raise ValidationError(_("At most two decimals (1.5 matches 1.50 for each 1 given)."), "factor")


class ExpenseFormSchema(Schema):
    """The text fields of an expense (multipart form); the receipt file is checked by app.campaigns.receipts."""

    class Meta:
        openapi = {"properties": {"receipt": {"type": "string", "format": "binary",
                                              "description": "The receipt: PDF, PNG or JPEG, at most 5 MB."}},
                   "required": ["receipt"]}

    amount = fields.String(required=True, validate=Pattern(amount_pattern(4), error=_l("Not a valid amount.")), metadata={
        "description": "In the campaign's currency, with at most its decimals: \"12.50\"."})
    category = fields.String(required=True, validate=validate.OneOf(EXPENSE_CATEGORIES))
    description = Trimmed(required=True, validate=validate.Length(3, 500))
    budget_line_id = fields.Integer(validate=validate.Range(1, MAX_ID))
    spent_on = fields.Date(required=True)


class DisbursementSchema(Schema):
    amount = MoneyField(required=True)
    description = Trimmed(required=True, validate=validate.Length(3, 500))




# Output --------------------------------------------------------------------------------------------------------------


class BudgetLineSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    amount = MoneyField()
    required = fields.Boolean()
    spent = MoneyField()


class CampaignSchema(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    organization_name = fields.String()
    title = fields.String()
    summary = fields.String()
    story = fields.String()
    story_html = fields.String(metadata={"description": "The story rendered from Markdown and sanitised."})
    status = fields.String(metadata={"description": "draft, live, succeeded, failed or closed"})
    goal = MoneyField()
    raised = MoneyField(metadata={"description": "Donations paid (refunds are counted apart)."})
    matched = MoneyField()
    refunded = MoneyField()
    pledged = MoneyField(metadata={"description": "All-or-nothing: cards saved, charged at the deadline if the goal is met."})
    progress = MoneyField(metadata={"description": "raised − refunded + matched (+ pledged for all-or-nothing), against the goal."})
    donors_count = fields.Integer()
    deadline = fields.DateTime()
    funding_model = fields.String()
    sdgs = fields.List(fields.Integer())
    budget_lines = fields.List(fields.Nested(BudgetLineSchema))
    published_at = fields.DateTime(allow_none=True)


class DonationCreatedSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    amount = MoneyField()
    checkout_url = fields.String()
    receipt_url = fields.String()


class DonationSchema(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    status = fields.String()
    amount = MoneyField()
    name = fields.String(attribute="public_name")
    message = fields.String(attribute="public_message")
    created_at = fields.DateTime()


class MatchPledgeSchema(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    organization_id = fields.Integer()
    status = fields.String(metadata={"description": "offered, accepted, declined, active (its pool paid: it matches), "
                                                    "settled, refunded or cancelled"})
    factor = DecimalString()
    cap_per_donation = MoneyField()
    cap_total = MoneyField()
    paid = MoneyField(metadata={"description": "Paid into the match pool by the pledger (its cap in all, once paid)."})
    matched = MoneyField(metadata={"description": "Drawn from the pool by matches."})
    refunded = MoneyField(metadata={"description": "What was left in the pool at settlement, given back to the pledger."})
    held = MoneyField(metadata={"description": "What the pool still holds: paid − matched − refunded."})


class MatchPledgePaymentSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    amount = MoneyField(metadata={"description": "The cap in all, to pay into the match pool."})
    checkout_url = fields.String(metadata={"description": "Stripe's Checkout page where the pledger pays."})


class ExpenseSchema(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    budget_line_id = fields.Integer(allow_none=True)
    category = fields.String()
    description = fields.String()
    amount = MoneyField()
    spent_on = fields.Date()
    receipt_url = fields.String()


class LedgerEntrySchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    amount = MoneyField(metadata={"description": "Signed: money in is positive, money out negative."})
    description = fields.String()
    budget_line_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class PoolTotalsSchema(Schema):
    paid_in = MoneyField(metadata={"description": "Paid into the campaign's match pools by their pledgers."})
    drawn = MoneyField(metadata={"description": "Drawn by matches (net of matches given back with refunds)."})
    refunded = MoneyField(metadata={"description": "Given back to the pledgers at settlement."})
    held = MoneyField(metadata={"description": "Still in the pools: paid_in − drawn − refunded."})


class LedgerSchema(Schema):
    entries = fields.List(fields.Nested(LedgerEntrySchema))
    totals = fields.Dict(keys=fields.String(), values=MoneyField(),
                         metadata={"description": "Per kind of the campaign's own money; the balance is their sum."})
    balance = MoneyField()
    pools = fields.Nested(PoolTotalsSchema, metadata={"description": "The match pools, beside the campaign's money."})
    next_cursor = fields.Integer(allow_none=True)


class FollowSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254),
                         metadata={"description": "Where the confirmation link, then the campaign's updates, go."})


class StatementRequestSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254),
                         metadata={"description": "The address the gifts were made from; the link is mailed there."})
    year = WholeNumber(required=True, validate=validate.Range(2000, 2100),
                       metadata={"description": "The calendar year (UTC) of the gifts."})
