"""Schema pieces shared by every feature's API."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.money import Money, MoneyError, is_currency


class MoneyField(fields.Field):
    """Money in JSON: {"amount": "12.50", "currency": "EUR"}, decimal string in major units."""

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
        try:
            return Money.parse(value.get("amount"), currency)
        except MoneyError as error:
            raise ValidationError({"amount": [str(error)]}) from None


class Trimmed(fields.String):
    """A string with surrounding white space removed before it is validated (so '   ' is empty)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class CountryCode(fields.String):
    """An ISO 3166 alpha-2 code, upper-cased; existence is checked by the service."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Regexp(r"^[A-Za-z]{2}$", error=_l("Give a two-letter ISO 3166 code.")), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).upper()


def sdg_list(**kwargs):
    return fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, 17, error=_l("SDGs are numbered 1 to 17."))),
        validate=validate.Length(max=17),
        **kwargs,
    )


class PartialMixin:
    """For update schemas: every field optional, but each one given is validated."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
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
#: The engine pages through this many results at most (its max_result_window).
MAX_RESULT_WINDOW = 10_000


def many(field, maximum=30):
    """A multi-valued query parameter (repeated in the query string: country=FR&country=ES)."""
    return fields.List(field, load_default=list, validate=validate.Length(max=maximum))


def amount_bound():
    """A bound of a money range, in major units (the currency is a parameter of its own)."""
    return fields.Decimal(load_default=None, allow_none=True, places=None, validate=validate.Range(0, 10**9))


def require_order(data, low, high, message):
    """Refuse, on the field `low`, a range whose lower bound is above its upper one (`message`: translated, `_()`)."""
    if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
        raise ValidationError(message, low)


class SearchQuerySchema(Schema):
    """What every search of the index takes: words, CPV codes (each with everything beneath it), CPV divisions,
    the organisation's country and ICA region, currencies, and a page within the engine's result window."""

    q = fields.String(load_default="", validate=validate.Length(max=10_000))
    cpv = many(fields.String(validate=validate.Regexp(r"^\d{8}(-\d)?$", error=_l("Give 8-digit CPV codes."))), 20)
    cpv_division = many(fields.String(validate=validate.Regexp(r"^\d{2}$", error=_l("Give 2-digit CPV divisions."))))
    country = many(CountryCode(), 60)
    region = many(fields.String(validate=validate.OneOf(ICA_REGIONS)))
    currency = many(fields.String(validate=validate.Regexp(r"^[A-Z]{3}$", error=_l("Give ISO 4217 codes."))), 10)
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_RESULT_WINDOW))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))

    @validates_schema
    def within_result_window(self, data, **kwargs):
        if data.get("page", 1) * data.get("per_page", 20) > MAX_RESULT_WINDOW:
            raise ValidationError(_("Only the first %(count)s results can be paged through.", count=MAX_RESULT_WINDOW), "page")


class ProblemDetailSchema(Schema):
    code = fields.String(metadata={"example": "validation_failed"})
    message = fields.String()
    fields_ = fields.Dict(data_key="fields", metadata={"description": "messages per field, nested for nested objects"})


class ProblemSchema(Schema):
    """Every error of the API: {"error": {"code", "message", "fields"}}."""

    error = fields.Nested(ProblemDetailSchema)
