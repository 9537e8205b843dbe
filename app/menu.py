"""The navigation bar: the main links, in one table, and what the signed-in user's menu needs to know.

A new main link is one more row in MAIN_LINKS; one with unread things behind it (notifications, an inbox) gives the
function that counts them for the user, and the bar shows the count as a badge."""
from collections.abc import Callable
from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.notices import inbox as notifications
from app.orgs.services import may_verify_any
from app.trade import conversations


@dataclass(frozen=True)
class MainLink:
    endpoint: str
    label: str
    #: Shown to signed-in users only.
    members_only: bool = False
    #: How many unread things wait behind the link for the user; a count of 0 shows no badge.
    unread: Callable | None = None


MAIN_LINKS = (
    MainLink("catalog.search", _l("Offers")),
    MainLink("tenders.search", _l("Tenders")),
    MainLink("trade.rfq_search", _l("Requests for quotation")),
    MainLink("campaigns.browse", _l("Campaigns")),
    MainLink("public.transparency", _l("Transparency")),
    MainLink("trade.inbox", _l("Inbox"), members_only=True, unread=conversations.unread_count),
    MainLink("notices.notifications_page", _l("Notifications"), members_only=True, unread=notifications.unread_count_for),
)


@dataclass(frozen=True)
class ShownLink:
    label: str
    href: str
    current: bool
    unread: int


def main_links():
    """The main links the visitor sees: label, address, whether it is the page shown, and the unread count."""
    signed_in = current_user.is_authenticated
    return [
        ShownLink(link.label, url_for(link.endpoint), request.endpoint == link.endpoint,
                  link.unread(current_user) if link.unread and signed_in else 0)
        for link in MAIN_LINKS if signed_in or not link.members_only
    ]


def init_app(app):
    @app.context_processor
    def navigation():
        # Functions, not values: only a page with the navigation bar pays for its queries (a mail's template does not).
        return {"main_links": main_links, "may_verify_any": lambda: may_verify_any(current_user)}
