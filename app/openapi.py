"""The OpenAPI 3.1 document at /api/v1/openapi.json: every rule the schemas enforce, declared, so that a client can be
generated from it and a tool can check the API against it (tests/api/test_schemathesis.py).

apispec documents most of a marshmallow field; this module adds the rest: bounds as numbers (a Decimal bound is not a
string) and exclusive bounds, the shapes of our own fields (they describe themselves with `openapi_schema()`), the
refusal of NUL characters in every string the API reads, a schema's own keywords (`class Meta: openapi = {...}`),
who may call an operation (a bearer token, or anybody), and the problem body of each error an operation may answer.
"""
from decimal import Decimal

from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from flask_smorest import Blueprint
from marshmallow import missing, validate

#: Refused in every string the API reads (PostgreSQL cannot store it): a 422 field error, declared as this pattern.
NO_NUL = "^[^\\u0000]*$"
BEARER = "bearerAuth"
#: The `security` of an operation that reads no token, and of one where a token only shows more.
ANONYMOUS = []
ANONYMOUS_OR_TOKEN = [{}, {BEARER: []}]


def as_number(value):
    """A bound as JSON has it: 10, not "10"; 0.5, not "0.5"."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return value
    return int(value) if value == int(value) else float(value)


def _nullable(schema):
    """`schema`, or null (OpenAPI 3.1 has no `nullable`)."""
    if "$ref" in schema or "anyOf" in schema:
        inner = {key: value for key, value in schema.items() if key not in _ANNOTATIONS}
        return {"anyOf": [inner, {"type": "null"}], **{key: value for key, value in schema.items() if key in _ANNOTATIONS}}
    if "enum" in schema and None not in schema["enum"]:
        schema = {**schema, "enum": [*schema["enum"], None]}
    kinds = schema.get("type")
    if kinds is not None and "null" not in (kinds if isinstance(kinds, list) else [kinds]):
        schema = {**schema, "type": [*(kinds if isinstance(kinds, list) else [kinds]), "null"]}
    return schema


_ANNOTATIONS = ("description", "example", "default", "readOnly", "writeOnly", "title")


def _reads_input(field):
    """A field the API reads from requests (output schemas set none of these)."""
    return not field.dump_only and (field.required or field.load_default is not missing or bool(field.validators))


class CoopexConverter(OpenAPIConverter):
    """apispec's converter, with the additions above."""

    def init_attribute_functions(self):
        super().init_attribute_functions()
        self.attribute_functions.append(self.coopex_properties)

    def coopex_properties(self, field, ret, **kwargs):
        """Runs last: may rewrite what apispec made of the field (it edits `ret` in place)."""
        own = getattr(field, "openapi_schema", None)
        if own is not None:
            kept = {key: ret[key] for key in _ANNOTATIONS if key in ret}
            schema = {**own(), **kept}
            ret.clear()
            ret.update(_nullable(schema) if field.allow_none else schema)
            return {}
        kinds = ret.get("type") or []
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if {"number", "integer"} & set(kinds):
            self._bounds(field, ret)
        if "string" in kinds and "enum" not in ret and "format" not in ret and "pattern" not in ret and _reads_input(field):
            ret["pattern"] = NO_NUL
        return {}

    @staticmethod
    def _bounds(field, ret):
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            ret.pop(key, None)
        for rule in field.validators:
            if not isinstance(rule, validate.Range):
                continue
            if rule.min is not None:
                ret["minimum" if rule.min_inclusive else "exclusiveMinimum"] = as_number(rule.min)
            if rule.max is not None:
                ret["maximum" if rule.max_inclusive else "exclusiveMaximum"] = as_number(rule.max)

    def schema2jsonschema(self, schema):
        """A schema's own keywords (`class Meta: openapi = {...}`): rules across fields that JSON Schema can state."""
        jsonschema = super().schema2jsonschema(schema)
        for key, value in getattr(getattr(schema, "Meta", None), "openapi", {}).items():
            if key == "properties":
                jsonschema.setdefault(key, {}).update(value)
            elif key == "required":
                jsonschema[key] = sorted({*jsonschema.get(key, ()), *value})
            else:
                jsonschema[key] = value
        return jsonschema


class CoopexMarshmallowPlugin(MarshmallowPlugin):
    Converter = CoopexConverter


class ProblemResponsesPlugin(BasePlugin):
    """Each operation lists the errors it may answer, all with the problem body; `default` covers the rest."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            if operation.get("security") != ANONYMOUS:
                responses.setdefault("401", "UNAUTHORIZED")
                responses.setdefault("403", "FORBIDDEN")
            if "{" in (path or "") or operation.get("security") == ANONYMOUS_OR_TOKEN:
                responses.setdefault("404", "NOT_FOUND")
            if "requestBody" in operation:
                responses.setdefault("413", "REQUEST_ENTITY_TOO_LARGE")
            if "requestBody" in operation or operation.get("parameters"):
                responses.setdefault("422", "UNPROCESSABLE_ENTITY")


def document(view, security):
    """Declare who may call `view` (the `security` of its operation) and keep it on the view for the API's check."""
    documented = Blueprint.doc(security=security)(view)
    documented.security = security
    return documented


def money_schema(currency_codes, exponent):
    """The Money component: {"amount", "currency"}, the amount a decimal string with the currency's decimals."""
    by_places = {}
    for code in currency_codes:
        by_places.setdefault(exponent(code), []).append(code)
    return {
        "description": 'Money: {"amount": "12.50", "currency": "EUR"}. The amount is a decimal string in major units, '
                       "greater than zero, at most 1000000000, with at most the currency's decimals (JPY none, EUR two, "
                       "KWD three).",
        "anyOf": [{
            "type": "object",
            "required": ["amount", "currency"],
            "properties": {"amount": {"type": "string", "pattern": amount_pattern(places)},
                           "currency": {"type": "string", "enum": codes}},
            "additionalProperties": False,
        } for places, codes in sorted(by_places.items())],
        "example": {"amount": "12.50", "currency": "EUR"},
    }


def amount_pattern(places):
    """A positive amount of at most 1000000000, in major units with at most `places` decimals, written plainly."""
    whole = "[1-9][0-9]{0,8}"
    if not places:
        return f"^(?:{whole}|1000000000)$"
    below_one = "|".join(f"0{{{zeros}}}[1-9][0-9]{{0,{places - zeros - 1}}}" if zeros else f"[1-9][0-9]{{0,{places - 1}}}"
                         for zeros in range(places))
    return f"^(?:{whole}(?:\\.[0-9]{{1,{places}}})?|0\\.(?:{below_one})|1000000000(?:\\.0{{1,{places}}})?)$"


def register(api):
    """Complete the document of `api` (a CoopexApi, after init_app): the bearer scheme and the Money component."""
    from app.money import currency_codes, exponent

    api.spec.components.security_scheme(BEARER, {
        "type": "http", "scheme": "bearer",
        "description": "A personal API token (POST /api/v1/auth/tokens), sent as `Authorization: Bearer …`."})
    api.spec.components.schema("MoneyInput", money_schema(currency_codes(), exponent))
    api.spec.components.schema("Money", {
        "description": "Money in an answer: the amount a decimal string in major units (negative for money out in a "
                       "ledger), with the currency's decimals.",
        "type": "object", "required": ["amount", "currency"], "additionalProperties": False,
        "properties": {"amount": {"type": "string", "pattern": "^-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?$"},
                       "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}},
        "example": {"amount": "12.50", "currency": "EUR"}})
    api.spec.components.schema("FieldMessages", {
        "description": "The messages of one field, or of the fields (or list items) inside it.",
        "anyOf": [{"type": "array", "items": {"type": "string"}},
                  {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/FieldMessages"}}]})

