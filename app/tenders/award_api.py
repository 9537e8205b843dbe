"""JSON API: joint bids' confirmations and award decisions (on the tenders blueprint, beside bids and awards)."""
from app.accounts.auth import require_api_user
from app.extensions import db
from app.tenders import groups, services, standstill
from app.tenders.api import blp
from app.tenders.award_schemas import AwardDecisionSchema, ConfirmMembershipSchema, WithdrawDecisionSchema
from app.tenders.schemas import BidSchema


@blp.route("/bids/<int:bid_id>/confirm-membership", methods=["POST"])
@blp.arguments(ConfirmMembershipSchema)
@blp.response(200, BidSchema)
def confirm_membership(payload, bid_id):
    """A member of a joint bid confirms its participation (its admins and sellers), before the deadline."""
    user = require_api_user()
    bid = services.visible_bid(bid_id, user)
    groups.confirm_membership(user, bid, payload["organization_id"])
    db.session.commit()
    return bid


@blp.route("/award-decisions/<int:decision_id>", methods=["GET"])
@blp.response(200, AwardDecisionSchema)
def get_decision(decision_id):
    """An award decision, for the buyer's members and the lot's bidders; concluded once its standstill has ended."""
    decision = standstill.get_decision(decision_id, require_api_user())
    if standstill.conclude_due(decision.tender):
        db.session.commit()
    return decision


@blp.route("/award-decisions/<int:decision_id>/withdraw", methods=["POST"])
@blp.arguments(WithdrawDecisionSchema)
@blp.response(200, AwardDecisionSchema)
def withdraw_decision(payload, decision_id):
    """Withdraw an award decision during its standstill, with a reason (the buyer's admins and buyers; bidders are told)."""
    user = require_api_user()
    decision = standstill.get_decision(decision_id, user)
    standstill.withdraw(user, decision, payload["reason"])
    db.session.commit()
    return decision
