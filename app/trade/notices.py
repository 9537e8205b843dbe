"""Telling the other side of a trade: a notice in the app for the organisation, and a mail to each of its members who
take part on that side (admins, and buyers or sellers). Written in the change's transaction, with two INSERT … SELECT
statements whatever the number of recipients: publishing a request for quotation may tell thousands of suppliers."""
from typing import NamedTuple

from flask import g, has_request_context
from sqlalchemy import Select, insert, literal, select

from app.accounts.models import Membership, User
from app.extensions import db
from app.mail.models import MailOutbox
from app.models_base import UTCDateTime, utcnow
from app.orgs.models import Organization
from app.tenders.models import Notification
from app.trade.policy import SIDE_ROLES


class Told(NamedTuple):
    """What telling did: how many organisations got a notice, and how many mails were queued."""

    organizations: int
    mails: int


def tell(recipients, side, subject, message, link):
    """A notice for each organisation of `recipients` (ids, or a SELECT of one column of ids), and one mail to each of
    their members acting on `side`. Returns what was done (Told); the mails leave when the transaction commits."""
    if not isinstance(recipients, Select):
        recipients = select(Organization.id).where(Organization.id.in_(list(recipients)))
    targets = recipients.subquery()
    (organization_id,) = list(targets.c)
    now = literal(utcnow(), UTCDateTime())
    # The drivers' count of rows written, which SQLAlchemy keeps only when asked to for an INSERT.
    counted = {"preserve_rowcount": True}
    noticed = db.session.execute(insert(Notification).from_select(
        ["organization_id", "message", "link", "created_at"],
        select(organization_id, literal(str(message)), literal(link), now)), execution_options=counted)
    mails = (
        select(User.email, literal(str(subject)[:300]), literal(f"{message}\n\n{link}"), now)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id.in_(select(organization_id)),
               Membership.role.in_(("admin", *SIDE_ROLES[side])), User.suspended_at.is_(None))
        .distinct()
    )
    queued = db.session.execute(insert(MailOutbox).from_select(["recipient", "subject", "body", "created_at"], mails),
                                execution_options=counted)
    if queued.rowcount and has_request_context():
        g.mail_queued = True
    return Told(noticed.rowcount, queued.rowcount)
