"""Query and answer shapes of tender search."""
import datetime as dt
import re

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate, validates_schema

from app.i18n import LazyErrorMessages
from app.orgs.schemas import OrganizationSummarySchema
from app.schemas import MoneyField, SearchQuerySchema, amount_bound, many, require_order
from app.tenders.evaluation import POLICIES
from app.tenders.schemas import UtcDateTime
from search import TENDER_SORTS

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class DeadlineBound(LazyErrorMessages, fields.Field):
    """A day (taken whole, in UTC) or a moment with its offset; loaded as a UTC moment: the day's first moment for a
    lower bound, its last for an upper one, so `deadline_to=2027-03-01` keeps tenders closing that evening."""

    default_error_messages = {"invalid": _l("Give a day (2027-03-01) or a moment with its offset (2027-03-01T12:00:00+01:00).")}

    def __init__(self, end_of_day=False):
        side = "its last moment" if end_of_day else "its first moment"
        super().__init__(load_default=None, allow_none=True, metadata={
            "example": "2027-03-01", "description": f"A day (in UTC; {side}) or an ISO 8601 moment with its offset"})
        self.end_of_day = end_of_day
        self.moment = UtcDateTime(error_messages={"invalid": self.error_messages["invalid"]})

    def openapi_schema(self):
        return {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not _DAY.fullmatch(value):
            return self.moment.deserialize(value, attr, data, **kwargs)
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise self.make_error("invalid") from None
        return dt.datetime.combine(day, dt.time.max if self.end_of_day else dt.time.min, tzinfo=dt.UTC)


class TenderSearchQuerySchema(SearchQuerySchema):
    """GET /api/v1/search/tenders and /tenders: `country`, `region` are the buyer's; `currency`, `budget_min` and
    `budget_max` the published budget's (tenders without one match no budget filter)."""

    policy = many(fields.String(validate=validate.OneOf(POLICIES)))
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "all")),
                           metadata={"description": "open: deadline still ahead (the default); all: every published tender"})
    deadline_from = DeadlineBound()
    deadline_to = DeadlineBound(end_of_day=True)
    budget_min = amount_bound()
    budget_max = amount_bound()
    sort = fields.String(load_default="relevance", validate=validate.OneOf(TENDER_SORTS),
                         metadata={"description": "relevance, deadline (soonest first) or newest (latest published)"})

    @validates_schema
    def budget_range(self, data, **kwargs):
        require_order(data, "budget_min", "budget_max", _l("The minimum budget is above the maximum."))

    @validates_schema
    def deadline_range(self, data, **kwargs):
        require_order(data, "deadline_from", "deadline_to", _l("The start of the deadline range is after its end."))


class TenderHitSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    highlight = fields.String(allow_none=True, metadata={"description": "HTML-escaped title or description with <mark> tags"})
    cpv_code = fields.String()
    policy = fields.String()
    budget = MoneyField(allow_none=True)
    deadline = fields.DateTime()
    published_at = fields.DateTime()
    state = fields.String(metadata={"description": "open, closed (deadline passed) or awarded (every lot)"})
    buyer = fields.Nested(OrganizationSummarySchema)


class TenderSearchResultSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(TenderHitSchema))
    facets = fields.Raw(metadata={"description": "policy, region, cpv_division -> list of {value, label, count}",
                                  "example": {"policy": [{"value": "reserved", "label": "Reserved for co-ops", "count": 3}]}})
