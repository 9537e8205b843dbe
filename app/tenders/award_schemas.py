"""Shapes of joint bids' members, award decisions and the parts of a joint contract in the API."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from app.converters import MAX_ID
from app.orgs.schemas import OrganizationSummarySchema
from app.schemas import DecimalString, MoneyField, Trimmed, WholeNumber
from app.tenders.evaluation import percent_text

#: Organisations in one joint bid, the lead included.
MAX_MEMBERS = 20


#: Above 0, at most 100, at most two decimals (DecimalString's form): "50", "33.33", "0.5".
SHARE_PATTERN = r"^(?:100(?:\.0{1,2})?|[1-9][0-9]?(?:\.[0-9]{1,2})?|0\.(?:0[1-9]|[1-9][0-9]?))$"


class BidMemberFieldsSchema(Schema):
    organization_id = WholeNumber(required=True, validate=validate.Range(1, MAX_ID))
    share_percent = DecimalString(
        SHARE_PATTERN, required=True,
        validate=validate.Range(0, 100, min_inclusive=False, error=_l("Above 0, at most 100.")),
        metadata={"description": "The declared share of the work in percent, as a string: above 0, at most 100, with "
                                 "at most two decimals (\"50\", \"33.33\")."})

    @validates("share_percent")
    def two_decimals(self, value, **kwargs):
        if value.as_tuple().exponent < -2:
            raise ValidationError(_("At most two decimals."))

    @post_load
    def in_basis_points(self, data, **kwargs):
        return {"organization_id": data["organization_id"], "share_basis_points": int(data["share_percent"] * 100)}


def members_field():
    """The `members` of a joint bid: the whole group, the lead (organization_id) included with its own share."""
    return fields.List(
        fields.Nested(BidMemberFieldsSchema), load_default=None,
        validate=validate.Length(2, MAX_MEMBERS, error=_l("A joint bid has between {min} and {max} members.")),
        metadata={"description": "A joint bid: every organisation of the group with its declared share, the lead "
                                 "(organization_id) included; the shares sum to exactly 100, no organisation twice, each "
                                 "an active organisation. The other members confirm before the deadline, or the bid "
                                 "does not count. Without it, a bid by organization_id alone."})


class ConfirmMembershipSchema(Schema):
    organization_id = WholeNumber(required=True, validate=validate.Range(1, MAX_ID))


class WithdrawDecisionSchema(Schema):
    reason = Trimmed(required=True, validate=validate.Length(5, 2_000))


class BidMemberSchema(Schema):
    organization = fields.Nested(OrganizationSummarySchema)
    share_percent = DecimalString(metadata={"description": "Percent, as a string"})
    is_lead = fields.Boolean()
    confirmed = fields.Function(lambda member: member.confirmed_at is not None)
    confirmed_at = fields.DateTime(allow_none=True)


class ContractShareSchema(Schema):
    organization = fields.Nested(OrganizationSummarySchema)
    share_percent = DecimalString(metadata={"description": "Percent, as a string"})
    value = MoneyField(metadata={"description": "The member's part of the value (the parts sum to the contract's)"})
    is_lead = fields.Boolean()
    verified_cooperative = fields.Boolean()


class AwardDecisionSchema(Schema):
    id = fields.Integer()
    tender_id = fields.Integer()
    lot_id = fields.Integer()
    bid_id = fields.Integer()
    status = fields.String(metadata={"description": "standstill, withdrawn or concluded"})
    rank = fields.Integer()
    justification = fields.String(allow_none=True)
    decided_at = fields.DateTime()
    standstill_ends_at = fields.DateTime(metadata={"description": "The contract is concluded from this moment on"})
    withdrawn_at = fields.DateTime(allow_none=True)
    withdraw_reason = fields.String(allow_none=True)
    concluded_at = fields.DateTime(allow_none=True)
    contract_id = fields.Function(lambda decision: decision.contract.id if decision.contract else None, allow_none=True)


def cooperative_share_text(basis_points):
    """Hundredths of a percent as a percent string ('70', '33.33'); None for a bid by one organisation."""
    return None if basis_points is None else percent_text(Decimal(basis_points) / 100)
