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


def notify_group(organization_ids, message, link=None):
    """A notice of a tender event for several organisations at once (a joint bid's lead and members)."""
    tell(organization_ids, "tenders", Phrase("Coopex: news of a tender"), message, link)


def debrief(entry, bids, lot, tender, decision, winner, winner_entry):
    """What a bidder learns of an award decision with a standstill: the choice and its reasons, its own rank and score
    (or why it was not ranked), and when the standstill ends."""
    values = {"lot": lot.number, "title": tender.title, "explanation": entry.explanation,
              "ends": f"{decision.standstill_ends_at:%Y-%m-%d %H:%M}", "bids": bids}
    if entry.bid_id == decision.bid_id:
        return Phrase("Award decision on lot %(lot)s of “%(title)s”: your bid is chosen, ranked %(rank)s of %(bids)s "
                      "(%(explanation)s). The contract is concluded when the standstill ends, %(ends)s UTC, unless the "
                      "buyer withdraws the decision.", rank=entry.rank, **values)
    reasons = winner_entry.explanation + (f" — {decision.justification}" if decision.justification else "")
    chosen = {"winner": winner, "winner_rank": winner_entry.rank, "reasons": reasons}
    if entry.rank is None:
        return Phrase("Award decision on lot %(lot)s of “%(title)s”: the lot goes to %(winner)s, ranked %(winner_rank)s "
                      "(%(reasons)s). Your bid was not ranked: %(explanation)s. The standstill ends %(ends)s UTC; until "
                      "then the buyer may withdraw the decision.", **chosen, **values)
    score = entry.score if entry.score is not None else entry.evaluated_price
    return Phrase("Award decision on lot %(lot)s of “%(title)s”: the lot goes to %(winner)s, ranked %(winner_rank)s "
                  "(%(reasons)s). Your bid ranked %(rank)s of %(bids)s, evaluated at %(score)s (%(explanation)s). The "
                  "standstill ends %(ends)s UTC; until then the buyer may withdraw the decision.",
                  rank=entry.rank, score=score, **chosen, **values)
