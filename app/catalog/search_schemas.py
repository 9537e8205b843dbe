"""Query and answer shapes of marketplace search."""
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate, validates_schema

from app.orgs.models import LEGAL_FORMS, SECTORS, SIZES
from app.orgs.schemas import OrganizationSummarySchema
from app.schemas import MAX_QUERY_LENGTH, MoneyField, SearchQuerySchema, amount_bound, many, require_order
from search import SORTS


class ListingSearchQuerySchema(SearchQuerySchema):
    """GET /api/v1/search/listings and /search: the seller's facts, SDGs and a price range besides the common ones."""

    sector = many(fields.String(validate=validate.OneOf(SECTORS)))
    legal_form = many(fields.String(validate=validate.OneOf(LEGAL_FORMS)))
    size = many(fields.String(validate=validate.OneOf(SIZES)))
    sdg = many(fields.Integer(validate=validate.Range(1, 17)))
    cooperative = fields.Boolean(load_default=None, allow_none=True)
    verified = fields.Boolean(load_default=None, allow_none=True)
    price_min = amount_bound()
    price_max = amount_bound()
    sort = fields.String(load_default="relevance", validate=validate.OneOf(SORTS))

    @validates_schema
    def price_range(self, data, **kwargs):
        require_order(data, "price_min", "price_max", _l("The minimum price is above the maximum."))


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
    q = fields.String(required=True, validate=validate.Length(1, MAX_QUERY_LENGTH))


class SuggestionSchema(Schema):
    text = fields.String()
    kind = fields.String()
    id = fields.Integer()


class SuggestionsSchema(Schema):
    suggestions = fields.List(fields.Nested(SuggestionSchema))
