"""Joint bids: a group of organisations bids together, a lead and members, each with its declared share of the work.

The lead's share is given like every other: `members` lists the whole group, the lead (the bid's `organization_id`)
included, each with `share_percent` (a percent string, at most two decimals) — the shares sum to exactly 100. The lead's
submission confirms its own participation; every other member's admins or sellers confirm theirs before the deadline,
or the bid is not counted (app.tenders.evaluation). A group counts as a verified cooperative when verified
cooperatives hold at least 50 % of its shares. The group stays as submitted: replacing the bid changes its price and
terms, not its members.
"""
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.services import require_membership
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.mail import link
from app.models_base import utcnow
from app.notices.phrases import Phrase
from app.orgs.models import Organization
from app.tenders import evaluation, services
from app.tenders.evaluation import percent_text
from app.tenders.models import Bid, BidMember
from app.tenders.notifications import notify_group

WHOLE = 10_000  # 100 % in hundredths of a percent


class Group(NamedTuple):
    """A checked group: (organisation, share in hundredths of a percent), the lead first."""

    shares: tuple

    @property
    def cooperative_share(self):
        return sum(share for organization, share in self.shares if organization.is_cooperative and organization.verified)

    @property
    def is_cooperative(self):
        return evaluation.group_is_cooperative(self.cooperative_share)

    def bid_members(self, lot):
        """The BidMember rows of a new bid on the lot: the lead confirmed by its submission."""
        now = utcnow()
        return [BidMember(lot_id=lot.id, organization=organization, share_basis_points=share, is_lead=index == 0,
                          confirmed_at=now if index == 0 else None)
                for index, (organization, share) in enumerate(self.shares)]


def may_confirm_membership(user, organization):
    """Who confirms an organisation's participation in a joint bid: its admins and sellers (else Forbidden)."""
    return require_membership(user, organization, *services.SUPPLIER_ROLES)


def checked_group(tender, lead, members):
    """The group of `members` ([{"organization_id", "share_basis_points"}]) led by `lead`; field-level errors else."""
    errors, shares, seen = {}, [], set()
    for index, member in enumerate(members):
        organization = db.session.get(Organization, member["organization_id"])
        problem = None
        if organization is None or not organization.is_active:
            problem = _("Not an active organisation.")
        elif organization.id in seen:
            problem = _("This organisation is already in the group.")
        elif organization.id == tender.organization_id and organization.id != lead.id:  # the lead: submit_bid says
            problem = _("This organisation runs the tender.")
        if problem:
            errors[str(index)] = {"organization_id": [problem]}
            continue
        seen.add(organization.id)
        shares.append((organization, member["share_basis_points"]))
    if errors:
        raise ValidationFailed(_("Check the members of the joint bid."), {"members": errors})
    if lead.id not in seen:
        raise ValidationFailed(_("A joint bid lists its lead among its members, with the lead's own share."),
                               {"members": [_("Add the lead organisation (organization_id) with its share.")]})
    total = sum(share for _organization, share in shares)
    if total != WHOLE:
        raise ValidationFailed(_("The declared shares must sum to exactly 100 %."),
                               {"members": [_("The shares sum to %(total)s %%.", total=percent_text(total / 100))]})
    shares.sort(key=lambda pair: pair[0].id != lead.id)  # the lead first, the others as given
    return Group(tuple(shares))


def submit_bid(tender, lot, organization, fields):
    """A bid by one organisation, or (with `members`) a joint bid it leads: the other members are asked to confirm."""
    fields = dict(fields)
    members = fields.pop("members", None)
    if not members:
        return services.submit_bid(tender, lot, organization, fields)
    group = checked_group(tender, organization, members)
    bid = services.submit_bid(tender, lot, organization, fields, group=group)
    for member in bid.members[1:]:
        notify_group([member.organization_id], Phrase(
            "%(lead)s named your organisation in its joint bid on lot %(lot)s of “%(title)s”, with a share of "
            "%(share)s %%. Confirm your participation before the deadline, %(deadline)s UTC, or the bid does not count.",
            lead=organization.name, lot=lot.number, title=tender.title, share=percent_text(member.share_percent),
            deadline=f"{tender.deadline:%Y-%m-%d %H:%M}"), link("tenders.bid_group_page", bid_id=bid.id))
    return bid


def confirm_membership(actor, bid, organization_id):
    """A member's admin or seller confirms its participation in the joint bid, before the deadline; the lead is told."""
    member = next((member for member in bid.members if member.organization_id == organization_id), None)
    if member is None:
        raise NotFound(_("That organisation is not a member of this bid."),
                       {"organization_id": [_("Not a member of this joint bid.")]})
    may_confirm_membership(actor, member.organization)
    if bid.status != "submitted":
        raise Conflict(_("This bid is withdrawn."))
    services._require_open(bid.tender)
    if member.confirmed_at is None:
        member.confirmed_at, member.confirmed_by_id = utcnow(), actor.id
        notify_group([bid.organization_id], Phrase(
            "%(member)s confirmed its participation in your joint bid on lot %(lot)s of “%(title)s”.",
            member=member.organization.name, lot=bid.lot.number, title=bid.tender.title),
            link("tenders.bid_group_page", bid_id=bid.id))
    db.session.flush()
    return bid


def member_bids(tender, user):
    """Standing joint bids on the tender in which one of the user's organisations is a member but not the lead."""
    if not (user and user.is_authenticated):
        return []
    organization_ids = [membership.organization_id for membership in user.memberships]
    statement = (select(Bid).join(BidMember, BidMember.bid_id == Bid.id)
                 .where(Bid.tender_id == tender.id, Bid.status == "submitted", BidMember.is_lead.is_(False),
                        BidMember.organization_id.in_(organization_ids))
                 .distinct().order_by(Bid.lot_id, Bid.id))
    return list(db.session.scalars(statement))


def lot_groups(lot):
    """{bid id: [member organisation ids, the lead excluded]} for the lot's standing joint bids (one query)."""
    statement = (select(BidMember.bid_id, BidMember.organization_id).join(Bid, Bid.id == BidMember.bid_id)
                 .where(Bid.lot_id == lot.id, Bid.status == "submitted", BidMember.is_lead.is_(False)))
    groups = {}
    for bid_id, organization_id in db.session.execute(statement):
        groups.setdefault(bid_id, []).append(organization_id)
    return groups
