"""What every template may use: the acting membership, labels (of legal forms, sectors, sizes; of statuses and roles
with the `label` filter), money and date formatting."""
from functools import cache

from babel.dates import format_date
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import get_locale

from app.accounts.auth import current_membership
from app.labels import label as value_label
from app.money import formatter
from app.orgs.forms import LEGAL_FORM_LABELS, SECTOR_LABELS, SIZE_LABELS


def init_app(app):
    @app.context_processor
    def inject():
        return {
            "current_membership": current_membership(),
            "legal_form_label": lambda value: LEGAL_FORM_LABELS.get(value, value),
            "sector_label": lambda value: SECTOR_LABELS.get(value, value),
            "size_label": lambda value: SIZE_LABELS.get(value, value),
            "locale": str(get_locale() or "en"),
        }

    @app.template_filter("label")
    def label(value, kind):
        """`{{ campaign.status|label('campaign') }}`: what the page calls a stored status or role (see app.labels)."""
        return value_label(kind, value)

    @app.template_filter("money")
    def money(value):
        """'10,500.00 EUR' on English pages, '10 500,00 EUR' on French ones, '10.500,00 EUR' on Spanish ones."""
        if value is None:
            return ""
        group, decimal = number_symbols(str(get_locale() or "en"))
        return formatter(value.currency, group=group, decimal=decimal)(value.minor)

    @app.template_filter("date")
    def date(value):
        """'07 Nov 2026', '07 nov. 2026', '07 nov 2026'."""
        return format_date(value, "dd MMM y", locale=str(get_locale() or "en")) if value else ""


@cache
def number_symbols(locale):
    """The locale's thousands and decimal separators."""
    return get_group_symbol(locale), get_decimal_symbol(locale)
