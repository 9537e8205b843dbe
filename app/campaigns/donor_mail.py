"""Mail to donors about their gifts, each written in the donor's language (their account's, else the one they gave in):
thanks with the receipt link once Stripe confirms the payment, and for all-or-nothing pledges: the card saved, then
charged, not charged (the goal was missed) or refused. Also the link to a yearly statement.

Each is queued in the transaction that records what it tells: a verified webhook's, or settlement's. An event applied
twice moves nothing the second time, so it mails nothing either."""
from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.models import User
from app.campaigns import followers
from app.campaigns.models import Donation, LedgerEntry
from app.extensions import db
from app.mail import link, send_mail, unsubscribe
from app.money import Money, formatter
from app.notices.phrases import language_or_default
from app.templating import number_symbols


def language_of(donation):
    """The donor's language: their account's if they gave signed in, else the one they gave in."""
    user = db.session.get(User, donation.user_id) if donation.user_id else None
    return language_or_default(user.language if user is not None else donation.language)


def money(value, language):
    """'1,250.00 EUR' in English, '1 250,00 EUR' in French."""
    group, decimal = number_symbols(language)
    return formatter(value.currency, group=group, decimal=decimal)(value.minor)


def day(moment, language):
    return format_date(moment, "d MMMM y", locale=language)


def _matched(donation):
    """What match funding added to the donation (nothing to read when the campaign was never matched)."""
    if not donation.campaign.matched_minor:
        return Money(0, donation.currency)
    minor = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
        LedgerEntry.donation_id == donation.id, LedgerEntry.kind == "match"))
    return Money(int(minor), donation.currency)


def _details(donation, language, status, matched=None):
    """The gift as the receipt shows it, one line per fact."""
    campaign = donation.campaign
    lines = [f"{_('Campaign')}: {campaign.title}", f"{_('Run by')}: {campaign.organization.name}",
             f"{_('Amount')}: {money(donation.amount, language)}"]
    if matched is not None and matched.minor:
        lines.append(f"{_('Matched')}: {money(matched, language)}")
    lines += [f"{_('Receipt number')}: {donation.receipt_number}", f"{_('Status')}: {status}"]
    return "\n".join(lines)


def _receipt(donation):
    return _("Your receipt (keep this link: only you have it): %(link)s",
             link=link("campaigns.receipt", donation_id=donation.id, token=donation.receipt_token))


def _send(donation, subject, paragraphs, follower_id=None):
    """Queue the mail; when the donor follows the campaign, it says so with the way to stop (and its headers)."""
    if follower_id is not None:
        paragraphs.append("-- \n" + _("You will receive the campaign's updates by mail. Stop them: %(unsubscribe)s",
                                      unsubscribe=unsubscribe.PLACEHOLDER))
    send_mail(donation.email, subject, "\n\n".join(paragraphs),
              unsubscribe=("follow", follower_id) if follower_id is not None else None)


def after_payment_event(donation_id, before, after):
    """Called in the webhook's transaction once a verified event has been applied to a donation: a gift now paid is
    thanked (a pledge now charged, told so), a card now saved is acknowledged; either makes the donor follow the
    campaign. Nothing when the event moved nothing (a replay, or a second event for the same payment)."""
    if before == after or after not in ("succeeded", "pledged"):
        return
    donation = db.session.get(Donation, donation_id)
    language = language_of(donation)
    follower_id = followers.follow_by_giving(donation.campaign_id, donation.email, language)
    with force_locale(language):
        if after == "pledged":
            _card_saved(donation, language, follower_id)
        elif before == "pledged":
            _charged(donation, language, follower_id)
        else:
            _thank(donation, language, follower_id)


def _thank(donation, language, follower_id):
    campaign, matched = donation.campaign, _matched(donation)
    paragraphs = [_("Thank you: Stripe has confirmed your gift to “%(campaign)s”, run by %(organization)s.",
                    campaign=campaign.title, organization=campaign.organization.name)]
    if matched.minor:
        paragraphs.append(_("With match funding, your gift brings %(total)s to the campaign.",
                            total=money(Money(donation.amount_minor + matched.minor, donation.currency), language)))
    paragraphs += [_details(donation, language, _("Paid on %(date)s", date=day(donation.paid_at, language)), matched),
                   _receipt(donation)]
    _send(donation, _("Thank you for your gift to “%(campaign)s”", campaign=campaign.title), paragraphs, follower_id)


def _card_saved(donation, language, follower_id):
    campaign = donation.campaign
    deadline = day(campaign.deadline, language)
    paragraphs = [
        _("Your card is saved for your pledge of %(amount)s to “%(campaign)s”. It is charged only if the campaign "
          "reaches its goal of %(goal)s by %(deadline)s; otherwise nothing is charged. We will tell you either way.",
          amount=money(donation.amount, language), campaign=campaign.title, goal=money(campaign.goal, language),
          deadline=deadline),
        _details(donation, language, _("Pledged: your card is charged only if the campaign reaches its goal by "
                                       "%(date)s.", date=deadline)),
        _receipt(donation)]
    _send(donation, _("Your pledge to “%(campaign)s” is saved", campaign=campaign.title), paragraphs, follower_id)


def _charged(donation, language, follower_id):
    campaign, matched = donation.campaign, _matched(donation)
    paragraphs = [
        _("“%(campaign)s” reached its goal: your pledge of %(amount)s has been charged, as promised. Thank you!",
          campaign=campaign.title, amount=money(donation.amount, language)),
        _details(donation, language, _("Paid on %(date)s", date=day(donation.paid_at, language)), matched),
        _receipt(donation)]
    _send(donation, _("“%(campaign)s” reached its goal: your pledge is charged", campaign=campaign.title), paragraphs,
          follower_id)


def released(donation):
    """Settlement: the goal was missed, the pledge is not charged."""
    language = language_of(donation)
    campaign = donation.campaign
    with force_locale(language):
        paragraphs = [
            _("“%(campaign)s” did not reach its goal of %(goal)s by its deadline. As promised, your pledge of "
              "%(amount)s is not charged. Thank you for backing it.", campaign=campaign.title,
              goal=money(campaign.goal, language), amount=money(donation.amount, language)),
            _details(donation, language, _("Not charged: the campaign did not reach its goal.")),
            _receipt(donation)]
        _send(donation, _("“%(campaign)s”: the goal was not reached", campaign=campaign.title), paragraphs)


def charge_refused(donation, reason, pay_url, by_link):
    """Settlement: the goal was reached but the card was refused; the donor gets a link to pay by hand (a Checkout
    page, or, when Stripe could not make one, the campaign's page to give again)."""
    language = language_of(donation)
    campaign = donation.campaign
    with force_locale(language):
        paragraphs = [
            _("“%(campaign)s” reached its goal, but your card was refused for your pledge of %(amount)s (%(reason)s).",
              campaign=campaign.title, amount=money(donation.amount, language), reason=reason),
            _("Please complete your pledge here: %(link)s", link=pay_url) if by_link else
            _("Please give again from the campaign's page: %(link)s", link=pay_url),
            _details(donation, language, _("The payment did not go through."))]
        _send(donation, _("“%(campaign)s”: your pledge could not be charged", campaign=campaign.title), paragraphs)


def statement_link(email, year, language, url, days):
    """The link to a yearly statement of gifts, to the address it is about."""
    with force_locale(language):
        subject = _("Your Coopex statement of gifts for %(year)d", year=year)
        body = "\n\n".join([
            _("Here is the statement of the gifts made from this address in %(year)d, as you asked: a page to read and "
              "a PDF to download.", year=year),
            url,
            _("The link works for %(days)d days. If you did not ask for it, ignore this mail: nobody else can open it.",
              days=days)])
    send_mail(email, subject, body)
