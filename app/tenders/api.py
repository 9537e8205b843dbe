"""JSON API: tenders, sealed bids, evaluation, awards and contracts."""
from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _

from app.accounts.auth import allows_anonymous, api_user, require_api_user, token_optional
from app.accounts.services import require_membership
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.http import ApiBlueprint
from app.orgs.services import get_organization
from app.schemas import PageQuerySchema
from app.tenders import contracts, groups, ocds, services, standstill, transparency
from app.tenders.award_schemas import cooperative_share_text
from app.tenders.evaluation import JOINT_BID_RULE
from app.tenders.schemas import (
    AwardResultSchema,
    AwardSchema,
    BidCreateSchema,
    BidFieldsSchema,
    BidSchema,
    CancelSchema,
    ContractSchema,
    ContractUpdateSchema,
    EvaluationQuerySchema,
    EvaluationSchema,
    QualitySchema,
    RatingSchema,
    TenderCreateSchema,
    TenderSchema,
    TenderUpdateSchema,
    TransparencyQuerySchema,
    TransparencySchema,
)

blp = ApiBlueprint("tenders_api", __name__, url_prefix="/api/v1", description="Tenders, bids and contracts")


def tender_json(tender, user):
    """The tender as TenderSchema shows it; the buyer's members also see how many bids each lot has."""
    counts = services.bid_counts(tender) if services.is_member(user, tender.organization_id) else {}
    weights = ({"price": tender.price_weight, "quality": tender.quality_weight, "cooperative": tender.cooperative_weight}
               if tender.policy == "weighted" else None)
    return {
        "id": tender.id, "organization": tender.organization, "title": tender.title, "description": tender.description,
        "cpv_code": tender.cpv.code, "cpv_label": tender.cpv.label_en, "currency": tender.currency, "budget": tender.budget,
        "deadline": tender.deadline, "clarification_deadline": tender.clarification_deadline, "status": tender.state(),
        "preference": {"policy": tender.policy, "weights": weights,
                       "margin_percent": f"{tender.margin_percent:f}" if tender.policy == "price_margin" else None},
        "joint_bid_rule": JOINT_BID_RULE, "standstill_days": tender.standstill_days,
        "lots": [{"id": lot.id, "number": lot.number, "title": lot.title, "description": lot.description,
                  "bid_count": counts.get(lot.id), "awarded": lot.contract is not None} for lot in tender.lots],
        "cancel_reason": tender.cancel_reason, "published_at": tender.published_at, "created_at": tender.created_at,
    }


def _buyer_tender(tender_id):
    """The tender, for a member of its buyer with the buyer role (others: not found, or forbidden if they may read it)."""
    user = require_api_user()
    tender = services.visible_tender(tender_id, user)
    require_membership(user, tender.organization, *services.BUYER_ROLES)
    return tender


def _buyer_contract(contract_id):
    """The contract, for a member of its buyer with the buyer role (its supplier's members may only read it)."""
    user = require_api_user()
    contract = contracts.get_contract(contract_id, user)
    require_membership(user, contract.buyer, *services.BUYER_ROLES)
    return contract


@blp.route("/tenders", methods=["POST"])
@blp.arguments(TenderCreateSchema)
@blp.response(201, TenderSchema)
def create_tender(payload):
    """Draft a tender for an organisation (its admins and buyers)."""
    user = require_api_user()
    try:
        organization = get_organization(payload.pop("organization_id"))
    except NotFound:
        raise Forbidden(_("You cannot run tenders for this organisation."),
                        {"organization_id": [_("Not one of your organisations.")]}) from None
    require_membership(user, organization, *services.BUYER_ROLES)
    tender = services.create_tender(organization, payload)
    db.session.commit()
    return tender_json(tender, user)


@blp.route("/tenders/<int:tender_id>", methods=["GET"])
@token_optional
@blp.response(200, TenderSchema)
def get_tender(tender_id):
    """A tender: published ones for everybody, drafts for the buyer's members."""
    user = api_user()
    tender = services.visible_tender(tender_id, user)
    if standstill.conclude_due(tender):
        db.session.commit()
    return tender_json(tender, user)


@blp.route("/tenders/<int:tender_id>", methods=["PATCH"])
@blp.arguments(TenderUpdateSchema)
@blp.response(200, TenderSchema)
def update_tender(changes, tender_id):
    """Edit a draft; once published, only extend the deadline (bidders are told)."""
    tender = _buyer_tender(tender_id)
    services.update_tender(tender, changes)
    db.session.commit()
    return tender_json(tender, api_user())


@blp.route("/tenders/<int:tender_id>/publish", methods=["POST"])
@blp.response(200, TenderSchema)
def publish_tender(tender_id):
    """Publish a draft: its rules, lots and deadline are then fixed (the deadline may still be extended)."""
    tender = _buyer_tender(tender_id)
    services.publish(tender)
    db.session.commit()
    return tender_json(tender, api_user())


@blp.route("/tenders/<int:tender_id>/cancel", methods=["POST"])
@blp.arguments(CancelSchema)
@blp.response(200, TenderSchema)
def cancel_tender(payload, tender_id):
    """Cancel a tender with a reason (bidders are told); not once a lot is awarded."""
    tender = _buyer_tender(tender_id)
    services.cancel(tender, payload["reason"])
    db.session.commit()
    return tender_json(tender, api_user())


@blp.route("/tenders/<int:tender_id>/lots/<int:lot_id>/bids", methods=["POST"])
@blp.arguments(BidCreateSchema)
@blp.response(201, BidSchema)
def submit_bid(payload, tender_id, lot_id):
    """Bid on a lot for an organisation (its admins and sellers), alone or leading a joint bid; sealed until the deadline."""
    user = require_api_user()
    tender = services.visible_tender(tender_id, user)
    lot = services.get_lot(tender, lot_id)
    try:
        organization = get_organization(payload.pop("organization_id"))
    except NotFound:
        raise Forbidden(_("You cannot bid for this organisation."),
                        {"organization_id": [_("Not one of your organisations.")]}) from None
    require_membership(user, organization, *services.SUPPLIER_ROLES)
    bid = groups.submit_bid(tender, lot, organization, payload)
    db.session.commit()
    return bid


@blp.route("/bids/<int:bid_id>", methods=["GET"])
@blp.response(200, BidSchema)
def get_bid(bid_id):
    """A bid: for its bidder's members; for the buyer's members once the deadline has passed."""
    return services.visible_bid(bid_id, api_user())


@blp.route("/bids/<int:bid_id>", methods=["PUT"])
@blp.arguments(BidFieldsSchema)
@blp.response(200, BidSchema)
def replace_bid(payload, bid_id):
    """Replace a bid before the deadline (a new submission time)."""
    bid = services.writable_bid(bid_id, require_api_user())
    services.replace_bid(bid, payload)
    db.session.commit()
    return bid


@blp.route("/bids/<int:bid_id>", methods=["DELETE"])
@blp.response(200, BidSchema)
def withdraw_bid(bid_id):
    """Withdraw a bid before the deadline."""
    bid = services.writable_bid(bid_id, require_api_user())
    services.withdraw_bid(bid)
    db.session.commit()
    return bid


@blp.route("/bids/<int:bid_id>/quality", methods=["PUT"])
@blp.arguments(QualitySchema)
@blp.response(200, BidSchema)
def mark_quality(payload, bid_id):
    """The buyer's 0–100 quality mark of a bid (weighted policy, after the deadline)."""
    user = require_api_user()
    bid = services.visible_bid(bid_id, user)
    require_membership(user, bid.tender.organization, *services.BUYER_ROLES)
    services.set_quality_mark(bid, payload["score"])
    db.session.commit()
    return bid


@blp.route("/tenders/<int:tender_id>/evaluation", methods=["GET"])
@blp.arguments(EvaluationQuerySchema, location="query")
@blp.response(200, EvaluationSchema)
def evaluation(query, tender_id):
    """Per lot, the ranking under the tender's policy with an explanation per bid (the buyer's members, after the deadline).

    `offset` and `limit` take a slice of each lot's ranking (ranks are those of the whole ranking)."""
    user = require_api_user()
    tender = services.visible_tender(tender_id, user)
    if not services.is_member(user, tender.organization_id):
        raise Forbidden(_("Only the buyer's members see the evaluation."))
    if standstill.conclude_due(tender):
        db.session.commit()
    lots = []
    start = query["offset"]
    end = None if query["limit"] is None else start + query["limit"]
    for lot, final, ranking in services.evaluate_tender(tender):
        lots.append({
            "lot_id": lot.id, "final": final,
            "awarded_bid_id": lot.contract.bid_id if lot.contract else None,
            "bid_count": len(ranking),
            "ranking": [{
                "bid_id": bid.bid_id, "organization_id": bid.organization_id, "is_cooperative": bid.verified_cooperative,
                "cooperative_share": cooperative_share_text(bid.cooperative_share),
                "price": _money(entry.price), "evaluated_price": _money(entry.evaluated_price),
                "score": None if entry.score is None else f"{entry.score:.2f}",
                "rank": entry.rank, "explanation": entry.explanation,
            } for bid, entry in ranking[start:end]],
        })
    # Shaped here as EvaluationSchema documents it, not dumped field by field: a lot may rank thousands of bids.
    return jsonify({"lots": lots})


def _money(money):
    return None if money is None else {"amount": money.as_decimal_string(), "currency": money.currency}


@blp.route("/tenders/<int:tender_id>/lots/<int:lot_id>/award", methods=["POST"])
@blp.arguments(AwardSchema)
@blp.response(201, AwardResultSchema)
def award(payload, tender_id, lot_id):
    """Decide the award of a lot: the first-ranked bid, or another with a written justification. Every bidder is
    debriefed; the contract is made when the tender's standstill ends (at once without one)."""
    user = require_api_user()
    tender = services.visible_tender(tender_id, user)
    lot = services.get_lot(tender, lot_id)
    decision, contract = standstill.decide(user, tender, lot, payload["bid_id"], payload["justification"],
                                           payload["start_date"], payload["end_date"], ip=request.remote_addr)
    db.session.commit()
    return {"decision": decision, "contract": contract}


@blp.route("/contracts/<int:contract_id>", methods=["GET"])
@blp.response(200, ContractSchema)
def get_contract(contract_id):
    """A contract, for the members of its buyer and its supplier."""
    return contracts.get_contract(contract_id, require_api_user())


@blp.route("/contracts/<int:contract_id>", methods=["PATCH"])
@blp.arguments(ContractUpdateSchema)
@blp.response(200, ContractSchema)
def update_contract(payload, contract_id):
    """Complete or terminate a contract (the buyer's admins and buyers)."""
    contract = _buyer_contract(contract_id)
    contracts.change_contract_status(contract, payload["status"])
    db.session.commit()
    return contract


@blp.route("/contracts/<int:contract_id>/rating", methods=["POST"])
@blp.arguments(RatingSchema)
@blp.response(201, ContractSchema)
def rate(payload, contract_id):
    """Rate the supplier 1–5 once the contract is completed (the buyer's admins and buyers)."""
    contract = _buyer_contract(contract_id)
    contracts.rate_supplier(contract, payload["rating"], payload["comment"])
    db.session.commit()
    return contract


@blp.route("/ocds/releases", methods=["GET"])
@allows_anonymous
@blp.arguments(PageQuerySchema(), location="query")
@blp.response(200, description="An OCDS 1.1 release package")
def ocds_releases(query):
    """Published tenders and their awards as an Open Contracting Data Standard 1.1 release package (newest first)."""
    if standstill.conclude_due():  # decisions whose standstill has ended are read as concluded
        db.session.commit()
    page = ocds.releases_page(query["page"], query["per_page"])
    uri = url_for("tenders_api.ocds_releases", page=query["page"], per_page=query["per_page"], _external=True)
    package = ocds.release_package(page.items, current_app.config["OCDS_OCID_PREFIX"], uri, "Coopex")
    response = jsonify(package)
    if page.has_next:
        following = url_for("tenders_api.ocds_releases", page=page.next_num, per_page=query["per_page"], _external=True)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


@blp.route("/transparency/contracts", methods=["GET"])
@allows_anonymous
@blp.arguments(TransparencyQuerySchema(), location="query")
@blp.response(200, TransparencySchema)
def transparency_contracts(query):
    """Contract value awarded and the share won by verified cooperatives, in total and by region, sector, policy, month."""
    available = transparency.currencies()
    currency = transparency.chosen_currency(query["currency"], available)
    return {**transparency.dashboard(currency), "currencies": available}
