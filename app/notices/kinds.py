"""The kinds of notice, as the preferences page and the mails name them."""
from flask_babel import lazy_gettext as _l

from app.notices.models import KINDS, MAIL_MODES

KIND_LABELS = {
    "messages": _l("messages from other organisations"),
    "trade": _l("requests for quotation, quotes and orders"),
    "tenders": _l("tenders"),
    "campaigns": _l("campaigns"),
    "alerts": _l("alerts of your saved searches"),
}
MODE_LABELS = {
    "immediately": _l("By mail, immediately"),
    "daily": _l("By mail, in a daily digest"),
    "off": _l("Not by mail (in the app only)"),
}
assert set(KIND_LABELS) == set(KINDS) and set(MODE_LABELS) == set(MAIL_MODES)


def kind_label(kind):
    return str(KIND_LABELS[kind])
