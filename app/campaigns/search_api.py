"""JSON API: searching campaigns (on the campaigns API blueprint, beside the campaigns themselves)."""
from app.accounts.auth import allows_anonymous
from app.campaigns import search_service
from app.campaigns.api import blp
from app.campaigns.search_schemas import CampaignSearchQuerySchema, CampaignSearchResultSchema
from app.indexing import engine_answers


@blp.route("/search/campaigns", methods=["GET"])
@allows_anonymous
# A schema instance, not the class: webargs would build a new schema (deep-copying its fields) on every request.
@blp.arguments(CampaignSearchQuerySchema(), location="query")
@blp.response(200, CampaignSearchResultSchema)
@blp.alt_response(503, description="The search engine cannot be reached")
def search_campaigns(params):
    """Full-text search of live campaigns (or every campaign past its draft) by SDG, region, country and funding model,
    ending soon, with facets and highlights; progress is read from the database at the moment of the search."""
    with engine_answers():
        return search_service.search_campaigns(params)
