"""Pages where buyers run tenders (draft, publish, extend, cancel, evaluate, award, close contracts) and suppliers bid.

Every form is validated by the API's schema and every change goes through the same services as the API: the pages add
no rule of their own, only the acting organisation (the one chosen with the organisation switcher).
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.accounts.auth import current_membership
from app.accounts.services import refuse_suspended_organization, require_membership
from app.errors import DomainError, Forbidden, NotFound
from app.extensions import db
from app.forms import as_int, attempt, aware_moment, load_form, local_moment, show_refusal, timezone_options
from app.labels import label
from app.money import currency_codes
from app.navigation import page_number
from app.tenders import bp, contracts, services, standstill
from app.tenders.forms import (
    AwardForm,
    BidForm,
    CancelForm,
    DeadlineForm,
    RatingForm,
    TenderForm,
)
from app.tenders.labels import POLICY_LABELS
from app.tenders.schemas import (
    MAX_LOTS,
    BidFieldsSchema,
    CancelSchema,
    RatingSchema,
    TenderFieldsSchema,
    TenderUpdateSchema,
)

#: Bids shown per page of a lot's evaluation: a lot may rank thousands, a buyer reads the top of the list.
EVALUATION_PAGE_SIZE = 50


def _buyer_membership():
    membership = current_membership()
    if membership is None or not membership.allows(*services.BUYER_ROLES):
        raise Forbidden(_("Only admins and buyers of an organisation can run tenders."))
    refuse_suspended_organization(membership.organization)
    return membership


def _buyer_tender(tender_id):
    tender = services.visible_tender(tender_id, current_user)
    require_membership(current_user, tender.organization, *services.BUYER_ROLES)
    return tender


def _back_to(tender):
    return redirect(url_for("tenders.tender_page", tender_id=tender.id))


# Drafting --------------------------------------------------------------------------------------------------------------


def _tender_form(tender=None):
    form = TenderForm(obj=tender)
    form.currency.choices = currency_codes()
    form.timezone.choices = timezone_options()
    if request.method == "POST" and form.add_lot.data:
        if len(form.lots.entries) < MAX_LOTS:
            form.lots.append_entry()
        else:
            form.form_errors = [*form.form_errors, _("A tender has at most %(count)s lots.", count=MAX_LOTS)]
    elif request.method == "GET":
        if tender is None:
            home = current_membership().organization.country
            form.currency.data = (home.currency if home else None) or "EUR"
        else:
            form.cpv_code.data = tender.cpv.code
            form.deadline.data = local_moment(tender.deadline)
            if tender.clarification_deadline:
                form.clarification_deadline.data = local_moment(tender.clarification_deadline)
            form.budget_amount.data = tender.budget.as_decimal_string() if tender.budget else ""
            form.margin_percent.data = tender.margin_text if tender.policy == "price_margin" else ""
            if tender.policy == "weighted":
                form.weights_price.data, form.weights_quality.data, form.weights_cooperative.data = (
                    str(tender.price_weight), str(tender.quality_weight), str(tender.cooperative_weight))
    return form


def _save_tender(form, schema, save):
    """Validate with the API's schema and save; returns the tender, or None with the form's errors set."""
    try:
        data = schema.load(form.payload())
    except ValidationError as error:
        form.form_errors = list(form.form_errors) + form.show_errors(error.messages)
        return None
    try:
        tender = save(data)
    except DomainError as error:
        db.session.rollback()
        form.form_errors = list(form.form_errors) + (form.show_errors(error.fields) or [error.message])
        return None
    db.session.commit()
    return tender


@bp.route("/tenders/new", methods=["GET", "POST"])
@login_required
def new_tender():
    membership = _buyer_membership()
    if request.method == "POST":
        # The organisation the form was shown for, even if the user switched organisation meanwhile.
        chosen = current_user.membership_of(request.form.get("organization_id", type=int))
        if chosen is None or not chosen.allows(*services.BUYER_ROLES):
            raise Forbidden(_("You cannot run tenders for this organisation."))
        refuse_suspended_organization(chosen.organization)
        membership = chosen
        require_membership(current_user, membership.organization, *services.BUYER_ROLES)
    form = _tender_form()
    organization = membership.organization
    if request.method == "POST" and not form.add_lot.data:
        tender = _save_tender(form, TenderFieldsSchema(), lambda data: services.create_tender(organization, data))
        if tender is not None:
            flash(_("Draft saved. Check it, then publish it."), "success")
            return _back_to(tender)
        return render_template("tenders/form.html", form=form, tender=None, organization=organization), 422
    return render_template("tenders/form.html", form=form, tender=None, organization=organization)


@bp.route("/tenders/<int:tender_id>/edit", methods=["GET", "POST"])
@login_required
def edit_tender(tender_id):
    """A draft is edited whole; a published, open tender only gets a later deadline."""
    tender = _buyer_tender(tender_id)
    if tender.status == "published" and tender.state() == "open":
        return _extend_deadline(tender)
    if tender.status != "draft":
        flash(_("A %(state)s tender cannot be changed.", state=label("tender", tender.state())), "warning")
        return _back_to(tender)
    form = _tender_form(tender)
    if request.method == "POST" and not form.add_lot.data:
        saved = _save_tender(form, TenderUpdateSchema(), lambda data: services.update_tender(tender, data))
        if saved is not None:
            flash(_("Draft saved."), "success")
            return _back_to(tender)
        return render_template("tenders/form.html", form=form, tender=tender, organization=tender.organization), 422
    return render_template("tenders/form.html", form=form, tender=tender, organization=tender.organization)


def _extend_deadline(tender):
    form = DeadlineForm()
    form.timezone.choices = timezone_options()
    if request.method == "GET":
        form.deadline.data = local_moment(tender.deadline)
    elif form.validate_on_submit():
        data = load_form(TenderUpdateSchema(only=("deadline",)), {"deadline": aware_moment(form.deadline.data, form.timezone.data)}, form)
        if data is not None and attempt(lambda: services.update_tender(tender, data), _("Deadline extended; bidders are told.")):
            return _back_to(tender)
        return render_template("tenders/deadline.html", form=form, tender=tender), 422
    return render_template("tenders/deadline.html", form=form, tender=tender)


@bp.route("/tenders/<int:tender_id>/publish", methods=["POST"])
@login_required
def publish_tender(tender_id):
    tender = _buyer_tender(tender_id)
    attempt(lambda: services.publish(tender), _("Published: suppliers can bid until the deadline."))
    return _back_to(tender)


@bp.route("/tenders/<int:tender_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_tender(tender_id):
    tender = _buyer_tender(tender_id)
    form = CancelForm()
    if form.validate_on_submit():
        data = load_form(CancelSchema(), {"reason": form.reason.data or ""}, form)
        if data is not None and attempt(lambda: services.cancel(tender, data["reason"]), _("The tender is cancelled.")):
            return _back_to(tender)
        return render_template("tenders/cancel.html", form=form, tender=tender), 422
    return render_template("tenders/cancel.html", form=form, tender=tender)


# Bidding ---------------------------------------------------------------------------------------------------------------


def _supplier_membership():
    """The acting organisation, if it may bid (admins and sellers); in a POST, the one the form was shown for."""
    membership = current_membership()
    if request.method == "POST":
        membership = current_user.membership_of(request.form.get("organization_id", type=int))
    if membership is None or not membership.allows(*services.SUPPLIER_ROLES):
        raise Forbidden(_("Only admins and sellers of an organisation can bid."))
    refuse_suspended_organization(membership.organization)
    if request.method == "POST":
        require_membership(current_user, membership.organization, *services.SUPPLIER_ROLES)
    return membership


@bp.route("/tenders/<int:tender_id>/lots/<int:lot_id>/bid", methods=["GET", "POST"])
@login_required
def bid_form(tender_id, lot_id):
    """Bid on a lot for the acting organisation, or replace its standing bid."""
    tender = services.visible_tender(tender_id, current_user)
    lot = services.get_lot(tender, lot_id)
    organization = _supplier_membership().organization
    standing = next((bid for bid in services.own_bids(tender, current_user)
                     if bid.lot_id == lot.id and bid.organization_id == organization.id), None)
    form = BidForm(obj=standing)
    if request.method == "GET":
        form.organization_id.data = organization.id
        if standing is not None:
            form.price_amount.data = standing.price.as_decimal_string()
            form.delivery_days.data = str(standing.delivery_days)
    elif form.validate_on_submit():
        data = load_form(BidFieldsSchema(), form.payload(tender.currency), form)
        if data is not None:
            try:
                if standing is None:
                    services.submit_bid(tender, lot, organization, data)
                else:
                    services.replace_bid(standing, data)
            except DomainError as error:
                show_refusal(form, error)
            else:
                db.session.commit()
                flash(_("Bid sealed. Nobody sees it before the deadline.") if standing is None else
                      _("Bid replaced. Your new submission time counts."), "success")
                return _back_to(tender)
        return render_template("tenders/bid_form.html", form=form, tender=tender, lot=lot, standing=standing,
                               organization=organization), 422
    return render_template("tenders/bid_form.html", form=form, tender=tender, lot=lot, standing=standing,
                           organization=organization)


@bp.route("/bids/<int:bid_id>/withdraw", methods=["POST"])
@login_required
def withdraw_bid(bid_id):
    bid = services.writable_bid(bid_id, current_user)
    attempt(lambda: services.withdraw_bid(bid), _("Bid withdrawn."))
    return _back_to(bid.tender)


# Evaluation and award ------------------------------------------------------------------------------------------------


@bp.route("/tenders/<int:tender_id>/evaluation")
@login_required
def evaluation_page(tender_id):
    """The explained ranking of one lot, a page at a time, with the quality marks (weighted) and the award form."""
    tender = services.visible_tender(tender_id, current_user)
    if not services.is_member(current_user, tender.organization_id):
        raise NotFound(_("No such tender."))
    if tender.state() == "open":
        flash(_("Bids are sealed until the deadline."), "info")
        return _back_to(tender)
    if tender.status != "published":
        return _back_to(tender)
    if standstill.conclude_due(tender):
        db.session.commit()
    lot = services.get_lot(tender, request.args.get("lot", type=int) or tender.lots[0].id)
    final, ranking = services.evaluate_lot(tender, lot)
    page, pages = page_number(), max(1, -(-len(ranking) // EVALUATION_PAGE_SIZE))
    if page > pages:
        abort(404)
    shown = ranking[(page - 1) * EVALUATION_PAGE_SIZE:page * EVALUATION_PAGE_SIZE]
    names = services.organization_names(bid.organization_id for bid, _entry in shown)
    can_decide = services.is_member(current_user, tender.organization_id) and current_user.membership_of(
        tender.organization_id).allows(*services.BUYER_ROLES)
    return render_template("tenders/evaluation.html", tender=tender, lot=lot, final=final, shown=shown, names=names,
                           total=len(ranking), page=page, pages=pages, can_decide=can_decide, policy_labels=POLICY_LABELS,
                           decision=standstill.lot_decision(lot))


@bp.route("/bids/<int:bid_id>/quality", methods=["POST"])
@login_required
def mark_quality(bid_id):
    bid = services.visible_bid(bid_id, current_user)
    require_membership(current_user, bid.tender.organization, *services.BUYER_ROLES)
    score = request.form.get("score", "").strip()
    if not (score.isascii() and score.isdecimal() and 0 <= int(score) <= 100):
        flash(_("A quality mark is a whole number from 0 to 100."), "danger")
    else:
        attempt(lambda: services.set_quality_mark(bid, int(score)), _("Quality mark saved."))
    return redirect(url_for("tenders.evaluation_page", tender_id=bid.tender_id, lot=bid.lot_id, page=page_number()))


@bp.route("/tenders/<int:tender_id>/lots/<int:lot_id>/award", methods=["POST"])
@login_required
def award_lot(tender_id, lot_id):
    tender = _buyer_tender(tender_id)
    lot = services.get_lot(tender, lot_id)
    form = AwardForm()
    bid_id = request.form.get("bid_id", type=int)
    if not form.validate_on_submit() or bid_id is None:
        flash(_("Choose a bid to award."), "danger")
    elif attempt(lambda: standstill.decide(current_user, tender, lot, bid_id, form.justification.data or "",
                                           ip=request.remote_addr),
                 _("Lot %(number)s awarded; every bidder is told its rank.", number=lot.number) if not tender.standstill_days
                 else _("Award decided; every bidder is told its rank. The contract follows the standstill.")):
        return _back_to(tender)
    return redirect(url_for("tenders.evaluation_page", tender_id=tender.id, lot=lot.id))


@bp.route("/contracts/<int:contract_id>/status", methods=["POST"])
@login_required
def contract_status(contract_id):
    contract = contracts.get_contract(contract_id, current_user)
    require_membership(current_user, contract.buyer, *services.BUYER_ROLES)
    status = request.form.get("status", "")
    if status not in ("completed", "terminated"):
        flash(_("Choose completed or terminated."), "danger")
    else:
        attempt(lambda: contracts.change_contract_status(contract, status),
                _("The contract is %(status)s.", status=label("contract", status)))
    return _back_to(contract.tender)


@bp.route("/contracts/<int:contract_id>/rating", methods=["POST"])
@login_required
def rate_contract(contract_id):
    contract = contracts.get_contract(contract_id, current_user)
    require_membership(current_user, contract.buyer, *services.BUYER_ROLES)
    form = RatingForm()
    if form.validate_on_submit():
        data = load_form(RatingSchema(), {"rating": as_int(form.rating.data), "comment": form.comment.data or ""}, form)
        if data is not None:
            attempt(lambda: contracts.rate_supplier(contract, data["rating"], data["comment"]), _("Thank you for rating."))
        else:
            flash(_("Give a rating from 1 to 5."), "danger")
    return _back_to(contract.tender)


# What is mine ----------------------------------------------------------------------------------------------------------


@bp.route("/my/tenders")
@login_required
def my_tenders():
    """The acting organisation's tenders (drafts too) and its bids."""
    membership = current_membership()
    if membership is None:
        return redirect(url_for("accounts.dashboard"))
    organization = membership.organization
    return render_template("tenders/mine.html", organization=organization, membership=membership,
                           tenders=services.organization_tenders(organization.id),
                           bids=services.organization_bids(organization.id))
