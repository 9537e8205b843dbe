"""JSON API: listings."""
from flask import current_app, jsonify
from flask_babel import gettext as _

from app.accounts import services as accounts
from app.accounts.auth import allows_anonymous, api_user, require_api_user, token_optional
from app.catalog import search_service, services
from app.catalog.schemas import (
    ListingCreateSchema,
    ListingSchema,
    ListingUpdateSchema,
    OrganizationListingsQuerySchema,
)
from app.catalog.search_schemas import (
    ListingSearchQuerySchema,
    ListingSearchResultSchema,
    SuggestionsSchema,
    SuggestQuerySchema,
)
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.http import ApiBlueprint
from app.indexing import engine_answers
from app.orgs.services import get_organization
from app.schemas import page_schema

blp = ApiBlueprint("catalog_api", __name__, url_prefix="/api/v1", description="Listings")

ListingPageSchema = page_schema(ListingSchema)


def _writable_listing(listing_id):
    user = require_api_user()
    listing = services.visible_listing(listing_id, user)
    accounts.require_membership(user, listing.organization, *services.SELLER_ROLES)
    return listing


@blp.route("/listings", methods=["POST"])
@blp.arguments(ListingCreateSchema)
@blp.response(201, ListingSchema)
def create_listing(payload):
    """Publish or draft a listing for an organisation (its admins and sellers)."""
    user = require_api_user()
    try:
        organization = get_organization(payload.pop("organization_id"))
    except NotFound:
        raise Forbidden(_("You cannot list for this organisation."),
                        {"organization_id": [_("Not one of your organisations.")]}) from None
    accounts.require_membership(user, organization, *services.SELLER_ROLES)
    listing = services.create_listing(organization, payload)
    db.session.commit()
    return listing


@blp.route("/listings/<int:listing_id>", methods=["GET"])
@token_optional
@blp.response(200, ListingSchema)
def get_listing(listing_id):
    """A listing: active ones for everybody, others for members of its organisation."""
    return services.visible_listing(listing_id, api_user())


@blp.route("/listings/<int:listing_id>", methods=["PATCH"])
@blp.arguments(ListingUpdateSchema)
@blp.response(200, ListingSchema)
def update_listing(changes, listing_id):
    """Edit a listing or move its status (admins and sellers of its organisation)."""
    listing = _writable_listing(listing_id)
    services.update_listing(listing, changes)
    db.session.commit()
    return listing


@blp.route("/listings/<int:listing_id>", methods=["DELETE"])
@blp.response(200, ListingSchema)
def archive_listing(listing_id):
    """Archive a listing (admins and sellers of its organisation)."""
    listing = _writable_listing(listing_id)
    services.change_status(listing, "archived")
    db.session.commit()
    return listing


@blp.route("/organizations/<int:organization_id>/listings", methods=["GET"])
@token_optional
@blp.arguments(OrganizationListingsQuerySchema, location="query")
@blp.response(200, ListingPageSchema)
def organization_listings(query, organization_id):
    """An organisation's active listings; its members may ask for other statuses."""
    organization = get_organization(organization_id)
    statement = services.listings_of(organization, api_user(), query.get("status"))
    page = db.paginate(statement, page=query["page"], per_page=query["per_page"], error_out=False)
    return {"items": page.items, "total": page.total, "page": page.page, "per_page": page.per_page}


@blp.route("/search/listings", methods=["GET"])
@allows_anonymous
# Schema instances, not classes: webargs would build a new schema (deep-copying its fields) on every request.
@blp.arguments(ListingSearchQuerySchema(), location="query")
@blp.response(200, ListingSearchResultSchema)
@blp.alt_response(503, description="The search engine cannot be reached")
def search_listings(params):
    """Full-text search of active listings with filters, facets, highlights and a spelling suggestion."""
    with engine_answers():
        result = search_service.search_listings(params, current_app.config["SEARCH_COOPERATIVE_BOOST"])
    return jsonify(search_service.as_json(result))


@blp.route("/search/suggest", methods=["GET"])
@allows_anonymous
@blp.arguments(SuggestQuerySchema(), location="query")
@blp.response(200, SuggestionsSchema)
@blp.alt_response(503, description="The search engine cannot be reached")
def suggest(params):
    """Listing titles and organisation names as the user types."""
    with engine_answers():
        return search_service.suggest(params["q"])
