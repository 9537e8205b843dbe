"""Shapes of saved searches."""
from flask import url_for
from marshmallow import Schema, fields, validate

from app.alerts.models import FREQUENCIES, SEARCH_KINDS

_QUERY = ("The search API's own parameters for this kind (those of GET /api/v1/search/<kind>, e.g. q, cpv, "
          "cpv_division, country, region), without page, per_page, sort, status and ending_within_days; checked as "
          "that API checks them.")
_FREQUENCY = "immediately: a mail per new match; daily or weekly: a digest; off: only the feed."


class SavedSearchCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(SEARCH_KINDS))
    name = fields.String(required=True, validate=validate.Length(1, 120))
    query = fields.Dict(keys=fields.String(), load_default=dict, metadata={"description": _QUERY})
    frequency = fields.String(load_default="immediately", validate=validate.OneOf(FREQUENCIES),
                              metadata={"description": _FREQUENCY})


class SavedSearchUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(1, 120))
    query = fields.Dict(keys=fields.String(), metadata={"description": _QUERY})
    frequency = fields.String(validate=validate.OneOf(FREQUENCIES), metadata={"description": _FREQUENCY})


class SavedSearchSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    query = fields.Dict()
    frequency = fields.String()
    is_default = fields.Boolean(metadata={"description": "The organisation's default alert made by Coopex."})
    organization_id = fields.Integer(allow_none=True)
    feed_url = fields.Function(
        lambda saved: url_for("alerts.feed", saved_search_id=saved.id, token=saved.feed_token, _external=True),
        metadata={"type": "string", "description": "Atom feed of the documents that matched (no login: keep it private)."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class SavedSearchListSchema(Schema):
    items = fields.List(fields.Nested(SavedSearchSchema))
