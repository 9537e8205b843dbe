"""Each user's choice, per kind of notice, of how it reaches them by mail (in the app it always does)."""
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.database import upsert
from app.errors import Forbidden
from app.extensions import db
from app.mail import unsubscribe
from app.notices.kinds import KIND_LABELS
from app.notices.models import KINDS, NotificationPreference

DEFAULT_MODE = "immediately"


def preferences_of(user):
    """{kind: mode} for every kind, the defaults filled in."""
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.mail)
                                     .where(NotificationPreference.user_id == user.id)).all())
    return {kind: chosen.get(kind, DEFAULT_MODE) for kind in KINDS}


def require_self(actor, user):
    """Only a person chooses how they are told (an admin of their organisation does not)."""
    if actor is None or not actor.is_authenticated or actor.id != user.id:
        raise Forbidden(_("You can only change your own notification settings."))


def set_preferences(actor, user, choices):
    """Set the modes given (`{kind: mode}`); kinds left out keep theirs. Returns every kind's mode."""
    require_self(actor, user)
    if choices:
        statement = upsert(NotificationPreference).values(
            [{"user_id": user.id, "kind": kind, "mail": mode} for kind, mode in choices.items()])
        db.session.execute(statement.on_conflict_do_update(index_elements=["user_id", "kind"],
                                                           set_={"mail": statement.excluded.mail}))
        db.session.flush()
    return preferences_of(user)


def stop_mail_of_kind(user_id, kind):
    """One-click unsubscribe from a kind: its mail stops (the notices stay in the app)."""
    if kind not in KINDS:
        return None
    statement = upsert(NotificationPreference).values(user_id=user_id, kind=kind, mail="off")
    db.session.execute(statement.on_conflict_do_update(index_elements=["user_id", "kind"], set_={"mail": "off"}))
    return _("You will no longer receive mail about %(kind)s. They still appear in Coopex.", kind=KIND_LABELS[kind])


def stop_daily_mail(user_id):
    """Unsubscribing from a digest: every kind gathered in it is no longer mailed."""
    db.session.execute(update(NotificationPreference).where(NotificationPreference.user_id == user_id,
                                                            NotificationPreference.mail == "daily").values(mail="off"))


unsubscribe.register(
    "kind", lambda ref, kind: stop_mail_of_kind(ref, kind),
    lambda ref, kind: _("Stop mail about %(kind)s.", kind=KIND_LABELS[kind]) if kind in KINDS else None)
