"""Telling bidders and buyers of tender events: a notice in the app and mail to every member, as each member chose."""
from flask import url_for
from sqlalchemy import select

from app.notices.phrases import Phrase
from app.notices.telling import tell
from app.tenders.models import Bid


def notify(organization_id, message, link=None):
    """A notice of a tender event (a Phrase) for the organisation, and mail to each of its members."""
    tell([organization_id], "tenders", Phrase("Coopex: news of a tender"), message, link)


def notify_bidders(tender, message):
    """Notify every organisation with a standing bid on the tender."""
    bidders = select(Bid.organization_id).where(Bid.tender_id == tender.id, Bid.status == "submitted").distinct()
    tell(bidders, "tenders", Phrase("Coopex: news of a tender"), message, url_for("tenders.tender_page", tender_id=tender.id))
