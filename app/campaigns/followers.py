"""Followers of a campaign: anyone may follow one without giving (double opt-in: following starts once the mailed link
is confirmed), and a gift makes its donor follow. Each update is mailed to the followers in their language, with a
one-click unsubscribe; those with an account get it as they chose for campaign news (at once, in their daily digest,
or not at all). An update to 10,000 followers is queued with one INSERT … SELECT per language."""
import datetime as dt
import secrets
from functools import cache

from flask import g, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import JSON, bindparam, func, insert, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app.accounts.links import digest
from app.accounts.models import User
from app.accounts.services import normalise_email
from app.campaigns import story
from app.campaigns.models import CampaignFollower
from app.database import upsert
from app.errors import Conflict, NotFound
from app.extensions import db
from app.i18n import languages
from app.mail import link, send_mail, unsubscribe
from app.mail.models import MailOutbox
from app.models_base import UTCDateTime, utcnow
from app.notices.models import DigestItem
from app.notices.phrases import Phrase
from app.notices.telling import COUNTED, mail_mode

#: How long a confirmation link works.
FOLLOW_LINK_TTL = dt.timedelta(days=7)
_followers = CampaignFollower.__table__


def proven_address(user):
    """The address of the user's account once verified (following it needs no confirmation mail), else None."""
    if user is None or not user.is_authenticated or user.email_verified_at is None:
        return None
    return user.email


def follow(campaign, email, language, proven_email=None):
    """Start following `campaign` at `email`: a single-use confirmation link is mailed, unless the address already
    follows (nothing is sent) or is `proven_email`, the caller's verified account address (following starts at once).
    The caller answers the same whatever happened: nobody learns whether an address follows."""
    if campaign.status == "draft":
        raise Conflict(_("A campaign can be followed once it is live."))
    email, now = normalise_email(email), utcnow()
    db.session.execute(upsert(CampaignFollower).values(campaign_id=campaign.id, email=email, language=language,
                                                       source="follow", created_at=now)
                       .on_conflict_do_nothing(index_elements=["campaign_id", "email"]))
    follower = db.session.scalar(select(CampaignFollower).where(CampaignFollower.campaign_id == campaign.id,
                                                                CampaignFollower.email == email)
                                 .execution_options(populate_existing=True))
    if follower.is_following:
        return follower
    follower.language = language
    if proven_email is not None and normalise_email(proven_email) == email:
        follower.confirmed_at, follower.unsubscribed_at, follower.token_hash, follower.token_expires_at = now, None, None, None
    else:
        secret = secrets.token_urlsafe(32)
        follower.token_hash, follower.token_expires_at = digest(secret), now + FOLLOW_LINK_TTL
        _mail_confirmation(follower, campaign, secret)
    db.session.flush()
    return follower


def _mail_confirmation(follower, campaign, secret):
    with force_locale(follower.language):
        subject = _("Confirm that you follow “%(campaign)s”", campaign=campaign.title)
        body = "\n\n".join([
            _("Someone (probably you) asked to receive the updates of “%(campaign)s”, run by %(organization)s, at this "
              "address.", campaign=campaign.title, organization=campaign.organization.name),
            _("To start following it, open this link and confirm:\n%(link)s",
              link=link("campaigns.confirm_follow", token=secret)),
            _("The link works once, for %(days)d days. If you did not ask for this, ignore this mail: you will receive "
              "nothing more.", days=FOLLOW_LINK_TTL.days),
        ])
    send_mail(follower.email, subject, body)


def confirm(secret):
    """Following starts (or starts again, after an unsubscribe) through the mailed link, once; returns the follower."""
    follower = db.session.scalar(select(CampaignFollower).where(CampaignFollower.token_hash == digest(secret or "")))
    if follower is None or follower.token_expires_at is None or follower.token_expires_at <= utcnow():
        raise NotFound(_("This link does not exist, was already used, or has expired."), code="link_invalid")
    if not follower.is_following:
        follower.confirmed_at, follower.unsubscribed_at = utcnow(), None
    follower.token_hash = follower.token_expires_at = None
    db.session.flush()
    return follower


@cache
def _following_by_giving(dialect):
    """INSERT … ON CONFLICT DO UPDATE … WHERE not unsubscribed RETURNING the row, built once per database kind (it runs
    in the transaction of every group of payments the worker applies)."""
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(_followers).values(
        campaign_id=bindparam("campaign_id"), email=bindparam("email"), language=bindparam("language"),
        source="donation", created_at=bindparam("now"), confirmed_at=bindparam("now"))
    return statement.on_conflict_do_update(
        index_elements=["campaign_id", "email"],
        set_={"confirmed_at": func.coalesce(_followers.c.confirmed_at, statement.excluded.confirmed_at)},
        where=_followers.c.unsubscribed_at.is_(None)).returning(_followers.c.id, _followers.c.campaign_id,
                                                                _followers.c.email)


def follow_by_giving(gifts):
    """Gifts (or pledges), as (campaign id, email, language), make their donors follow the campaigns, unless an address
    unsubscribed from one before. Returns {(campaign id, normalised email): follower id} of the addresses that follow."""
    now, languages_of = utcnow(), {}
    for campaign_id, email, language in gifts:  # one row per address: ON CONFLICT cannot change a row twice
        languages_of.setdefault((campaign_id, normalise_email(email)), language)
    rows = [{"campaign_id": campaign_id, "email": email, "language": language, "now": now}
            for (campaign_id, email), language in languages_of.items()]
    if not rows:
        return {}
    # One statement: each row is written unless its address unsubscribed, and only then is its id returned.
    found = db.session.execute(_following_by_giving(db.session.get_bind().dialect.name), rows if len(rows) > 1 else rows[0])
    return {(campaign_id, email): follower_id for follower_id, campaign_id, email in found}


def stop(follower_id):
    """One-click unsubscribe: the follower receives no more updates (None if there is no such follower)."""
    follower = db.session.get(CampaignFollower, follower_id)
    if follower is None:
        return None
    if follower.unsubscribed_at is None:
        follower.unsubscribed_at = utcnow()
    follower.token_hash = follower.token_expires_at = None
    db.session.flush()
    return _("You will no longer receive the updates of “%(campaign)s”.", campaign=follower.campaign.title)


def _describe(follower_id):
    follower = db.session.get(CampaignFollower, follower_id)
    if follower is None:
        return None
    return _("Stop the updates of “%(campaign)s” to %(email)s.", campaign=follower.campaign.title, email=follower.email)


unsubscribe.register("follow", lambda ref, _detail: stop(ref), lambda ref, _detail: _describe(ref))


def update_mail(update, language):
    """(subject, body) of an update's mail in `language`; PLACEHOLDER stands for the follower's unsubscribe link."""
    campaign = update.campaign
    with force_locale(language):
        subject = _("“%(campaign)s”: %(title)s", campaign=campaign.title, title=update.title)
        body = "\n\n".join(part for part in [
            f"{_('Updates')} · {campaign.title}",
            _("%(organization)s posted an update:", organization=campaign.organization.name),
            f"{update.title}\n{'=' * len(update.title)}",
            story.plain_text(update.body),
            _("Read it on the campaign's page: %(link)s", link=link("campaigns.campaign_page", campaign_id=campaign.id)),
            "-- \n" + _("You receive this mail because you follow “%(campaign)s”. Stop these mails: %(unsubscribe)s",
                        campaign=campaign.title, unsubscribe=unsubscribe.PLACEHOLDER),
        ] if part)
    return subject[:300], body


def tell_followers(update):
    """Queue the update's mail to every confirmed follower who has not unsubscribed, each in their language (their
    account's, else the one they followed in); followers with an account who chose a daily digest for campaign news
    get it there, those who chose "off" get nothing. Returns how many mails were queued."""
    campaign = update.campaign
    followers = (
        select(_followers.c.id, _followers.c.email, User.id.label("user_id"),
               func.coalesce(User.language, _followers.c.language).label("language"))
        .select_from(_followers).outerjoin(User, User.email == _followers.c.email)
        .where(_followers.c.campaign_id == campaign.id, _followers.c.confirmed_at.is_not(None),
               _followers.c.unsubscribed_at.is_(None))
    ).subquery()
    mode = mail_mode("campaigns", followers.c.user_id)
    now = literal(utcnow(), UTCDateTime())
    mails = 0
    for language in languages():
        spoken = followers.c.language == language if language != "en" else or_(
            followers.c.language == "en", followers.c.language.not_in(languages()))
        subject, body = update_mail(update, language)
        queued = db.session.execute(insert(MailOutbox).from_select(
            ["recipient", "subject", "body", "created_at", "unsubscribe_scope", "unsubscribe_ref"],
            select(followers.c.email, literal(subject), literal(body), now, literal("follow"), followers.c.id)
            .where(spoken, mode == "immediately")), execution_options=COUNTED)
        mails += queued.rowcount
    news = Phrase("New update: %(title)s", title=update.title)
    db.session.execute(insert(DigestItem).from_select(
        ["user_id", "frequency", "kind", "heading", "phrase", "params", "link", "created_at"],
        select(followers.c.user_id, literal("daily"), literal("campaigns"), literal(campaign.title[:200]),
               literal(news.msgid), literal(news.params, JSON()),
               literal(link("campaigns.campaign_page", campaign_id=campaign.id)), now)
        .where(followers.c.user_id.is_not(None), mode == "daily")))
    if mails and has_request_context():
        g.mail_queued = True
    return mails
