"""Notices of tender events for organisations: in the app, and by mail to each member."""
from flask import url_for
from sqlalchemy import func, select, update

from app.accounts.models import Membership, User
from app.extensions import db
from app.mail import send_mail
from app.models_base import utcnow
from app.tenders.models import Bid, Notification


def notify(organization_id, message, link=None):
    """A notice in the app for the organisation, and a mail to each of its members."""
    db.session.add(Notification(organization_id=organization_id, message=message, link=link))
    emails = db.session.scalars(
        select(User.email).join(Membership, Membership.user_id == User.id).where(Membership.organization_id == organization_id)
    )
    for email in emails:
        send_mail(email, "Coopex: news of a tender", f"{message}\n\n{link or ''}".strip())


def notify_bidders(tender, message):
    """Notify every organisation with a standing bid on the tender."""
    bidders = db.session.scalars(
        select(Bid.organization_id).where(Bid.tender_id == tender.id, Bid.status == "submitted").distinct()
    )
    for organization_id in bidders:
        notify(organization_id, message, url_for("tenders.tender_page", tender_id=tender.id))


def for_organizations(organization_ids):
    """The organisations' notices, newest first (a query, for paging)."""
    return select(Notification).where(Notification.organization_id.in_(organization_ids)).order_by(
        Notification.created_at.desc(), Notification.id.desc())


def unread_count(organization_ids):
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.organization_id.in_(organization_ids), Notification.read_at.is_(None)))


def mark_read(notification_ids):
    if notification_ids:
        db.session.execute(update(Notification).where(Notification.id.in_(notification_ids)).values(read_at=utcnow()))
