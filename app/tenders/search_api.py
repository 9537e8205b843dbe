"""JSON API: searching published tenders (on the tenders blueprint, beside the tenders themselves)."""
from app.accounts.auth import allows_anonymous
from app.indexing import engine_answers
from app.tenders import search_service
from app.tenders.api import blp
from app.tenders.search_schemas import TenderSearchQuerySchema, TenderSearchResultSchema


@blp.route("/search/tenders", methods=["GET"])
@allows_anonymous
# A schema instance, not the class: webargs would build a new schema (deep-copying its fields) on every request.
@blp.arguments(TenderSearchQuerySchema(), location="query")
@blp.response(200, TenderSearchResultSchema)
@blp.alt_response(503, description="The search engine cannot be reached")
def search_tenders(params):
    """Full-text search of open tenders (or every published one) with filters, facets and highlights."""
    with engine_answers():
        return search_service.search_tenders(params)
