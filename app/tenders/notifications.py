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


def award_outcome(won, ranked, bids, lot, tender):
    """What a bidder is told of the award: won, its rank, or not eligible, with the evaluation's explanation."""
    values = {"lot": lot.number, "title": tender.title, "explanation": ranked.explanation}
    if won:
        return Phrase("Your bid on lot %(lot)s of “%(title)s” won: %(explanation)s.", **values)
    if ranked.rank:
        return Phrase("Your bid on lot %(lot)s of “%(title)s” ranked %(rank)s of %(bids)s: %(explanation)s.",
                      rank=ranked.rank, bids=bids, **values)
    return Phrase("Your bid on lot %(lot)s of “%(title)s” was not eligible: %(explanation)s.", **values)
