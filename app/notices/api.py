"""JSON API: the notifications of the calling user's organisations, and how they reach the user."""
from app.accounts.auth import require_api_user
from app.extensions import db
from app.http import ApiBlueprint
from app.notices import inbox as notifications
from app.notices import preferences
from app.notices.schemas import (
    NOTIFICATIONS_PAGING,
    NotificationPageSchema,
    NotificationQuerySchema,
    NotificationReadSchema,
    NotificationSchema,
    NotificationsMarkedSchema,
    PreferencesSchema,
    PreferencesUpdateSchema,
)

blp = ApiBlueprint("notices_api", __name__, url_prefix="/api/v1", description="Notifications and how they reach you")


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


@blp.route("/notifications", methods=["GET"])
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, NotificationPageSchema, description=NOTIFICATIONS_PAGING)
def list_notifications(query):
    """The notices of the user's organisations, newest first; reading them does not mark them read."""
    user = require_api_user()
    items, following = notifications.page_for(user, **query)
    return {"items": items, "next": following, "unread": notifications.unread_count_for(user)}


@blp.route("/notifications/read", methods=["POST"])
@blp.arguments(NotificationReadSchema)
@blp.response(200, NotificationsMarkedSchema)
def mark_notifications_read(payload):
    """Mark notifications read, for every member of their organisation: `{"ids": [...]}` or `{"all": true}`. An id that
    is not one of the user's notifications: 404, nothing marked."""
    user = require_api_user()
    marked = notifications.mark_read(user, payload.get("ids", ()), everything=payload.get("all", False))
    db.session.commit()
    return {"marked": marked, "unread": notifications.unread_count_for(user)}


@blp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@blp.response(200, NotificationSchema)
def mark_notification_read(notification_id):
    """Mark one notification read (members of its organisation; 404 for anyone else)."""
    notification = notifications.mark_one_read(require_api_user(), notification_id)
    db.session.commit()
    return notification
