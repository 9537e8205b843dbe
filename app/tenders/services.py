"""Rules of tenders: who may do what, when, and what an award leaves behind.

Time is read, never scheduled: a published tender is open until its deadline and closed after it, whoever asks.
Bids are sealed: before the deadline only the bidder's members read a bid; the buyer learns how many there are.
"""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.services import is_member, require_membership
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.labels import label
from app.models_base import utcnow
from app.notices.phrases import Phrase
from app.orgs.models import Organization
from app.reference.services import parse_cpv
from app.tenders import deadlines, evaluation, ranking
from app.tenders.models import AwardDecision, Bid, BidMember, Lot, Tender
from app.tenders.notifications import notify_bidders

BUYER_ROLES = ("buyer",)
SUPPLIER_ROLES = ("seller",)
SME_SIZES = ("micro", "small", "medium")


# Reading --------------------------------------------------------------------------------------


def get_tender(tender_id):
    tender = db.session.get(Tender, tender_id)
    if tender is None:
        raise NotFound(_("No such tender."))
    return tender


def visible_tender(tender_id, user):
    """Published and cancelled tenders for everybody (unless the buyer is suspended); drafts for the buyer's members
    only."""
    tender = get_tender(tender_id)
    if (tender.status == "draft" or not tender.organization.is_active) and not is_member(user, tender.organization_id):
        raise NotFound(_("No such tender."))
    return tender


def get_lot(tender, lot_id):
    lot = db.session.get(Lot, lot_id)
    if lot is None or lot.tender_id != tender.id:
        raise NotFound(_("No such lot in this tender."))
    return lot


def bid_counts(tender):
    """{lot id: standing bids}: all the buyer may know of the bids before the deadline."""
    statement = (
        select(Bid.lot_id, func.count(Bid.id))
        .where(Bid.tender_id == tender.id, Bid.status == "submitted")
        .group_by(Bid.lot_id)
    )
    counts = dict(db.session.execute(statement).all())
    return {lot.id: counts.get(lot.id, 0) for lot in tender.lots}


def visible_bid(bid_id, user):
    """A bid for its bidder's members always; for the buyer's members once the deadline has passed; else NotFound."""
    bid = db.session.get(Bid, bid_id)
    if bid is None:
        raise NotFound(_("No such bid."))
    if is_member(user, bid.organization_id) or any(is_member(user, member.organization_id) for member in bid.members):
        return bid
    if bid.tender.is_past_deadline() and bid.tender.status == "published" and is_member(user, bid.tender.organization_id):
        return bid
    raise NotFound(_("No such bid."))


def own_bids(tender, user):
    """The user's organisations' standing bids on the tender (what a supplier sees of its own part)."""
    if not (user and user.is_authenticated):
        return []
    organization_ids = [membership.organization_id for membership in user.memberships]
    statement = select(Bid).where(Bid.tender_id == tender.id, Bid.status == "submitted",
                                  Bid.organization_id.in_(organization_ids)).order_by(Bid.lot_id)
    return list(db.session.scalars(statement))


def organization_tenders(organization_id):
    """An organisation's tenders, drafts included, newest first (for its own members)."""
    return list(db.session.scalars(select(Tender).where(Tender.organization_id == organization_id)
                                   .order_by(Tender.created_at.desc(), Tender.id.desc())))


def organization_bids(organization_id):
    """An organisation's bids, standing and withdrawn, and the joint bids it is a member of, newest first (for its own
    members)."""
    joint = select(BidMember.bid_id).where(BidMember.organization_id == organization_id)
    return list(db.session.scalars(select(Bid).where((Bid.organization_id == organization_id) | Bid.id.in_(joint))
                                   .order_by(Bid.submitted_at.desc(), Bid.id.desc())))


def organization_names(organization_ids):
    """{id: name} for a page of ranked bids."""
    ids = set(organization_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())


# Writing tenders -------------------------------------------------------------------------------


def _apply_preference(tender, preference):
    policy = preference["policy"]
    margin = Decimal(preference.get("margin_percent") or 0)
    weights = preference.get("weights") or {}
    try:
        evaluation.Policy(policy, margin, weights.get("price", 100 if policy != "weighted" else 0),
                          weights.get("quality", 0), weights.get("cooperative", 0))
    except evaluation.PolicyError as error:
        raise ValidationFailed(str(error), {"preference": {error.field: [str(error)]}}) from None
    tender.policy = policy
    tender.margin_basis_points = int(margin * 100) if policy == "price_margin" else 0
    if policy == "weighted":
        tender.price_weight, tender.quality_weight, tender.cooperative_weight = (
            weights["price"], weights["quality"], weights["cooperative"])
    else:
        tender.price_weight, tender.quality_weight, tender.cooperative_weight = 100, 0, 0


def _apply(tender, fields):
    fields = dict(fields)
    if "cpv_code" in fields:
        tender.cpv = parse_cpv(fields.pop("cpv_code"))
    if "preference" in fields:
        _apply_preference(tender, fields.pop("preference"))
    if "lots" in fields:
        lots = fields.pop("lots")
        tender.lots.clear()
        db.session.flush()
        tender.lots.extend(Lot(number=n, title=lot["title"], description=lot.get("description", ""))
                           for n, lot in enumerate(lots, start=1))
    if "deadline" in fields:
        _require_future(fields["deadline"])
    budget = fields.pop("budget", False)
    for name, value in fields.items():
        setattr(tender, name, value)
    if budget is not False:
        if budget is not None and budget.currency != tender.currency:
            raise ValidationFailed(_("The budget is in the tender's currency."),
                                   {"budget": [_("Give the budget in %(currency)s.", currency=tender.currency)]})
        tender.budget_minor = None if budget is None else budget.minor
    deadlines.check_clarification_deadline(tender)


def create_tender(organization, fields):
    if not organization.is_active:
        raise Conflict(_("This organisation is suspended and cannot run tenders."))
    tender = Tender(organization=organization, status="draft")
    # Procurement law expects a standstill of public bodies; other buyers choose one.
    _apply(tender, {"standstill_days": 10 if organization.legal_form == "public_body" else 0, **fields})
    db.session.add(tender)
    db.session.flush()
    return tender


def _require_future(deadline, now=None):
    if deadline <= (now or utcnow()):
        raise ValidationFailed(_("The deadline must be in the future."), {"deadline": [_("Give a moment in the future.")]})


def update_tender(tender, changes):
    """Drafts change freely; a published, still open tender may only have its deadline extended (bidders are told)."""
    if tender.status == "draft":
        _apply(tender, changes)
        db.session.flush()
        return tender
    if tender.status != "published" or tender.is_past_deadline():
        raise Conflict(_("A %(state)s tender cannot be changed.", state=label("tender", tender.state())))
    if set(changes) - {"deadline"}:
        fields = {name: [_("Fixed once the tender is published.")] for name in sorted(set(changes) - {"deadline"})}
        raise Conflict(_("Once published, only the deadline may change, and only to a later moment."), fields)
    deadline = changes.get("deadline")
    if deadline is not None and deadline != tender.deadline:
        if deadline < tender.deadline:
            raise Conflict(_("A published deadline can only be extended."), {"deadline": [_("Give a later moment.")]})
        tender.deadline = deadline
        notify_bidders(tender, Phrase("The deadline of “%(title)s” was extended to %(deadline)s UTC.", title=tender.title,
                                      deadline=f"{deadline:%Y-%m-%d %H:%M}"))
    db.session.flush()
    return tender


def publish(tender):
    if tender.status != "draft":
        raise Conflict(_("A %(state)s tender cannot be published.", state=label("tender", tender.state())))
    _require_future(tender.deadline)
    deadlines.check_clarification_deadline(tender)
    if not tender.lots:
        raise ValidationFailed(_("A tender needs at least one lot."), {"lots": [_("Add at least one lot.")]})
    tender.status = "published"
    tender.published_at = utcnow()
    db.session.flush()
    return tender


def cancel(tender, reason):
    if tender.status == "cancelled":
        raise Conflict(_("This tender is already cancelled."))
    if any(lot.contract is not None for lot in tender.lots) or in_standstill(tender):
        raise Conflict(_("A lot of this tender has been awarded; the tender cannot be cancelled."))
    was_published = tender.status == "published"
    tender.status = "cancelled"
    tender.cancel_reason = reason
    tender.cancelled_at = utcnow()
    if was_published:
        notify_bidders(tender, Phrase("“%(title)s” was cancelled: %(reason)s", title=tender.title, reason=reason))
    db.session.flush()
    return tender


# Bids -----------------------------------------------------------------------------------------


def _require_open(tender):
    if tender.status != "published":
        raise Conflict(_("This tender is %(state)s: it takes no bids.", state=label("tender", tender.state())))
    if tender.is_past_deadline():
        raise Conflict(_("The deadline has passed: bids can no longer be made, changed or withdrawn."))


def _check_price(tender, price):
    if price.currency != tender.currency:
        raise ValidationFailed(_("Bids are in the tender's currency."),
                               {"price": [_("Give the price in %(currency)s.", currency=tender.currency)]})


def submit_bid(tender, lot, organization, fields, group=None):
    """A bid by the organisation, or by a joint bid's `group` (app.tenders.groups.Group) that it leads."""
    _require_open(tender)
    if organization.id == tender.organization_id:
        raise Forbidden(_("A buyer cannot bid on its own tender."), {"organization_id": [_("This organisation runs the tender.")]})
    if not organization.is_active:
        raise Conflict(_("This organisation is suspended and cannot bid."))
    cooperative = organization.is_cooperative and organization.verified if group is None else group.is_cooperative
    if tender.policy == "reserved" and not cooperative:
        raise Forbidden(_("This tender is reserved for verified cooperatives (and verified cooperative federations)."),
                        {"organization_id": [_("Not a verified cooperative.")]}, code="reserved")
    _check_price(tender, fields["price"])
    standing = db.session.scalar(select(Bid.id).where(Bid.lot_id == lot.id, Bid.organization_id == organization.id,
                                                      Bid.status == "submitted"))
    if standing is not None:
        raise Conflict(_("This organisation already has a bid on this lot: replace or withdraw it."),
                       {"lot_id": [_("Bid %(id)s.", id=standing)]})
    bid = Bid(tender=tender, lot=lot, organization=organization, price_minor=fields["price"].minor,
              currency=fields["price"].currency, delivery_days=fields["delivery_days"], proposal=fields.get("proposal", ""))
    if group is not None:
        bid.members = group.bid_members(lot)
    db.session.add(bid)
    db.session.flush()
    return bid


def replace_bid(bid, fields):
    """A new version of the bid: its content and its submission time (the tie-break) change."""
    _require_open(bid.tender)
    if bid.status != "submitted":
        raise Conflict(_("A withdrawn bid cannot be changed; make a new one."))
    _check_price(bid.tender, fields["price"])
    bid.price_minor, bid.currency = fields["price"].minor, fields["price"].currency
    bid.delivery_days = fields["delivery_days"]
    bid.proposal = fields.get("proposal", "")
    bid.submitted_at = utcnow()
    db.session.flush()
    return bid


def withdraw_bid(bid):
    _require_open(bid.tender)
    if bid.status != "submitted":
        raise Conflict(_("This bid is already withdrawn."))
    bid.status = "withdrawn"
    bid.withdrawn_at = utcnow()
    db.session.flush()
    return bid


def writable_bid(bid_id, user):
    """The bid, if the user may change it (admins and sellers of the bidding organisation)."""
    bid = visible_bid(bid_id, user)
    require_membership(user, bid.organization, *SUPPLIER_ROLES)
    return bid


# Evaluation and award ----------------------------------------------------------------------------


def _require_closed(tender):
    if tender.status != "published":
        raise Conflict(_("This tender is %(state)s.", state=label("tender", tender.state())))
    if not tender.is_past_deadline():
        raise Conflict(_("Bids are sealed until the deadline."))


def set_quality_mark(bid, score):
    tender = bid.tender
    _require_closed(tender)
    if tender.policy != "weighted":
        raise Conflict(_("Quality marks are given only under the weighted policy."))
    if bid.status != "submitted":
        raise Conflict(_("A withdrawn bid is not evaluated."))
    if bid.lot.contract is not None or in_standstill(tender, bid.lot_id):
        raise Conflict(_("This lot has been awarded; its marks are final."))
    bid.quality_mark = score
    db.session.flush()
    return bid


def in_standstill(tender, lot_id=None):
    """Whether an award decision of the tender (or of one lot) waits out its standstill."""
    statement = select(AwardDecision.id).where(AwardDecision.tender_id == tender.id, AwardDecision.status == "standstill")
    return db.session.scalar(statement.where(*([AwardDecision.lot_id == lot_id] if lot_id else [])).limit(1)) is not None


def evaluate_lot(tender, lot):
    """(final, [(evaluation.Bid, RankedBid)]) for a lot; not final while a weighted evaluation misses quality marks."""
    return ranking.evaluate_lot(tender.preference, lot)


def evaluate_tender(tender):
    _require_closed(tender)
    return [(lot, *evaluate_lot(tender, lot)) for lot in tender.lots]


def award_notice(lot):
    """What the public learns of an awarded lot; the losing bids' prices stay private."""
    contract = lot.contract
    tender = contract.tender
    return {
        "tender_id": tender.id, "lot_id": lot.id, "lot_number": lot.number, "lot_title": lot.title,
        "buyer": tender.organization, "subject": tender.title, "cpv": tender.cpv, "policy": contract.policy,
        "bid_count": contract.bid_count, "winner": contract.supplier, "members": contract.shares,
        "winner_verified_cooperative": contract.supplier_verified_cooperative,
        "winner_is_sme": contract.supplier_is_sme, "value": contract.value, "awarded_at": contract.awarded_at,
        "justification": contract.justification,
    }
