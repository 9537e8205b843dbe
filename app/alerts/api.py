"""JSON API: saved searches (the alerts they send are mail; their matches, an Atom feed)."""
from app.accounts.auth import require_api_user
from app.alerts import services
from app.alerts.schemas import SavedSearchCreateSchema, SavedSearchListSchema, SavedSearchSchema, SavedSearchUpdateSchema
from app.extensions import db
from app.http import ApiBlueprint

blp = ApiBlueprint("alerts_api", __name__, url_prefix="/api/v1", description="Saved searches and alerts")


@blp.route("/saved-searches", methods=["GET"])
@blp.response(200, SavedSearchListSchema)
def list_saved_searches():
    """Your saved searches, newest first."""
    return {"items": services.saved_searches_of(require_api_user())}


@blp.route("/saved-searches", methods=["POST"])
@blp.arguments(SavedSearchCreateSchema)
@blp.response(201, SavedSearchSchema)
def create_saved_search(payload):
    """Save a search with a name and how often new matches are mailed (at most 25 per person: 409 beyond)."""
    saved = services.save_search(require_api_user(), payload["kind"], payload["name"], payload["query"],
                                 payload["frequency"])
    db.session.commit()
    return saved


@blp.route("/saved-searches/<int:saved_search_id>", methods=["PATCH"])
@blp.arguments(SavedSearchUpdateSchema)
@blp.response(200, SavedSearchSchema)
def update_saved_search(changes, saved_search_id):
    """Rename a saved search, change its parameters or its frequency."""
    user = require_api_user()
    saved = services.update_search(user, services.get_saved_search(user, saved_search_id), changes)
    db.session.commit()
    return saved


@blp.route("/saved-searches/<int:saved_search_id>", methods=["DELETE"])
@blp.response(204)
def delete_saved_search(saved_search_id):
    """Delete a saved search (a default alert cannot be deleted: 409; turn it off)."""
    user = require_api_user()
    services.delete_search(user, services.get_saved_search(user, saved_search_id))
    db.session.commit()
