"""Mail to donors about their gifts, each written in the donor's language (their account's, else the one they gave in):
thanks with the receipt link once Stripe confirms the payment, and for all-or-nothing pledges: the card saved, then
charged, not charged (the goal was missed) or refused. Also the link to a yearly statement.

Each is queued in the transaction that records what it tells: a verified webhook's, or settlement's. An event applied
twice moves nothing the second time, so it mails nothing either."""
import contextlib
import dataclasses
import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass

from babel.dates import format_date
from flask_babel import force_locale, get_translations
from flask_babel import gettext as babel_gettext
from sqlalchemy import bindparam, func, select

from app.accounts.models import User
from app.accounts.services import normalise_email
from app.campaigns import followers
from app.campaigns.models import Campaign, Donation, LedgerEntry, receipt_number
from app.extensions import db
from app.i18n import language_or_default
from app.mail import link, send_mail, send_mails, unsubscribe
from app.money import Money, formatter
from app.orgs.models import Organization
from app.templating import number_symbols


@dataclass(frozen=True)
class Gift:
    """What a donor's mail tells of their gift, read in one statement."""

    id: int
    email: str
    language: str
    amount: Money
    receipt_token: str
    paid_at: dt.datetime | None
    campaign_id: int
    campaign: str
    goal: Money
    deadline: dt.datetime
    organization: str
    matched: Money

    @property
    def receipt_number(self):
        return receipt_number(self.id)


_ledger = LedgerEntry.__table__
#: Built once: it runs in the webhook's transaction for each payment (see app.campaigns.funds).
_GIFT = (
    select(Donation.id, Donation.email, func.coalesce(User.language, Donation.language), Donation.amount_minor,
           Donation.currency, Donation.receipt_token, Donation.paid_at, Campaign.id, Campaign.title, Campaign.goal_minor,
           Campaign.deadline, Organization.name,
           select(func.coalesce(func.sum(_ledger.c.amount_minor), 0))
           .where(_ledger.c.donation_id == Donation.id, _ledger.c.kind == "match").scalar_subquery())
    .select_from(Donation).join(Campaign, Campaign.id == Donation.campaign_id)
    .join(Organization, Organization.id == Campaign.organization_id).outerjoin(User, User.id == Donation.user_id)
    .where(Donation.id.in_(bindparam("donation_ids", expanding=True)))
)


def gifts(donation_ids):
    """{donation id: the gift as its mail tells it}, read in one statement; the language is the donor's account's if
    they gave signed in, else the one they gave in."""
    found = {}
    for (id_, email, language, minor, currency, token, paid_at, campaign_id, title, goal_minor, deadline, organization,
         matched) in db.session.execute(_GIFT, {"donation_ids": list(donation_ids)}):
        found[id_] = Gift(id_, email, language_or_default(language), Money(minor, currency), token, paid_at, campaign_id,
                          title, Money(goal_minor, currency), deadline, organization, Money(int(matched), currency))
    return found


def gift(donation_id):
    """The gift as its mail tells it."""
    return gifts([donation_id])[donation_id]


#: The translations of the mail being written (`speaking`): the worker writes a group's mails, about ten strings each.
_translations = ContextVar("donor_mail_translations", default=None)


@contextlib.contextmanager
def speaking(language):
    """Write in `language`: flask_babel's locale forced, and its translations looked up once for the block."""
    with force_locale(language):
        token = _translations.set(get_translations())
        try:
            yield
        finally:
            _translations.reset(token)


def _(string, **variables):
    """flask_babel's gettext, with the translations `speaking` looked up."""
    translations = _translations.get()
    if translations is None:
        return babel_gettext(string, **variables)
    text = translations.ugettext(string)
    return text % variables if variables else text


def money(value, language):
    """'1,250.00 EUR' in English, '1 250,00 EUR' in French."""
    group, decimal = number_symbols(language)
    return formatter(value.currency, group=group, decimal=decimal)(value.minor)


def day(moment, language):
    return format_date(moment, "d MMMM y", locale=language)


def _details(given, status):
    """The gift as the receipt shows it, one line per fact."""
    lines = [f"{_('Campaign')}: {given.campaign}", f"{_('Run by')}: {given.organization}",
             f"{_('Amount')}: {money(given.amount, given.language)}"]
    if given.matched.minor:
        lines.append(f"{_('Matched')}: {money(given.matched, given.language)}")
    lines += [f"{_('Receipt number')}: {given.receipt_number}", f"{_('Status')}: {status}"]
    return "\n".join(lines)


def _receipt(given):
    return _("Your receipt (keep this link: only you have it): %(link)s",
             link=link("campaigns.receipt", donation_id=given.id, token=given.receipt_token))


def _message(given, subject, paragraphs, follower_id=None):
    """The mail as send_mails takes it; when the donor follows the campaign, it says so with the way to stop (and its
    headers)."""
    if follower_id is not None:
        paragraphs.append("-- \n" + _("You will receive the campaign's updates by mail. Stop them: %(unsubscribe)s",
                                      unsubscribe=unsubscribe.PLACEHOLDER))
    return (given.email, subject, "\n\n".join(paragraphs), ("follow", follower_id) if follower_id is not None else None)


def _send(given, subject, paragraphs):
    send_mails([_message(given, subject, paragraphs)])


def tells(before, after):
    """Whether a donation moved from `before` to `after` by a verified event is told to its donor: a gift now paid, a
    card now saved (nothing when the event moved nothing: a replay, or a second event for the same payment)."""
    return before != after and after in ("succeeded", "pledged")


def after_payment_events(moves):
    """Called in the payments worker's transaction once verified events have been applied to donations and written,
    with their moves as (donation id, status before, status after): a gift now paid is thanked (a pledge now charged,
    told so), a card now saved is acknowledged; either makes the donor follow the campaign. The mail of a group of
    events is read, its donors made followers and its messages queued in one statement each."""
    moves = [move for move in moves if tells(move[1], move[2])]
    if not moves:
        return
    given_of = gifts({donation_id for donation_id, _before, _after in moves})
    follower_of = followers.follow_by_giving([(given.campaign_id, given.email, given.language)
                                              for given in given_of.values()])
    messages = []
    for donation_id, before, after in moves:
        given = given_of[donation_id]
        follower_id = follower_of.get((given.campaign_id, normalise_email(given.email)))
        with speaking(given.language):
            if after == "pledged":  # nothing is matched yet (read after the group, the pledge may be charged since)
                messages.append(_card_saved(dataclasses.replace(given, matched=Money(0, given.amount.currency)),
                                            follower_id))
            elif before == "pledged":
                messages.append(_charged(given, follower_id))
            else:
                messages.append(_thank(given, follower_id))
    send_mails(messages)


def _thank(given, follower_id):
    paragraphs = [_("Thank you: Stripe has confirmed your gift to “%(campaign)s”, run by %(organization)s.",
                    campaign=given.campaign, organization=given.organization)]
    if given.matched.minor:
        paragraphs.append(_("With match funding, your gift brings %(total)s to the campaign.",
                            total=money(Money(given.amount.minor + given.matched.minor, given.amount.currency),
                                        given.language)))
    paragraphs += [_details(given, _("Paid on %(date)s", date=day(given.paid_at, given.language))), _receipt(given)]
    return _message(given, _("Thank you for your gift to “%(campaign)s”", campaign=given.campaign), paragraphs, follower_id)


def _card_saved(given, follower_id):
    deadline = day(given.deadline, given.language)
    paragraphs = [
        _("Your card is saved for your pledge of %(amount)s to “%(campaign)s”. It is charged only if the campaign "
          "reaches its goal of %(goal)s by %(deadline)s; otherwise nothing is charged. We will tell you either way.",
          amount=money(given.amount, given.language), campaign=given.campaign,
          goal=money(given.goal, given.language), deadline=deadline),
        _details(given, _("Pledged: your card is charged only if the campaign reaches its goal by %(date)s.",
                          date=deadline)),
        _receipt(given)]
    return _message(given, _("Your pledge to “%(campaign)s” is saved", campaign=given.campaign), paragraphs, follower_id)


def _charged(given, follower_id):
    paragraphs = [
        _("“%(campaign)s” reached its goal: your pledge of %(amount)s has been charged, as promised. Thank you!",
          campaign=given.campaign, amount=money(given.amount, given.language)),
        _details(given, _("Paid on %(date)s", date=day(given.paid_at, given.language))),
        _receipt(given)]
    return _message(given, _("“%(campaign)s” reached its goal: your pledge is charged", campaign=given.campaign),
                    paragraphs, follower_id)


def released(donation_id):
    """Settlement: the goal was missed, the pledge is not charged."""
    given = gift(donation_id)
    with speaking(given.language):
        paragraphs = [
            _("“%(campaign)s” did not reach its goal of %(goal)s by its deadline. As promised, your pledge of "
              "%(amount)s is not charged. Thank you for backing it.", campaign=given.campaign,
              goal=money(given.goal, given.language), amount=money(given.amount, given.language)),
            _details(given, _("Not charged: the campaign did not reach its goal.")),
            _receipt(given)]
        _send(given, _("“%(campaign)s”: the goal was not reached", campaign=given.campaign), paragraphs)


def charge_refused(donation_id, reason, pay_url, by_link):
    """Settlement: the goal was reached but the card was refused; the donor gets a link to pay by hand (a Checkout
    page, or, when Stripe could not make one, the campaign's page to give again)."""
    given = gift(donation_id)
    with speaking(given.language):
        paragraphs = [
            _("“%(campaign)s” reached its goal, but your card was refused for your pledge of %(amount)s (%(reason)s).",
              campaign=given.campaign, amount=money(given.amount, given.language), reason=reason),
            _("Please complete your pledge here: %(link)s", link=pay_url) if by_link else
            _("Please give again from the campaign's page: %(link)s", link=pay_url),
            _details(given, _("The payment did not go through."))]
        _send(given, _("“%(campaign)s”: your pledge could not be charged", campaign=given.campaign), paragraphs)


def statement_link(email, year, language, url, days):
    """The link to a yearly statement of gifts, to the address it is about."""
    with speaking(language):
        subject = _("Your Coopex statement of gifts for %(year)d", year=year)
        body = "\n\n".join([
            _("Here is the statement of the gifts made from this address in %(year)d, as you asked: a page to read and "
              "a PDF to download.", year=year),
            url,
            _("The link works for %(days)d days. If you did not ask for it, ignore this mail: the link was sent to this address only.",
              days=days)])
    send_mail(email, subject, body)
