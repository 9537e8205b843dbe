"""Award decisions and the standstill: the buyer decides, every bidder is debriefed, then the contract follows.

A decision tells each bidder (a joint bid's lead and every member) the reasons, its own rank and score, then waits the
tender's standstill period (Remedies Directive 2007/66), during which the buyer may withdraw it. When the period ends
the decision is concluded: the contract is made and the award notice published. Time is read, never scheduled:
`flask tenders conclude-awards` concludes the due decisions periodically, and reading a tender or a decision concludes
its own. With a standstill of 0 days the contract is made at once, as before decisions existed.
"""
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app.accounts.services import is_member, require_membership
from app.audit import services as audit
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.mail import link
from app.models_base import utcnow
from app.notices.phrases import Phrase
from app.orgs.models import Organization
from app.tenders import evaluation, groups, services, transparency
from app.tenders.models import AwardDecision, Bid, BidMember, Contract, ContractShare
from app.tenders.notifications import award_outcome, debrief, notify_group


def may_decide(actor, tender):
    """Who decides and withdraws awards: the buyer's admins and buyers (else Forbidden)."""
    return require_membership(actor, tender.organization, *services.BUYER_ROLES)


def _lot_bidders(lot_id):
    """SELECT of every organisation bidding on the lot: leads and the members of joint bids."""
    leads = select(Bid.organization_id).where(Bid.lot_id == lot_id, Bid.status == "submitted")
    members = (select(BidMember.organization_id).join(Bid, Bid.id == BidMember.bid_id)
               .where(Bid.lot_id == lot_id, Bid.status == "submitted"))
    return select(Organization.id).where(or_(Organization.id.in_(leads), Organization.id.in_(members)))


def get_decision(decision_id, user):
    """A decision, for the buyer's members and the lot's bidders (leads and members); else NotFound."""
    decision = db.session.get(AwardDecision, decision_id)
    if decision is None:
        raise NotFound(_("No such award decision."))
    organization_ids = [membership.organization_id for membership in user.memberships] if user.is_authenticated else []
    bidders = set(db.session.scalars(_lot_bidders(decision.lot_id)))
    if not (is_member(user, decision.tender.organization_id) or bidders & set(organization_ids)):
        raise NotFound(_("No such award decision."))
    return decision


def lot_decision(lot):
    """The lot's decision in its standstill or concluded, if any."""
    return db.session.scalar(select(AwardDecision).where(AwardDecision.lot_id == lot.id,
                                                         AwardDecision.status != "withdrawn"))


def decide(actor, tender, lot, bid_id, justification, start_date=None, end_date=None, *, ip=None):
    """Decide the award of a lot: the first-ranked bid, or another with a written justification. Returns (decision,
    contract): the contract at once when the tender has no standstill, else None until the standstill ends."""
    may_decide(actor, tender)
    services._require_closed(tender)
    if lot.contract is not None or lot_decision(lot) is not None:
        raise Conflict(_("This lot has already been awarded."))
    final, ranking = services.evaluate_lot(tender, lot)
    if not final:
        raise Conflict(_("Give every bid a quality mark before awarding."))
    entries = {entry.bid_id: entry for _bid, entry in ranking}
    if bid_id not in entries:
        raise ValidationFailed(_("That is not a standing bid for this lot."), {"bid_id": [_("Not a bid for this lot.")]})
    entry = entries[bid_id]
    if entry.rank is None:
        raise ValidationFailed(_("That bid is not eligible under the tender's policy."), {"bid_id": [entry.explanation]})
    justification = (justification or "").strip()
    if entry.rank != 1 and not justification:
        raise ValidationFailed(_("Awarding a bid that is not ranked first needs a written justification."),
                               {"justification": [_("Explain why this bid and not the first-ranked one.")]})
    if start_date and end_date and end_date < start_date:
        raise ValidationFailed(_("The contract ends after it starts."), {"end_date": [_("Give a date after the start.")]})
    now = utcnow()
    decision = AwardDecision(tender=tender, lot=lot, bid=db.session.get(Bid, bid_id), decided_by_id=actor.id,
                             rank=entry.rank, bid_count=len(ranking), justification=justification or None,
                             start_date=start_date, end_date=end_date, decided_at=now,
                             standstill_ends_at=now + dt.timedelta(days=tender.standstill_days))
    db.session.add(decision)
    db.session.flush()
    # Each bid keeps its rank; one UPDATE per bid, sent as a batch (a lot may hold thousands).
    db.session.execute(update(Bid), [{"id": ranked_bid.bid_id, "final_rank": ranked.rank} for ranked_bid, ranked in ranking])
    members = groups.lot_groups(lot)
    page = link("tenders.tender_page", tender_id=tender.id)
    if tender.standstill_days == 0:
        contract = conclude(decision, actor=actor, ip=ip)
        for ranked_bid, ranked in ranking:
            notify_group([ranked_bid.organization_id, *members.get(ranked_bid.bid_id, ())],
                         award_outcome(ranked_bid.bid_id == bid_id, ranked, len(ranking), lot, tender), page)
        return decision, contract
    audit.record("tender.award_decided", actor=actor, organization=tender.organization_id,
                 subject=f"award-decision:{decision.id}",
                 details={"tender_id": tender.id, "lot_id": lot.id, "bid_id": bid_id, "rank": entry.rank,
                          "standstill_ends_at": decision.standstill_ends_at.isoformat(),
                          "justification": justification or None}, ip=ip)
    winner = ", ".join(member.organization.name for member in decision.bid.members) or decision.bid.organization.name
    for ranked_bid, ranked in ranking:
        notify_group([ranked_bid.organization_id, *members.get(ranked_bid.bid_id, ())],
                     debrief(ranked, len(ranking), lot, tender, decision, winner, entry), page)
    db.session.flush()
    return decision, None


def withdraw(actor, decision, reason):
    """The buyer withdraws a decision during its standstill (the bidders are told); the lot may be decided again."""
    tender = decision.tender
    may_decide(actor, tender)
    if decision.status != "standstill" or utcnow() >= decision.standstill_ends_at:
        raise Conflict(_("Only a decision in its standstill can be withdrawn; this one is final."))
    decision.status, decision.withdrawn_at, decision.withdraw_reason = "withdrawn", utcnow(), reason
    db.session.execute(update(Bid).where(Bid.lot_id == decision.lot_id).values(final_rank=None))
    audit.record("tender.award_withdrawn", actor=actor, organization=tender.organization_id,
                 subject=f"award-decision:{decision.id}", details={"tender_id": tender.id, "lot_id": decision.lot_id,
                                                                  "bid_id": decision.bid_id, "reason": reason})
    notify_group(_lot_bidders(decision.lot_id), Phrase(
        "The award decision on lot %(lot)s of “%(title)s” was withdrawn: %(reason)s", lot=decision.lot.number,
        title=tender.title, reason=reason), link("tenders.tender_page", tender_id=tender.id))
    db.session.flush()
    return decision


def conclude(decision, *, actor=None, ip=None):
    """The contract of a decision whose standstill has ended: the award notice is then public."""
    tender, lot, bid = decision.tender, decision.lot, decision.bid
    supplier, members = bid.organization, bid.members
    verified = [member.organization.is_cooperative and member.organization.verified for member in members]
    cooperative = (evaluation.group_is_cooperative(
        sum(member.share_basis_points for member, yes in zip(members, verified, strict=True) if yes))
        if members else supplier.is_cooperative and supplier.verified)
    contract = Contract(
        tender=tender, lot=lot, bid=bid, buyer_id=tender.organization_id, supplier=supplier,
        value_minor=bid.price_minor, currency=bid.currency, start_date=decision.start_date, end_date=decision.end_date,
        awarded_rank=decision.rank, justification=decision.justification, policy=tender.policy,
        bid_count=decision.bid_count, supplier_verified_cooperative=cooperative,
        supplier_is_sme=supplier.size in services.SME_SIZES, supplier_region=supplier.ica_region,
        supplier_sector=supplier.sector, awarded_at=decision.standstill_ends_at, joint_bid=bool(members),
    )
    parts = transparency.split(bid.price_minor, [member.share_basis_points for member in members])
    contract.shares = [ContractShare(organization_id=member.organization_id, share_basis_points=member.share_basis_points,
                                     value_minor=part, is_lead=member.is_lead, verified_cooperative=yes)
                       for member, part, yes in zip(members, parts, verified, strict=True)]
    db.session.add(contract)
    decision.status, decision.concluded_at = "concluded", utcnow()
    db.session.flush()
    transparency.record(contract)
    audit.record("tender.awarded", actor=actor, organization=tender.organization_id, subject=f"contract:{contract.id}",
                 details={"tender_id": tender.id, "lot_id": lot.id, "bid_id": bid.id, "supplier_id": supplier.id,
                          "value_minor": contract.value_minor, "currency": contract.currency, "rank": decision.rank,
                          "justification": decision.justification}, ip=ip)
    if tender.standstill_days:
        notify_group(_lot_bidders(lot.id), Phrase(
            "The standstill on lot %(lot)s of “%(title)s” has ended: the contract is concluded and the award notice "
            "published.", lot=lot.number, title=tender.title), link("tenders.tender_page", tender_id=tender.id))
    db.session.flush()
    return contract


def conclude_due(tender=None, now=None):
    """Conclude every decision (of the tender, or all) whose standstill has ended; returns how many."""
    statement = select(AwardDecision).where(AwardDecision.status == "standstill",
                                            AwardDecision.standstill_ends_at <= (now or utcnow()))
    if tender is not None:
        statement = statement.where(AwardDecision.tender_id == tender.id)
    # Locked, and skipped when another transaction (the worker, another reader) is concluding them already.
    due = list(db.session.scalars(statement.order_by(AwardDecision.standstill_ends_at, AwardDecision.id)
                                  .with_for_update(of=AwardDecision, skip_locked=True)))
    for decision in due:
        conclude(decision)
    return len(due)
