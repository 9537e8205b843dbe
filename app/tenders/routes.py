"""Pages: a tender with its lots and, once awarded, the public award notice of each lot."""
from flask import render_template
from flask_login import current_user

from app.tenders import bp, services


@bp.route("/tenders/<int:tender_id>")
def tender_page(tender_id):
    """The tender as the public sees it; the buyer's members also see bid counts, bidders their own bids."""
    tender = services.visible_tender(tender_id, current_user)
    is_buyer = services.is_member(current_user, tender.organization_id)
    return render_template(
        "tenders/show.html", tender=tender, state=tender.state(), is_buyer=is_buyer,
        counts=services.bid_counts(tender) if is_buyer else {},
        own_bids={bid.lot_id: bid for bid in services.own_bids(tender, current_user)},
        notices={lot.id: services.award_notice(lot) for lot in tender.lots if lot.contract is not None},
    )

