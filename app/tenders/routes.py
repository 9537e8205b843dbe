"""Pages: a tender with its lots and award notices; the transparency dashboard."""
import csv
import io

from flask import Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.auth import current_membership
from app.errors import NotFound
from app.money import is_currency
from app.orgs.forms import SECTOR_LABELS
from app.tenders import bp, services
from app.tenders import transparency as transparency_figures
from app.tenders.forms import RatingForm


@bp.route("/tenders/<int:tender_id>")
def tender_page(tender_id):
    """The tender as the public sees it; the buyer's members also see bid counts, bidders their own bids."""
    tender = services.visible_tender(tender_id, current_user)
    is_buyer = services.is_member(current_user, tender.organization_id)
    acting = current_membership()
    return render_template(
        "tenders/show.html", tender=tender, state=tender.state(), is_buyer=is_buyer,
        can_manage=is_buyer and current_user.membership_of(tender.organization_id).allows(*services.BUYER_ROLES),
        can_bid=acting is not None and acting.organization_id != tender.organization_id
        and acting.allows(*services.SUPPLIER_ROLES),
        counts=services.bid_counts(tender) if is_buyer else {},
        own_bids={bid.lot_id: bid for bid in services.own_bids(tender, current_user)},
        notices={lot.id: services.award_notice(lot) for lot in tender.lots if lot.contract is not None},
        rating_form=RatingForm(), policy_labels=POLICY_LABELS,
    )



POLICY_LABELS = {"none": _l("No preference"), "reserved": _l("Reserved for co-ops"),
                 "price_margin": _l("Margin of preference"), "weighted": _l("Weighted criteria")}


@bp.route("/transparency")
def transparency():
    """Public: contract value awarded and the share going to verified cooperatives, as charts and tables."""
    currency, available = _dashboard_currency()
    data = transparency_figures.dashboard(currency)
    return render_template("tenders/transparency.html", data=data, currencies=available,
                           sector_labels={key: str(label) for key, label in SECTOR_LABELS.items()},
                           policy_labels={key: str(label) for key, label in POLICY_LABELS.items()})


@bp.route("/transparency.csv")
def transparency_csv():
    currency, _available = _dashboard_currency()
    buffer = io.StringIO()
    csv.writer(buffer).writerows(transparency_figures.csv_rows(transparency_figures.dashboard(currency)))
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="coopex-contracts-{currency}.csv"'})


def _dashboard_currency():
    """The currency asked for (a valid ISO 4217 code, else 404), or the one with most contracts."""
    asked = request.args.get("currency")
    if asked is not None and not is_currency(asked):
        raise NotFound("No such currency.", {"currency": ["Not an ISO 4217 currency code."]})
    available = transparency_figures.currencies()
    return transparency_figures.chosen_currency(asked, available), available
