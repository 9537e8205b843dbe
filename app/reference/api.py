"""JSON API: reference data (the CPV picker reads it)."""
from marshmallow import Schema, fields, validate

from app.accounts.auth import allows_anonymous
from app.http import ApiBlueprint
from app.reference import services

blp = ApiBlueprint("reference_api", __name__, url_prefix="/api/v1", description="Reference data")


class CpvQuerySchema(Schema):
    q = fields.String(required=True, validate=validate.Length(1, 200))
    lang = fields.String(load_default="en", validate=validate.OneOf(("en", "fr", "es")))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 50))


class CpvSchema(Schema):
    code = fields.String()
    label = fields.String()
    level = fields.String()


@blp.route("/cpv", methods=["GET"])
@allows_anonymous
@blp.arguments(CpvQuerySchema, location="query")
@blp.response(200, CpvSchema(many=True))
def search_cpv(query):
    """CPV 2008 codes whose code or label (English, French or Spanish, accents ignored) match."""
    return [
        {"code": cpv.code, "label": cpv.label(query["lang"]), "level": cpv.level}
        for cpv in services.search_cpv(query["q"], query["limit"])
    ]
