"""Query and answer shapes of marketplace search."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.orgs.models import LEGAL_FORMS, SECTORS, SIZES
from app.orgs.schemas import OrganizationSummarySchema
from app.schemas import CountryCode, MoneyField
from search import SORTS

REGIONS = ("Africa", "Americas", "Asia-Pacific", "Europe")
MAX_RESULT_WINDOW = 10_000


def _many(field, maximum=30):
    return fields.List(field, load_default=list, validate=validate.Length(max=maximum))


class ListingSearchQuerySchema(Schema):
    """GET /api/v1/search/listings and /search: multi-valued parameters repeat (country=FR&country=ES)."""

    q = fields.String(load_default="", validate=validate.Length(max=10_000))
    cpv = _many(fields.String(validate=validate.Regexp(r"^\d{8}(-\d)?$", error="Give 8-digit CPV codes.")), 20)
    cpv_division = _many(fields.String(validate=validate.Regexp(r"^\d{2}$", error="Give 2-digit CPV divisions.")))
    country = _many(CountryCode(), 60)
    region = _many(fields.String(validate=validate.OneOf(REGIONS)))
    sector = _many(fields.String(validate=validate.OneOf(SECTORS)))
    legal_form = _many(fields.String(validate=validate.OneOf(LEGAL_FORMS)))
    size = _many(fields.String(validate=validate.OneOf(SIZES)))
    sdg = _many(fields.Integer(validate=validate.Range(1, 17)))
    cooperative = fields.Boolean(load_default=None, allow_none=True)
    verified = fields.Boolean(load_default=None, allow_none=True)
    currency = _many(fields.String(validate=validate.Regexp(r"^[A-Z]{3}$", error="Give ISO 4217 codes.")), 10)
    price_min = fields.Decimal(load_default=None, allow_none=True, places=None, validate=validate.Range(0, 10**9))
    price_max = fields.Decimal(load_default=None, allow_none=True, places=None, validate=validate.Range(0, 10**9))
    sort = fields.String(load_default="relevance", validate=validate.OneOf(SORTS))
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_RESULT_WINDOW))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))

    @validates_schema
    def within_limits(self, data, **kwargs):
        if data.get("page", 1) * data.get("per_page", 20) > MAX_RESULT_WINDOW:
            raise ValidationError(f"Only the first {MAX_RESULT_WINDOW} results can be paged through.", "page")
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            raise ValidationError("The minimum price is above the maximum.", "price_min")
        for name in ("price_min", "price_max"):
            value = data.get(name)
            if value is not None and not value.is_finite():
                raise ValidationError("Not a number.", name)


class SearchHitSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    highlight = fields.String(allow_none=True, metadata={"description": "HTML-escaped title or description with <mark> tags"})
    cpv_code = fields.String()
    price = MoneyField(allow_none=True)
    organization = fields.Nested(OrganizationSummarySchema)


class ListingSearchResultSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(SearchHitSchema))
    # Facet values are plain {"value", "label", "count"} objects already; dumping
    # a few hundred of them field by field cost more than the rest of the answer.
    facets = fields.Raw(metadata={"description": "facet name -> list of {value, label, count}",
                                  "example": {"country": [{"value": "FR", "label": "France", "count": 12}]}})
    suggestion = fields.String(allow_none=True)


class SuggestQuerySchema(Schema):
    q = fields.String(required=True, validate=validate.Length(1, 10_000))


class SuggestionSchema(Schema):
    text = fields.String()
    kind = fields.String()
    id = fields.Integer()


class SuggestionsSchema(Schema):
    suggestions = fields.List(fields.Nested(SuggestionSchema))
