"""Yearly statements of a donor's gifts: asked for with an address and a year, sent to that address as a signed link
(valid a week, no account needed) to a page and its PDF. The one who asks learns nothing: the answer is the same
whether the address gave or not, and only its owner receives the link."""
import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.accounts.services import normalise_email
from app.campaigns import donor_mail
from app.campaigns.models import Campaign, Donation, receipt_number
from app.errors import NotFound
from app.extensions import db
from app.mail import link
from app.money import Money
from app.orgs.models import Organization
from app.pdf import Document

STATEMENT_LINK_DAYS = 7
#: Gifts a statement lists: paid ones, and paid ones given back since (shown as refunded, not counted).
GIVEN = ("succeeded", "refunded")
_SALT = "coopex.donation-statement"


@dataclass(frozen=True)
class GiftLine:
    receipt_number: str
    paid_at: dt.datetime
    campaign: str
    organization: str
    amount: Money
    refunded: bool


@dataclass(frozen=True)
class Statement:
    email: str
    year: int
    gifts: list[GiftLine]
    #: What the address gave in the year, per currency (refunded gifts left out), in the currencies' order.
    totals: list[Money]


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def token(donation_id, year):
    """The signed token of a statement (what the mailed link carries): a gift of the address and the year, so that the
    address itself is not in the link (nor in the logs and histories that keep links)."""
    return _serializer().dumps([donation_id, year])


def _gave(email):
    return func.lower(Donation.email) == email


def request_statement(email, year, language):
    """Mail the address a link to its statement for `year` if it ever gave (else nothing: nobody is mailed who never
    gave). Returns nothing the caller could tell the asker."""
    email = normalise_email(email)
    first = db.session.scalar(select(func.min(Donation.id)).where(_gave(email), Donation.status.in_(GIVEN)))
    if first is None:
        return
    donor_mail.statement_link(email, year, language, link("campaigns.statement", token=token(first, year)),
                              STATEMENT_LINK_DAYS)


def read_token(signed):
    """(address, year) of a statement link, or 404 if it is forged, damaged or older than a week."""
    invalid = NotFound(_("This link does not exist or has expired: ask for a new one."), code="link_invalid")
    try:
        donation_id, year = _serializer().loads(signed, max_age=STATEMENT_LINK_DAYS * 86_400)
    except (BadSignature, ValueError, TypeError):
        raise invalid from None
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (donation_id, year)):
        raise invalid
    email = db.session.scalar(select(Donation.email).where(Donation.id == donation_id))
    if email is None:
        raise invalid
    return normalise_email(email), year


def statement(email, year):
    """The gifts paid from `email` in `year` (UTC), oldest first, and what they total per currency."""
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    rows = db.session.execute(
        select(Donation.id, Donation.paid_at, Donation.amount_minor, Donation.currency, Donation.status, Campaign.title,
               Organization.name)
        .join(Campaign, Campaign.id == Donation.campaign_id).join(Organization, Organization.id == Campaign.organization_id)
        .where(_gave(email), Donation.status.in_(GIVEN), Donation.paid_at >= start,
               Donation.paid_at < start.replace(year=year + 1))
        .order_by(Donation.paid_at, Donation.id)).all()
    gifts = [GiftLine(receipt_number(donation_id), paid_at, title, organization, Money(minor, currency),
                  status == "refunded")
             for donation_id, paid_at, minor, currency, status, title, organization in rows]
    totals = {}
    for gift in gifts:
        if not gift.refunded:
            totals[gift.amount.currency] = totals.get(gift.amount.currency, 0) + gift.amount.minor
    return Statement(email, year, gifts, [Money(minor, currency) for currency, minor in sorted(totals.items())])


def pdf(found, language):
    """The statement as a PDF document, written in `language` (the current one)."""
    money, day = donor_mail.money, donor_mail.day
    document = Document(_("Statement of gifts, %(year)d", year=found.year), _("Gifts made from %(email)s on Coopex",
                                                                             email=found.email))
    if not found.gifts:
        document.paragraph(_("No gift was paid from this address in %(year)d.", year=found.year))
        return document
    document.rows([_("Date"), _("Campaign"), _("Organisation"), _("Receipt number"), _("Amount")],
                  [[day(gift.paid_at, language), gift.campaign, gift.organization, gift.receipt_number,
                    money(gift.amount, language) + (f" ({_('Refunded')})" if gift.refunded else "")]
                   for gift in found.gifts], align_right_from=4)
    document.heading(_("Total given"))
    document.rows([_("Currency"), _("Total")], [[total.currency, money(total, language)] for total in found.totals])
    if any(gift.refunded for gift in found.gifts):
        document.paragraph(_("Refunded gifts are listed but not counted in the totals."))
    return document
