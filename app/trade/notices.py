"""Telling the other side of a trade: a notice in the app for the organisation, and mail to each of its members who
take part on that side (admins, and buyers or sellers), in their language and as they chose (app.notices)."""
from app.notices import telling
from app.trade.policy import SIDE_ROLES


def tell(recipients, side, kind, subject, message, link):
    """Tell the organisations of `recipients` (ids or a SELECT of ids), acting on `side`, of a `kind` of news."""
    return telling.tell(recipients, kind, subject, message, link, roles=("admin", *SIDE_ROLES[side]))
