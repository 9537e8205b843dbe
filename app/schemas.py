"""Schema pieces shared by every feature's API.

Each rule is one the OpenAPI document can state (app.openapi): whole-value patterns written in the syntax Python and
JSON Schema read alike (`[0-9]`, not `\\d`), strings refused rather than mended where the document could not say how.
"""
import re
from decimal import Decimal, InvalidOperation
from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, missing, validate

from app.money import Money, MoneyError, exponent, is_currency
from app.openapi import amount_pattern

#: What Trimmed strips: the white space every regular expression engine agrees on.
WHITESPACE = " \t\n\r\f\v"


class Pattern(validate.Regexp):
    """A regular expression the whole value must match: Regexp's `match` would let "FR\\n" through `^[A-Z]{2}$`."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class WholeNumber(fields.Integer):
    """A JSON integer: 3 or 3.0 (the same number in JSON), never "3", true or 3.5."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._validated(value)


class JsonBoolean(fields.Boolean):
    """true or false, as JSON writes them (marshmallow would also take 1, "yes" or "on")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class MoneyField(fields.Field):
    """Money in JSON: {"amount": "12.50", "currency": "EUR"}, the amount a decimal string in major units. Read from a
    request, written plainly (no sign, exponent, spaces or leading zeros), above zero and with at most the currency's
    decimals: the MoneyInput component of the OpenAPI document; in answers, the Money component (signed, any size).
    A field read from requests is required or has a default; `written=True` says so of one that has neither."""

    def __init__(self, written=None, **kwargs):
        super().__init__(**kwargs)
        self.written = written if written is not None else (self.required or self.load_default is not missing)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return {"amount": value.as_decimal_string(), "currency": value.currency}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict) or set(value) - {"amount", "currency"}:
            raise ValidationError(_('Give {"amount": "12.50", "currency": "EUR"}.'))
        currency = value.get("currency")
        if not is_currency(currency):
            raise ValidationError({"currency": [_("Not an ISO 4217 currency code.")]})
        amount = value.get("amount")
        if not isinstance(amount, str):
            raise ValidationError({"amount": [_("Give the amount as a decimal string, e.g. \"12.50\".")]})
        try:
            money = Money.parse(amount, currency)
        except MoneyError as error:
            raise ValidationError({"amount": [str(error)]}) from None
        if not _amount_regex(money.currency).fullmatch(amount):
            raise ValidationError({"amount": [_("Not a valid amount.")]})
        return money

    def openapi_schema(self):
        return {"$ref": "#/components/schemas/MoneyInput" if self.written else "#/components/schemas/Money"}


@cache
def _amount_regex(currency):
    return re.compile(amount_pattern(exponent(currency)))


class DecimalString(fields.Field):
    """A decimal number as a JSON string ("1.5"), read as a Decimal: digits, at most one point, no sign, exponent or
    leading zero. `pattern` is what the document declares: that form together with the field's range and decimals,
    which its validators check with their own messages."""

    PLAIN = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")

    def __init__(self, pattern=r"^(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$", **kwargs):
        super().__init__(**kwargs)
        self.pattern = pattern

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value):f}"

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(_("Not a valid string."))
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValidationError(_("Not a valid number.")) from None
        if not self.PLAIN.fullmatch(value):
            raise ValidationError(_("Not a valid number."))
        return number

    def openapi_schema(self):
        return {"type": "string", "pattern": self.pattern}


class Trimmed(fields.String):
    """A string with surrounding white space removed before it is validated (so '   ' is empty). The document states
    its lengths, which are those of the trimmed text, with a pattern: white space, then the text, then white space."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip(WHITESPACE)

    def openapi_schema(self):
        lengths = [rule for rule in self.validators if isinstance(rule, validate.Length)]
        shortest = max((rule.min or 0 for rule in lengths), default=0)
        longest = min((rule.max for rule in lengths if rule.max is not None), default=None)
        return {"type": "string", "pattern": trimmed_pattern(shortest, longest)}


def trimmed_pattern(shortest, longest):
    """Text of `shortest` to `longest` (None: any) characters once its surrounding white space is removed, no NUL."""
    space, text = "[\\t\\n\\u000b\\f\\r ]", "[^\\u0000\\t\\n\\u000b\\f\\r ]"
    inner = f"{max(shortest - 2, 0)},{'' if longest is None else longest - 2}"
    choices = [f"{text}[^\\u0000]{{{inner}}}{text}"] if longest is None or longest >= 2 else []
    if shortest <= 1 and (longest is None or longest >= 1):
        choices.append(text)
    body = f"(?:{'|'.join(choices)})" + ("?" if shortest == 0 else "")
    return f"^{space}*{body}{space}*$"


class CountryCode(fields.String):
    """An ISO 3166 alpha-2 code. `known=True` where it is kept: in capitals, one of the codes of the reference data (the
    document lists them; the service checks). A filter takes any two letters, in either case."""

    def __init__(self, known=False, **kwargs):
        pattern = r"^[A-Z]{2}$" if known else r"^[A-Za-z]{2}$"
        super().__init__(validate=Pattern(pattern, error=_l("Give a two-letter ISO 3166 code.")), **kwargs)
        self.known = known

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        return value if self.known else value.upper()

    def openapi_schema(self):
        if self.known:
            from app.reference.services import country_codes

            return {"type": "string", "enum": country_codes()}
        return {"type": "string", "pattern": "^[A-Za-z]{2}$"}


def sdg_list(**kwargs):
    return fields.List(
        WholeNumber(validate=validate.Range(1, 17, error=_l("SDGs are numbered 1 to 17."))),
        validate=validate.Length(max=17),
        **kwargs,
    )


class PartialMixin:
    """For update schemas: every field optional, but each one given is validated; the objects inside a field keep their
    required fields (a budget line needs its title), as `partial=True` would not."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", tuple(self._declared_fields))
        super().__init__(*args, **kwargs)


class PageQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


def page_schema(item_schema):
    """An output schema for a page of items."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
        },
        name=f"{item_schema.__name__.removesuffix('Schema')}PageSchema",
    )


ICA_REGIONS = ("Africa", "Americas", "Asia-Pacific", "Europe")
#: The longest text a search takes: with its filters, the address stays within what servers read of a request line
#: (gunicorn.conf.py), so that a longer one is answered by the app (422), not refused by the server (414).
MAX_QUERY_LENGTH = 500


def many(field, maximum=30):
    """A multi-valued query parameter (repeated in the query string: country=FR&country=ES)."""
    return fields.List(field, load_default=list, validate=validate.Length(max=maximum))


def amount_bound():
    """A bound of a money range, in major units (the currency is a parameter of its own)."""
    return fields.Decimal(load_default=None, allow_none=True, places=None, validate=validate.Range(0, 10**9))


def require_order(data, low, high, message):
    """Refuse, on the field `low`, a range whose lower bound is above its upper one (`message`: lazily translated,
    `_l()`, so that a search with a sound range translates nothing)."""
    if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
        raise ValidationError(str(message), low)


class SearchQuerySchema(Schema):
    """What every search of the index takes: words, CPV codes (each with everything beneath it), CPV divisions,
    the organisation's country and ICA region, currencies, and a page (beyond the engine's result window of
    search.queries.MAX_RESULT_WINDOW results, an empty one)."""

    q = fields.String(load_default="", validate=validate.Length(max=MAX_QUERY_LENGTH))
    cpv = many(fields.String(validate=Pattern(r"^[0-9]{8}(-[0-9])?$", error=_l("Give 8-digit CPV codes."))), 20)
    cpv_division = many(fields.String(validate=Pattern(r"^[0-9]{2}$", error=_l("Give 2-digit CPV divisions."))))
    country = many(CountryCode(), 60)
    region = many(fields.String(validate=validate.OneOf(ICA_REGIONS)))
    currency = many(fields.String(validate=Pattern(r"^[A-Z]{3}$", error=_l("Give ISO 4217 codes."))), 10)
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class ProblemDetailSchema(Schema):
    class Meta:
        openapi = {"required": ["code", "message", "fields"]}

    code = fields.String(metadata={"example": "validation_failed"})
    message = fields.String()
    fields_ = fields.Dict(data_key="fields", metadata={
        "description": "Messages per field (a list of texts), nested for nested objects and lists (by index)",
        "additionalProperties": {"$ref": "#/components/schemas/FieldMessages"}})


class ProblemSchema(Schema):
    """Every error of the API: {"error": {"code", "message", "fields"}}."""

    class Meta:
        openapi = {"required": ["error"]}

    error = fields.Nested(ProblemDetailSchema)
