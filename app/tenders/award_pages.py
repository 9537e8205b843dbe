"""Pages of joint bids (the group and its confirmations, a joint bid's form) and of award decisions (withdrawal).

Forms are validated by the API's schemas and changes go through the same services as the API."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.auth import current_membership
from app.errors import DomainError, Forbidden
from app.extensions import db
from app.forms import attempt, load_form, show_refusal
from app.tenders import bp, groups, services, standstill
from app.tenders.award_schemas import WithdrawDecisionSchema
from app.tenders.forms import JointBidForm, WithdrawDecisionForm
from app.tenders.schemas import BidCreateSchema


@bp.route("/bids/<int:bid_id>/group")
@login_required
def bid_group_page(bid_id):
    """A joint bid's group: each member's share and confirmation, and the confirm buttons the user may press."""
    bid = services.visible_bid(bid_id, current_user)
    confirmable = [member for member in bid.members if member.confirmed_at is None
                   and (membership := current_user.membership_of(member.organization_id)) is not None
                   and membership.allows(*services.SUPPLIER_ROLES)]
    return render_template("tenders/bid_group.html", bid=bid, tender=bid.tender, confirmable=confirmable)


@bp.route("/bids/<int:bid_id>/group/confirm", methods=["POST"])
@login_required
def confirm_membership(bid_id):
    bid = services.visible_bid(bid_id, current_user)
    organization_id = request.form.get("organization_id", type=int)
    attempt(lambda: groups.confirm_membership(current_user, bid, organization_id),
            _("Your participation in the joint bid is confirmed."))
    return redirect(url_for("tenders.bid_group_page", bid_id=bid.id))


@bp.route("/tenders/<int:tender_id>/lots/<int:lot_id>/joint-bid", methods=["GET", "POST"])
@login_required
def joint_bid_form(tender_id, lot_id):
    """A joint bid led by the acting organisation: its price and terms, and the group with the declared shares."""
    tender = services.visible_tender(tender_id, current_user)
    lot = services.get_lot(tender, lot_id)
    membership = current_membership()
    if request.method == "POST":
        membership = current_user.membership_of(request.form.get("organization_id", type=int))
    if membership is None or not membership.allows(*services.SUPPLIER_ROLES):
        raise Forbidden(_("Only admins and sellers of an organisation can bid."))
    organization = membership.organization
    form = JointBidForm()
    if request.method == "GET":
        form.organization_id.data = organization.id
    elif form.validate_on_submit():
        data = load_form(BidCreateSchema(), form.payload(tender.currency, organization.id), form)
        if data is not None:
            data.pop("organization_id")
            try:
                bid = groups.submit_bid(tender, lot, organization, data)
            except DomainError as error:
                show_refusal(form, error)
            else:
                db.session.commit()
                flash(_("Joint bid sealed. Each member confirms its participation before the deadline."), "success")
                return redirect(url_for("tenders.bid_group_page", bid_id=bid.id))
        return render_template("tenders/joint_bid_form.html", form=form, tender=tender, lot=lot,
                               organization=organization), 422
    return render_template("tenders/joint_bid_form.html", form=form, tender=tender, lot=lot, organization=organization)


@bp.route("/award-decisions/<int:decision_id>/withdraw", methods=["POST"])
@login_required
def withdraw_decision(decision_id):
    decision = standstill.get_decision(decision_id, current_user)
    form = WithdrawDecisionForm()
    data = load_form(WithdrawDecisionSchema(), {"reason": form.reason.data or ""}, form) if form.validate_on_submit() else None
    if data is None:
        flash(_("Give the reason for withdrawing the decision (at least 5 characters)."), "danger")
    else:
        attempt(lambda: standstill.withdraw(current_user, decision, data["reason"]),
                _("The award decision is withdrawn; the bidders are told."))
    return redirect(url_for("tenders.tender_page", tender_id=decision.tender_id))
