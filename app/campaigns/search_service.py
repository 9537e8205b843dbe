"""Campaign search: from validated parameters to results a page or the API can show.

Whether a campaign is live is decided at the moment of the search, from its status and its deadline: the engine filters
on both, and the database confirms the campaigns of the page (one query), which also gives their progress: the running
figures change with every donation and are never indexed.
"""
import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.campaigns.models import Campaign
from app.campaigns.services import progress
from app.catalog.search_service import facet_labels, indexed_organization, labelled_facets
from app.extensions import db
from app.indexing import search_engine
from app.models_base import utcnow
from app.money import Money
from app.orgs.models import Organization
from search import CAMPAIGN_FACET_FIELDS, CampaignQuery

FUNDING_MODEL_LABELS = {"keep_it_all": _l("Keep it all"), "all_or_nothing": _l("All or nothing")}
#: How many campaigns the search page lists from the database when the engine cannot answer.
FALLBACK_SIZE = 12

#: What the page's campaigns are checked against: the database's state of each, and what its progress is made of.
_CURRENT = (
    Campaign.id, Campaign.status, Campaign.deadline, Campaign.goal_minor, Campaign.currency, Campaign.funding_model,
    Campaign.raised_minor, Campaign.refunded_minor, Campaign.matched_minor, Campaign.pledged_minor, Campaign.donors_count,
    Organization.is_active,
)


def build_query(params, now):
    """A CampaignQuery from the search schema's output; `now` decides which campaigns are live."""
    days = params["ending_within_days"]
    return CampaignQuery(
        at=now,
        text=params["q"],
        selections={name: tuple(params.get(name) or ()) for name in CAMPAIGN_FACET_FIELDS},
        live_only=params["status"] == "live",
        ending_before=None if days is None else now + dt.timedelta(days=days),
        sort=params["sort"],
        page=params["page"],
        per_page=params["per_page"],
    )


def hit_status(status, deadline, now):
    """What a hit says of a campaign past its draft: a live campaign whose deadline has passed has ended (it is settled
    by `flask campaigns close-due` shortly)."""
    if status == "live" and now >= deadline:
        return "ended"
    return status


def _hits(documents, query):
    """The page's campaigns as the database has them now (one query on their ids). The index lags behind the database by
    the worker's delay, longer when the engine was down: a campaign settled or past its deadline meanwhile is never
    offered as live."""
    ids = [document["campaign_id"] for document in documents]
    current = {}
    if ids:
        statement = select(*_CURRENT).join(Organization, Organization.id == Campaign.organization_id).where(Campaign.id.in_(ids))
        current = {row.id: row for row in db.session.execute(statement)}
    hits = []
    for document in documents:
        row = current.get(document["campaign_id"])
        if row is None or row.status == "draft" or not row.is_active:
            continue
        status = hit_status(row.status, row.deadline, query.at)
        if (query.live_only or query.ending_before is not None) and status != "live":
            continue
        if query.ending_before is not None and row.deadline > query.ending_before:
            continue
        hits.append({
            "id": row.id,
            "title": document["title"],
            "summary": document["summary"],
            "highlight": document.get("highlight"),
            "organization": indexed_organization(document["organization"]),
            "goal": Money(row.goal_minor, row.currency),
            "progress": progress(row),
            "donors_count": row.donors_count,
            "deadline": row.deadline,
            "published_at": dt.datetime.fromisoformat(document["published_at"]),
            "funding_model": row.funding_model,
            "status": status,
            "sdgs": document["sdgs"],
        })
    return hits


def _labels(locale):
    return {"sdg": facet_labels(locale)["sdg"],
            "funding_model": {model: str(label) for model, label in FUNDING_MODEL_LABELS.items()}}


def search_campaigns(params, locale="en"):
    """Run the search; raises search.SearchUnavailable when the engine cannot answer.

    The total leaves out the campaigns of the page the database no longer offers; the facet counts are the index's."""
    query = build_query(params, utcnow())
    found = search_engine().search_campaigns(query)
    items = _hits(found["items"], query)
    return {
        "total": found["total"] - (len(found["items"]) - len(items)),
        "page": params["page"],
        "per_page": params["per_page"],
        "items": items,
        "facets": labelled_facets(found["facets"], params, _labels(locale)),
    }


def ending_soonest(limit=FALLBACK_SIZE):
    """Live campaigns ending soonest, from the database, as hits: what the search page shows when the engine is down."""
    now = utcnow()
    statement = (
        select(Campaign).join(Campaign.organization)
        .where(Campaign.status == "live", Campaign.deadline > now, Organization.is_active.is_(True))
        .options(selectinload(Campaign.sdgs)).order_by(Campaign.deadline, Campaign.id).limit(limit)
    )
    return [{"id": campaign.id, "title": campaign.title, "summary": campaign.summary, "highlight": None,
             "organization": campaign.organization, "goal": campaign.goal, "progress": progress(campaign),
             "donors_count": campaign.donors_count, "deadline": campaign.deadline, "published_at": campaign.published_at,
             "funding_model": campaign.funding_model, "status": "live", "sdgs": [goal.number for goal in campaign.sdgs]}
            for campaign in db.session.scalars(statement)]
