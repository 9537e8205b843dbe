"""What the one-click link of an alert stops: that saved search's mail (it stays, with its feed)."""
from flask_babel import gettext as _
from sqlalchemy import update

from app.alerts.models import SavedSearch
from app.extensions import db
from app.mail import unsubscribe
from app.notices import digests


def stop_search(saved_search_id, _detail=""):
    saved = db.session.get(SavedSearch, saved_search_id)
    if saved is None:
        return None
    saved.frequency = "off"
    return _("The alerts of “%(name)s” are off. Its feed keeps working; turn them on again from your saved searches.",
             name=saved.name)


def describe_search(saved_search_id, _detail=""):
    saved = db.session.get(SavedSearch, saved_search_id)
    return None if saved is None else _("Stop the alerts of your saved search “%(name)s”.", name=saved.name)


def stop_digested_searches(user_id):
    """Unsubscribing from digests turns off the saved searches that fed them."""
    db.session.execute(update(SavedSearch).where(SavedSearch.user_id == user_id,
                                                 SavedSearch.frequency.in_(("daily", "weekly"))).values(frequency="off"))


def register():
    unsubscribe.register("search", stop_search, describe_search)
    if stop_digested_searches not in digests.STOPPING_DIGESTS:
        digests.STOPPING_DIGESTS.append(stop_digested_searches)
