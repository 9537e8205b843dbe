"""Shapes of the audit trail in the API."""
from marshmallow import Schema, fields, validate

from app.audit.services import DEFAULT_PAGE, MAX_PAGE
from app.converters import MAX_ID

PAGING = ("Newest first. `after` is an entry id: the page holds the entries older than it (give the previous page's "
          "`next`); `next` is null on the last page.")


class AuditQuerySchema(Schema):
    after = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID),
                           metadata={"description": "Cursor: the `next` of the previous page (entries older than it)."})
    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=validate.Range(1, MAX_PAGE),
                           metadata={"description": "Entries per page."})


class PlatformAuditQuerySchema(AuditQuerySchema):
    organization_id = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID),
                                     metadata={"description": "Only the entries of this organisation."})


class AuditEntrySchema(Schema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    actor_user_id = fields.Integer(allow_none=True)
    actor_email = fields.String(allow_none=True, metadata={"description": "The actor's address when it acted."})
    organization_id = fields.Integer(allow_none=True)
    action = fields.String(metadata={"description": "What was done, e.g. `member.role_changed`."})
    subject = fields.String(allow_none=True, metadata={"description": "What it was done to, e.g. `user:12`."})
    details = fields.Dict(metadata={"description": "What changed."})
    ip_address = fields.String(allow_none=True)


class AuditPageSchema(Schema):
    class Meta:
        description = PAGING

    items = fields.List(fields.Nested(AuditEntrySchema))
    next = fields.Integer(allow_none=True, metadata={"description": "Pass as `after` for the next (older) page; null at "
                                                                     "the end."})
