"""Query and answer shapes of campaign search."""
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from app.campaigns.models import FUNDING_MODELS
from app.campaigns.schemas import MAX_CAMPAIGN_DAYS
from app.orgs.schemas import OrganizationSummarySchema
from app.schemas import MoneyField, SearchQuerySchema, many
from search import CAMPAIGN_SORTS

#: What a search hit says of a campaign: live, ended (deadline passed, not settled yet), succeeded, failed or closed.
HIT_STATUSES = ("live", "ended", "succeeded", "failed", "closed")


class CampaignSearchQuerySchema(SearchQuerySchema):
    """GET /api/v1/search/campaigns and /campaigns/search: `country` and `region` are the organisation's; `sdg`,
    `region` and `funding_model` are also facets (values of one are OR-ed, facets AND-ed)."""

    class Meta:
        exclude = ("cpv", "cpv_division", "currency")  # campaigns have no CPV code, and search is not by currency

    sdg = many(fields.Integer(validate=validate.Range(1, 17, error=_l("SDGs are numbered 1 to 17."))), 17)
    funding_model = many(fields.String(validate=validate.OneOf(FUNDING_MODELS)), 2)
    status = fields.String(load_default="live", validate=validate.OneOf(("live", "all")), metadata={
        "description": "live: taking donations now (the default); all: every campaign past its draft, ended ones too"})
    ending_within_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, MAX_CAMPAIGN_DAYS),
                                        metadata={"description": "Only live campaigns whose deadline is at most this many "
                                                                 "days away"})
    sort = fields.String(load_default="relevance", validate=validate.OneOf(CAMPAIGN_SORTS), metadata={
        "description": "relevance, ending_soon (live campaigns first, the nearest deadline first) or newest "
                       "(latest to go live)"})


class CampaignHitSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    highlight = fields.String(allow_none=True, metadata={
        "description": "HTML-escaped title, summary or story with <mark> tags"})
    organization = fields.Nested(OrganizationSummarySchema)
    goal = MoneyField()
    progress = MoneyField(metadata={"description": "raised − refunded + matched (+ pledged for all_or_nothing), now"})
    donors_count = fields.Integer()
    deadline = fields.DateTime()
    published_at = fields.DateTime()
    funding_model = fields.String()
    status = fields.String(metadata={"description": " | ".join(HIT_STATUSES) + " (ended: the deadline has passed and "
                                                                                "the campaign is being settled)"})
    sdgs = fields.List(fields.Integer())


class CampaignSearchResultSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(CampaignHitSchema))
    facets = fields.Raw(metadata={"description": "sdg, region, funding_model -> list of {value, label, count}",
                                  "example": {"funding_model": [{"value": "keep_it_all", "label": "Keep it all", "count": 3}]}})
