"""Read-only queries behind the campaign pages: the public list, an organisation's campaigns, and owners' donation lists.

Nothing here changes anything: the pages change campaigns through app.campaigns.services and app.campaigns.ledger.
"""
from dataclasses import dataclass

from sqlalchemy import func, select

from app.campaigns import services
from app.campaigns.models import Campaign, Donation
from app.extensions import db
from app.money import Money
from app.orgs.models import Organization

#: Donations the owners should look at: still waiting for Stripe, or reported with an amount that is not the donation's.
FLAGGED_STATUSES = ("pending", "review")


@dataclass(frozen=True)
class CampaignSummary:
    """What a list shows of a campaign: its progress against the goal (and the bar's width), and the days left."""

    campaign: Campaign
    progress: Money
    percent: int
    days_left: int


def summarise(campaigns):
    summaries = []
    for campaign in campaigns:
        progress = services.progress(campaign)
        percent = min(100, max(0, progress.minor * 100 // campaign.goal_minor)) if campaign.goal_minor else 0
        summaries.append(CampaignSummary(campaign, progress, percent, services.days_left(campaign)))
    return summaries


def public_campaigns_query():
    """Live campaigns of active organisations, the latest to go live first."""
    return (select(Campaign).join(Organization, Organization.id == Campaign.organization_id)
            .where(Campaign.status == "live", Organization.is_active.is_(True))
            .order_by(Campaign.published_at.desc(), Campaign.id.desc()))


def showcased_campaigns(organization):
    """What an organisation's public page shows: its campaigns past the draft (live, settled, closed), newest first."""
    if not organization.is_active:
        return []
    return db.session.scalars(select(Campaign).where(Campaign.organization_id == organization.id,
                                                     Campaign.status != "draft")
                              .order_by(Campaign.published_at.desc(), Campaign.id.desc())).all()


def organization_campaigns(organization_id):
    """Every campaign of the organisation, drafts included, newest first (for its members)."""
    return db.session.scalars(select(Campaign).where(Campaign.organization_id == organization_id)
                              .order_by(Campaign.created_at.desc(), Campaign.id.desc())).all()


def donations_query(campaign, status=None):
    """A campaign's donations in every state, the latest first (for its owners)."""
    statement = select(Donation).where(Donation.campaign_id == campaign.id)
    if status:
        statement = statement.where(Donation.status == status)
    return statement.order_by(Donation.created_at.desc(), Donation.id.desc())


def latest_donations(campaign, limit=10):
    return db.session.scalars(donations_query(campaign).limit(limit)).all()


def donation_counts(campaign_ids):
    """{campaign id: {status: number of donations}}."""
    counts = {campaign_id: {} for campaign_id in campaign_ids}
    if not counts:
        return counts
    rows = db.session.execute(select(Donation.campaign_id, Donation.status, func.count())
                              .where(Donation.campaign_id.in_(list(counts)))
                              .group_by(Donation.campaign_id, Donation.status)).all()
    for campaign_id, status, number in rows:
        counts[campaign_id][status] = number
    return counts
