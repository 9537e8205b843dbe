"""JSON API: the calling user's notification settings."""
from app.accounts.auth import require_api_user
from app.extensions import db
from app.http import ApiBlueprint
from app.notices import preferences
from app.notices.schemas import PreferencesSchema, PreferencesUpdateSchema

blp = ApiBlueprint("notices_api", __name__, url_prefix="/api/v1", description="Notification settings")


@blp.route("/me/notification-preferences", methods=["GET"])
@blp.response(200, PreferencesSchema)
def get_preferences():
    """How each kind of notice reaches you by mail (messages, trade, tenders, campaigns, alerts)."""
    return preferences.preferences_of(require_api_user())


@blp.route("/me/notification-preferences", methods=["PUT"])
@blp.arguments(PreferencesUpdateSchema)
@blp.response(200, PreferencesSchema)
def put_preferences(choices):
    """Choose how kinds of notice reach you by mail; kinds left out keep their setting."""
    user = require_api_user()
    chosen = preferences.set_preferences(user, user, choices)
    db.session.commit()
    return chosen
