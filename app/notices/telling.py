"""Telling organisations: a notice in the app for each, and to each member concerned a mail in their own language —
at once, in their next daily digest, or not at all, as they chose for that kind of notice.

Written in the change's transaction with one INSERT … SELECT per table and language, whatever the number of
recipients: publishing a request for quotation may tell thousands of suppliers."""
from typing import NamedTuple

from flask import g, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import JSON, Select, func, insert, literal, or_, select

from app.accounts.models import Membership, User
from app.extensions import db
from app.i18n import languages
from app.mail import link as mail_link
from app.mail.models import MailOutbox
from app.mail.unsubscribe import PLACEHOLDER
from app.models_base import UTCDateTime, utcnow
from app.notices.kinds import kind_label
from app.notices.models import DigestItem, Notification, NotificationPreference
from app.orgs.models import Organization

#: The drivers' count of rows written, which SQLAlchemy keeps only when asked to for an INSERT.
COUNTED = {"preserve_rowcount": True}


class Told(NamedTuple):
    """What telling did: organisations given a notice, mails queued, notices kept for a digest."""

    organizations: int
    mails: int
    digested: int = 0


def mail_mode(kind, user_id_column=User.id):
    """SQL: how `kind` reaches the user of `user_id_column` by mail ('immediately' unless they chose otherwise)."""
    chosen = select(NotificationPreference.mail).where(NotificationPreference.user_id == user_id_column,
                                                       NotificationPreference.kind == kind).scalar_subquery()
    return func.coalesce(chosen, "immediately")


def footer(kind, language):
    """The end of every notice mail, in `language`: why it came, where to choose, and the one-click way out."""
    with force_locale(language):
        return _("You receive this mail for %(kind)s. Choose how Coopex tells you: %(settings)s\n"
                 "Stop these mails: %(unsubscribe)s", kind=kind_label(kind), settings=mail_link("notices.preferences_page"),
                 unsubscribe=PLACEHOLDER)


def mail_body(language, message, link, kind):
    """A notice's mail in `language`: the sentence, its link, the footer."""
    parts = [message.in_language(language), link, "-- \n" + footer(kind, language)]
    return "\n\n".join(part for part in parts if part)


def tell(recipients, kind, subject, message, link, *, roles=None):
    """A notice of `kind` for each organisation of `recipients` (ids, or a SELECT of one column of ids), and for each
    of their members (those with one of `roles`, or all) a mail or a digest line as they chose. `subject` and
    `message` are Phrases. Returns what was done (Told); the mails leave when the transaction commits."""
    if not isinstance(recipients, Select):
        recipients = select(Organization.id).where(Organization.id.in_(list(recipients)))
    targets = recipients.subquery()
    (organization_id,) = list(targets.c)
    now = literal(utcnow(), UTCDateTime())
    params = literal(message.params, JSON())
    noticed = db.session.execute(insert(Notification).from_select(
        ["organization_id", "kind", "phrase", "params", "link", "created_at"],
        select(organization_id, literal(kind), literal(message.msgid), params, literal(link), now)),
        execution_options=COUNTED)
    members = (
        select(User.id, User.email, User.language)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id.in_(select(organization_id)), User.suspended_at.is_(None))
        .distinct()
    )
    if roles is not None:
        members = members.where(Membership.role.in_(roles))
    members = members.subquery()
    mode = mail_mode(kind, members.c.id)
    mails = 0
    for language in languages():
        spoken = members.c.language == language if language != "en" else or_(
            members.c.language == "en", members.c.language.not_in(languages()))
        body = mail_body(language, message, link, kind)
        queued = db.session.execute(insert(MailOutbox).from_select(
            ["recipient", "subject", "body", "created_at", "unsubscribe_scope", "unsubscribe_ref"],
            select(members.c.email, literal(subject.in_language(language)[:300]), literal(body), now,
                   literal(f"kind:{kind}"), members.c.id).where(spoken, mode == "immediately")),
            execution_options=COUNTED)
        mails += queued.rowcount
    digested = db.session.execute(insert(DigestItem).from_select(
        ["user_id", "frequency", "kind", "heading", "phrase", "params", "link", "created_at"],
        select(members.c.id, literal("daily"), literal(kind), literal(""), literal(message.msgid), params,
               literal(link), now).where(mode == "daily")), execution_options=COUNTED)
    if mails and has_request_context():
        g.mail_queued = True
    return Told(noticed.rowcount, mails, digested.rowcount)
