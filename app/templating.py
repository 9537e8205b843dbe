"""What every template may use: the acting membership, labels (of legal forms, sectors, sizes; of statuses and roles
with the `label` filter), money and date formatting."""
from flask_babel import get_locale

from app.accounts.auth import current_membership
from app.labels import label as value_label
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
        return "" if value is None else str(value)

    @app.template_filter("date")
    def date(value):
        return value.strftime("%d %b %Y") if value else ""
