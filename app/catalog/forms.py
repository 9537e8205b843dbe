"""HTML forms of listings."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField

from app.forms import options

LANGUAGE_LABELS = options([("en", "English"), ("fr", "Français"), ("es", "Español")])


class ListingForm(FlaskForm):
    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"), render_kw={"rows": 6})
    language = SelectField(_l("Language of the text"), choices=LANGUAGE_LABELS)
    kind = SelectField(_l("Kind"), choices=options([("good", _l("Good")), ("service", _l("Service"))]))
    cpv_code = StringField(
        _l("CPV code"),
        description=_l("Type words in English, French or Spanish, or the code itself."),
        render_kw={"list": "cpv-options", "autocomplete": "off", "data-cpv-picker": "1"},
    )
    price_on_request = BooleanField(_l("Price on request"))
    price_amount = StringField(_l("Amount"), render_kw={"inputmode": "decimal", "placeholder": "12.50"})
    price_currency = SelectField(_l("Currency"))
    unit = StringField(_l("Unit"), render_kw={"placeholder": "kg, hour, pallet…"})
    min_order_quantity = StringField(_l("Minimum order"), default="1", render_kw={"inputmode": "numeric"})
    lead_time_days = StringField(_l("Lead time (days)"), render_kw={"inputmode": "numeric"})
    delivery_countries = SelectMultipleField(_l("Delivered to"), render_kw={"size": 8})
    sdgs = SelectMultipleField(_l("SDGs served"), render_kw={"size": 8})
    certifications = StringField(_l("Certifications"), description=_l("Separate with commas, e.g. Fairtrade, Organic."))
    status = SelectField(_l("Status"), choices=options([("draft", _l("Draft")), ("active", _l("Active"))]))
