"""Page: searching campaigns by words, SDG, region, country, funding model and how soon they end."""
from flask import current_app, render_template
from flask_babel import get_locale
from marshmallow import ValidationError

from app.campaigns import bp, search_service
from app.campaigns.search_schemas import CampaignSearchQuerySchema
from app.i18n import localize
from app.navigation import filter_chips, query_arguments
from app.reference.services import countries
from search import SearchUnavailable

#: The choices of the page's "ending within" box, in days.
ENDING_WITHIN = (7, 14, 30, 90)


@bp.route("/campaigns/search")
def search():
    """Live campaigns (or every one past its draft) matching the words and filters; when the engine is down, the live
    campaigns ending soonest, from the database."""
    schema = CampaignSearchQuerySchema()
    try:
        params = schema.load(query_arguments(schema))
    except ValidationError as error:
        return _search_page(params=None, errors=localize(error.messages)), 400
    try:
        results = search_service.search_campaigns(params, str(get_locale()))
    except SearchUnavailable:
        current_app.logger.warning("Search engine unavailable; showing the live campaigns ending soonest")
        return _search_page(params=params, unavailable=True, ending=search_service.ending_soonest()), 503
    return _search_page(params=params, results=results, chips=filter_chips("campaigns.search", results["facets"]),
                        countries=countries())


def _search_page(**context):
    return render_template("campaigns/search.html", **{
        "results": None, "errors": None, "unavailable": False, "chips": [], "ending_within": ENDING_WITHIN,
        "funding_model_labels": search_service.FUNDING_MODEL_LABELS, **context})
