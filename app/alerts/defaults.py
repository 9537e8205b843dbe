"""A supplier's default alerts: for each member who sells for it (admins and sellers), one saved search of new tenders
and one of new requests for quotation in the CPV divisions of its active listings and the countries they deliver to
(its own country when a listing names none). Kept up to date as its listings are indexed, until the member changes
them; a member turns one off rather than deleting it.

The sync worker only queues the organisations whose listings it wrote (`queue_refresh`); the alert worker works out
their scopes (`refresh`), once for every request queued meanwhile: a co-operative uploading thousands of listings has
its scope read once it is indexed, not once per batch."""
import secrets

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from app.accounts.models import Membership, User
from app.alerts.models import MAX_SAVED_SEARCHES, SavedSearch
from app.alerts.services import reindex
from app.catalog.models import Listing, listing_delivery_countries
from app.database import upsert
from app.extensions import db
from app.i18n import language_or_default
from app.indexing import listeners, queue
from app.indexing.documents import ids_in
from app.models_base import utcnow
from app.orgs.models import Organization
from app.reference.models import CpvCode
from search import ALERT_KINDS

DEFAULT_KINDS = ("tenders", "rfqs")
#: The outbox kind of "refresh the default alerts of these organisations" (doc_id: the organisation's id).
TASK_KIND = "default-alerts"


def _name(kind, organization_name, language):
    with force_locale(language_or_default(language)):
        if kind == "tenders":
            return _("New tenders for %(name)s", name=organization_name)[:120]
        return _("New requests for quotation for %(name)s", name=organization_name)[:120]


def _scopes(organization_ids):
    """{organisation id: {"cpv_division": [...], "country": [...]}} from its active listings; one with none is left out
    (a supplier between seasons keeps the alerts of what it last sold)."""
    active = (Listing.organization_id.in_(organization_ids), Listing.status == "active")
    divisions, countries = {}, {}
    for organization_id, division in db.session.execute(
            select(Listing.organization_id, CpvCode.division).join(CpvCode, CpvCode.code8 == Listing.cpv_code8)
            .where(*active).distinct()):
        divisions.setdefault(organization_id, set()).add(division)
    for organization_id, country in db.session.execute(
            select(Listing.organization_id, listing_delivery_countries.c.country_code)
            .join(listing_delivery_countries, listing_delivery_countries.c.listing_id == Listing.id)
            .where(*active).distinct()):
        countries.setdefault(organization_id, set()).add(country)
    homes = dict(db.session.execute(select(Organization.id, Organization.country_code)
                                    .where(Organization.id.in_(organization_ids))).all())
    return {organization_id: {"cpv_division": sorted(found), "country": sorted(countries.get(organization_id)
                                                                              or {homes[organization_id]})}
            for organization_id, found in divisions.items()}


def queue_refresh(documents):
    """After listings are indexed: queue their organisations for the alert worker."""
    listeners.queue(db.session, TASK_KIND, sorted({document["organization"]["id"] for document in documents.values()}))


def queue_refresh_without(listing_ids):
    """After listings are removed from the index: queue their organisations for the alert worker."""
    organization_ids = db.session.scalars(select(Listing.organization_id).where(ids_in(Listing.id, listing_ids))
                                          .distinct())
    listeners.queue(db.session, TASK_KIND, sorted(organization_ids))


def refresh(organization_ids):
    """Make or update the default alerts of these organisations' selling members, from their active listings now."""
    scopes = _scopes(organization_ids)
    members = db.session.execute(
        select(Membership.user_id, Membership.organization_id, Organization.name, User.language)
        .join(Organization, Organization.id == Membership.organization_id).join(User, User.id == Membership.user_id)
        .where(Membership.organization_id.in_(list(scopes)), Membership.role.in_(("admin", "seller")),
               User.suspended_at.is_(None))).all()
    existing = {(row.user_id, row.organization_id, row.kind): row for row in db.session.scalars(
        select(SavedSearch).where(SavedSearch.is_default.is_(True), SavedSearch.organization_id.in_(list(scopes))))}
    kept = dict(db.session.execute(select(SavedSearch.user_id, func.count(SavedSearch.id)).where(
        SavedSearch.user_id.in_({member.user_id for member in members})).group_by(SavedSearch.user_id)).all())
    new_rows = []
    for user_id, organization_id, organization_name, language in members:
        for kind in DEFAULT_KINDS:
            query = scopes[organization_id]
            saved = existing.get((user_id, organization_id, kind))
            if saved is None:
                if kept.get(user_id, 0) >= MAX_SAVED_SEARCHES:
                    continue
                kept[user_id] = kept.get(user_id, 0) + 1
                new_rows.append({"user_id": user_id, "organization_id": organization_id, "kind": kind, "is_default": True,
                                 "name": _name(kind, organization_name, language), "query": query,
                                 "frequency": "immediately", "feed_token": secrets.token_urlsafe(32),
                                 "search_version": 1, "created_at": utcnow(), "updated_at": utcnow()})
            elif saved.customised_at is None and saved.query != query:
                saved.query = query
                reindex(saved)
    if new_rows:
        _add_defaults(new_rows)


def _add_defaults(rows):
    """Insert default alerts; one another sync worker made meanwhile is kept (ON CONFLICT on the default's unique
    index), and only those inserted here go to the percolator."""
    statement = upsert(SavedSearch).values(rows).on_conflict_do_nothing(
        index_elements=["user_id", "organization_id", "kind"], index_where=text("is_default")
    ).returning(SavedSearch.id, SavedSearch.kind)
    made = {}
    for saved_id, kind in db.session.execute(statement).all():
        made.setdefault(kind, []).append(saved_id)
    for kind, ids in made.items():
        queue(ALERT_KINDS[kind], ids)
