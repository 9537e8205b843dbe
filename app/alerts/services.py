"""Saving searches: each person keeps their own (at most MAX_SAVED_SEARCHES), and only they may read or change them."""
import secrets

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, select

from app.alerts.models import MAX_SAVED_SEARCHES, SavedSearch
from app.alerts.queries import saved_parameters
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.indexing import queue
from app.models_base import utcnow
from search import ALERT_KINDS


def _require_person(actor):
    if actor is None or not actor.is_authenticated:
        raise Forbidden(_("Log in to save searches."))


def saved_searches_of(actor):
    """The actor's saved searches, newest first."""
    _require_person(actor)
    return list(db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == actor.id)
                                   .order_by(SavedSearch.id.desc())))


def get_saved_search(actor, saved_search_id):
    """One of the actor's saved searches; anyone else's is unknown (404)."""
    _require_person(actor)
    found = db.session.get(SavedSearch, saved_search_id)
    if found is None or found.user_id != actor.id:
        raise NotFound(_("No such saved search."))
    return found


def _checked_query(kind, raw):
    try:
        return saved_parameters(kind, raw)
    except ValidationError as error:
        raise ValidationFailed(_("This search cannot be saved."), {"query": error.messages}) from None


def reindex(saved_search):
    """The engine's percolator query follows the saved search (through the search outbox, in this transaction)."""
    saved_search.search_version = (saved_search.search_version or 0) + 1
    db.session.flush()
    queue(ALERT_KINDS[saved_search.kind], [saved_search.id])


def save_search(actor, kind, name, raw_query, frequency, *, organization_id=None, is_default=False):
    """Save a search of `kind` (its search API's parameters) for the actor."""
    _require_person(actor)
    query = _checked_query(kind, raw_query)
    kept = db.session.scalar(select(func.count(SavedSearch.id)).where(SavedSearch.user_id == actor.id))
    if kept >= MAX_SAVED_SEARCHES:
        raise Conflict(_("You already keep %(count)s saved searches: delete one first.", count=MAX_SAVED_SEARCHES),
                       code="too_many_saved_searches")
    saved = SavedSearch(user_id=actor.id, kind=kind, name=name.strip(), query=query, frequency=frequency,
                        organization_id=organization_id, is_default=is_default, feed_token=secrets.token_urlsafe(32),
                        search_version=0)
    db.session.add(saved)
    reindex(saved)
    return saved


def update_search(actor, saved_search, changes):
    """Rename it, change its parameters or how often it mails; a default alert changed becomes the member's own."""
    if saved_search.user_id != getattr(actor, "id", None):
        raise NotFound(_("No such saved search."))
    if "name" in changes:
        saved_search.name = changes["name"].strip()
    if "frequency" in changes:
        saved_search.frequency = changes["frequency"]
    if "query" in changes:
        saved_search.query = _checked_query(saved_search.kind, changes["query"])
    if saved_search.is_default and changes:
        saved_search.customised_at = utcnow()
    reindex(saved_search)
    return saved_search


def delete_search(actor, saved_search):
    """Delete a saved search (its alerts stop, its feed ends). A default alert is turned off instead, so that the app
    does not make it again."""
    if saved_search.user_id != getattr(actor, "id", None):
        raise NotFound(_("No such saved search."))
    if saved_search.is_default:
        raise Conflict(_("This is your organisation's default alert: turn it off instead of deleting it."),
                       code="default_alert")
    queue(ALERT_KINDS[saved_search.kind], [saved_search.id])
    db.session.delete(saved_search)
    db.session.flush()
