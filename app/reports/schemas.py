"""Shapes of reports in the API (and the query their pages read)."""
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, post_load, validates_schema

from app.models_base import utcnow
from app.orgs.schemas import OrganizationSummarySchema
from app.reports.figures import Period
from app.schemas import MoneyField
from app.tenders.schemas import CurrencyCode

PERIOD_RULES = ("`from` and `to` are UTC days, both included; `from` may not be after `to`. Without `from`, the twelve "
                "months up to `to` (from the first day of its month, eleven months before); without `to`, the twelve "
                "months from `from`; without either, the last twelve months.")


class ReportQuerySchema(Schema):
    from_ = fields.Date(data_key="from", load_default=None, metadata={"description": "First day of the period."})
    to = fields.Date(load_default=None, metadata={"description": "Last day of the period (included)."})
    currency = CurrencyCode(load_default=None, metadata={
        "description": "Only money in this currency; without it, every figure once per currency."})

    @validates_schema
    def in_order(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError(_("The first day may not be after the last day."), "from")

    @post_load
    def period(self, data, **kwargs):
        """{"period": Period, "currency"}."""
        first, last = data.pop("from_"), data.pop("to")
        if first and last:
            period = Period(first, last)
        elif first:
            period = Period.starting(first)
        else:
            period = Period.ending(last or utcnow().date())
        return {"period": period, "currency": data["currency"]}


class CountedValueSchema(Schema):
    value = fields.List(MoneyField(), metadata={"description": "One amount per currency of the report"})


class OrdersValueSchema(CountedValueSchema):
    orders = fields.Integer(metadata={"description": "Orders placed in the period and not cancelled"})


class ContractsValueSchema(CountedValueSchema):
    contracts = fields.Integer(metadata={"description": "Contracts awarded in the period"})


class TradeReportSchema(Schema):
    bought = fields.Nested(OrdersValueSchema)
    sold = fields.Nested(OrdersValueSchema)


class ContractsReportSchema(Schema):
    won = fields.Nested(ContractsValueSchema, metadata={"description": "As the supplier"})
    awarded = fields.Nested(ContractsValueSchema, metadata={"description": "As the buyer"})


def _amounts(description):
    return fields.List(MoneyField(), metadata={"description": f"{description}; one amount per currency of the report"})


class CampaignsReportSchema(Schema):
    campaigns = fields.Integer(metadata={"description": "Campaigns with money moving in the period"})
    raised = _amounts("Donations paid")
    matched = _amounts("Matched by match pledges")
    refunded = _amounts("Donations and their matches given back")
    fees = _amounts("Payment fees")
    spent = _amounts("Expenses and disbursements")
    net = _amounts("raised + matched − refunded − fees − spent")
    balance = _amounts("What the campaigns hold at the end of the period")


class ReportRowSchema(Schema):
    currency = fields.String()
    bought = MoneyField()
    sold = MoneyField()
    won = MoneyField()
    awarded = MoneyField()
    raised = MoneyField()
    matched = MoneyField()
    refunded = MoneyField()
    fees = MoneyField()
    spent = MoneyField()
    net = MoneyField(metadata={"description": "Campaign money: raised + matched − refunded − fees − spent"})


class MonthRowSchema(ReportRowSchema):
    month = fields.String(metadata={"description": "YYYY-MM (UTC)"})


class SdgRowSchema(ReportRowSchema):
    sdg = fields.Integer(allow_none=True, metadata={"description": "1 to 17; null: no SDG"})
    label = fields.String(metadata={"description": "The SDG's short name in the reader's language"})


class MembersCountSchema(Schema):
    confirmed = fields.Integer(metadata={"description": "Members the federation confirmed"})
    included = fields.Integer(metadata={"description": "Those of them whose report is public: only they are counted"})


class ReportSchema(Schema):
    organization = fields.Nested(OrganizationSummarySchema)
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    currency = fields.String(allow_none=True, metadata={"description": "The currency asked for, or null: all"})
    currencies = fields.List(fields.String(), metadata={"description": "The currencies of the figures"})
    trade = fields.Nested(TradeReportSchema)
    contracts = fields.Nested(ContractsReportSchema)
    campaigns = fields.Nested(CampaignsReportSchema)
    by_month = fields.List(fields.Nested(MonthRowSchema), metadata={"description": "Months with figures, in order"})
    by_sdg = fields.List(fields.Nested(SdgRowSchema), metadata={
        "description": "SDGs with figures; a value counts under each of its SDGs, so the rows do not add up to the "
                       "totals"})


class FederationReportSchema(ReportSchema):
    members = fields.Nested(MembersCountSchema)


class SdgTransparencyRowSchema(Schema):
    sdg = fields.Integer(allow_none=True, metadata={"description": "1 to 17; null: no SDG"})
    label = fields.String()
    contracts = MoneyField(metadata={"description": "Value of the contracts whose supplier serves the SDG"})
    trade = MoneyField(metadata={"description": "Value of the order lines whose listing serves the SDG"})
    campaign_money = MoneyField(metadata={"description": "Raised and matched, less refunds, by campaigns serving it"})


class SdgTransparencySchema(Schema):
    currency = fields.String()
    rows = fields.List(fields.Nested(SdgTransparencyRowSchema), metadata={
        "description": "The 17 SDGs in order, then no SDG; a value counts under each of its SDGs"})
