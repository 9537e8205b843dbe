"""Shapes of the notification settings."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.converters import MAX_ID
from app.notices.models import KINDS, MAIL_MODES
from app.schemas import JsonBoolean, WholeNumber

_MODE = "How this kind reaches you by mail: immediately, in a daily digest, or off (in the app it always does)."

PreferencesSchema = Schema.from_dict(
    {kind: fields.String(metadata={"description": _MODE, "enum": list(MAIL_MODES)}) for kind in KINDS},
    name="PreferencesSchema")


class PreferencesUpdateSchema(Schema.from_dict(
        {kind: fields.String(validate=validate.OneOf(MAIL_MODES), metadata={"description": _MODE}) for kind in KINDS})):
    """The kinds to change (at least one); those left out keep their setting."""

    class Meta:
        openapi = {"minProperties": 1}

    @validates_schema
    def _names_one(self, data, **_kwargs):
        if not data:
            raise ValidationError([_l("Choose how at least one kind of notice reaches you.")])


MAX_NOTIFICATIONS_PAGE = 100
#: At most this many notices marked read by their ids in one request.
MAX_NOTIFICATIONS_MARKED = 100
NOTIFICATIONS_PAGING = ("Newest first. `after` is a notification id: the page holds the older ones (give the previous "
                        "page's `next`); `next` is null on the last page. Reading never marks anything read.")


class NotificationQuerySchema(Schema):
    after = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID),
                           metadata={"description": "Cursor: the `next` of the previous page (older notifications)."})
    limit = fields.Integer(load_default=30, validate=validate.Range(1, MAX_NOTIFICATIONS_PAGE),
                           metadata={"description": "Notifications per page."})


class NotificationReadSchema(Schema):
    """Which notices to mark read: `ids`, or `all` (true) for every notice of the user's organisations."""

    class Meta:
        openapi = {"anyOf": [{"required": ["ids"], "properties": {"all": {"const": False}}},
                             {"required": ["all"], "properties": {"all": {"const": True}}, "not": {"required": ["ids"]}}]}

    ids = fields.List(WholeNumber(validate=validate.Range(1, MAX_ID)),
                      validate=validate.Length(1, MAX_NOTIFICATIONS_MARKED),
                      metadata={"description": "Notifications to mark read (of the user's organisations)."})
    all = JsonBoolean(
                         metadata={"description": "true: mark every notification of the user's organisations read."})

    @validates_schema
    def one_choice(self, data, **kwargs):
        if ("ids" in data) == bool(data.get("all")):
            raise ValidationError(_("Give either the ids of the notifications, or all: true."), "_schema")


class NotificationSchema(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    kind = fields.String(metadata={"description": "messages, trade, tenders, campaigns or alerts."})
    message = fields.String(attribute="text", metadata={"description": "In the reader's language (Accept-Language)."})
    link = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True, metadata={"description": "When a member of the organisation marked it "
                                                                        "read; null while unread."})


class NotificationPageSchema(Schema):
    class Meta:
        description = NOTIFICATIONS_PAGING

    items = fields.List(fields.Nested(NotificationSchema))
    next = fields.Integer(allow_none=True, metadata={"description": "Pass as `after` for the next (older) page; null at "
                                                                     "the end."})
    unread = fields.Integer(metadata={"description": "Unread notifications of the user's organisations, in all."})


class NotificationsMarkedSchema(Schema):
    marked = fields.Integer(metadata={"description": "How many were unread and are now read."})
    unread = fields.Integer(metadata={"description": "Unread notifications left."})
