"""Pages: a tender with its lots and award notices; searching open tenders; the transparency dashboard."""
from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from app.accounts.auth import current_membership
from app.csv_export import csv_response
from app.errors import NotFound
from app.extensions import db
from app.i18n import localize
from app.money import currency_codes, is_currency
from app.navigation import filter_chips, query_arguments
from app.reference.services import countries
from app.tenders import bp, groups, search_service, services, standstill
from app.tenders import transparency as transparency_figures
from app.tenders.document_routes import tender_page_context
from app.tenders.evaluation import JOINT_BID_RULE
from app.tenders.forms import RatingForm
from app.tenders.labels import POLICY_LABELS
from app.tenders.search_schemas import TenderSearchQuerySchema
from search import SearchUnavailable


@bp.route("/tenders/<int:tender_id>")
def tender_page(tender_id):
    """The tender as the public sees it; the buyer's members also see bid counts, bidders their own bids."""
    tender = services.visible_tender(tender_id, current_user)
    if standstill.conclude_due(tender):
        db.session.commit()
    is_buyer = services.is_member(current_user, tender.organization_id)
    acting = current_membership()
    own_bids = {bid.lot_id: bid for bid in services.own_bids(tender, current_user)}
    return render_template(
        "tenders/show.html", tender=tender, state=tender.state(), is_buyer=is_buyer,
        can_manage=is_buyer and current_user.membership_of(tender.organization_id).allows(*services.BUYER_ROLES),
        can_bid=acting is not None and acting.organization_id != tender.organization_id
        and acting.allows(*services.SUPPLIER_ROLES),
        counts=services.bid_counts(tender) if is_buyer else {},
        own_bids=own_bids, **tender_page_context(tender, current_user, acting, own_bids),
        notices={lot.id: services.award_notice(lot) for lot in tender.lots if lot.contract is not None},
        rating_form=RatingForm(), policy_labels=POLICY_LABELS, joint_bid_rule=JOINT_BID_RULE,
        decisions={lot.id: decision for lot in tender.lots if (decision := standstill.lot_decision(lot)) is not None},
        group_bids=groups.member_bids(tender, current_user),
    )


@bp.route("/transparency.csv")
def transparency_csv():
    currency, _available = _dashboard_currency()
    return csv_response(transparency_figures.csv_rows(transparency_figures.dashboard(currency)),
                        f"coopex-contracts-{currency}.csv")


def _dashboard_currency():
    """The currency asked for (a valid ISO 4217 code, else 404), or the one with most contracts."""
    asked = request.args.get("currency")
    if asked is not None and not is_currency(asked):
        raise NotFound(_("No such currency."), {"currency": [_("Not an ISO 4217 currency code.")]})
    available = transparency_figures.currencies()
    return transparency_figures.chosen_currency(asked, available), available


@bp.route("/tenders")
def search():
    """Open tenders by words, category, the buyer's country and region, policy, deadline and budget; when the engine
    is down, the open tenders closing soonest, from the database."""
    schema = TenderSearchQuerySchema()
    try:
        params = schema.load(query_arguments(schema))
    except ValidationError as error:
        return _search_page(params=None, errors=localize(error.messages)), 400
    try:
        results = search_service.search_tenders(params, str(get_locale()))
    except SearchUnavailable:
        current_app.logger.warning("Search engine unavailable; showing the open tenders closing soonest")
        return _search_page(params=params, unavailable=True, closing=search_service.closing_soon()), 503
    return _search_page(params=params, results=results, chips=filter_chips("tenders.search", results["facets"]),
                        countries=countries(), currencies=currency_codes())


def _search_page(**context):
    return render_template("tenders/search.html", **{"results": None, "errors": None, "unavailable": False, "chips": [],
                                                      "policy_labels": POLICY_LABELS, **context})
