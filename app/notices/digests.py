"""Digests: one mail per user gathering the notices and alerts they chose to receive daily (or weekly, for weekly
saved searches), written in their language. Items are deleted as their mail is queued, so a run sends what is new
since the last one, and running twice sends nothing twice."""
import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.accounts.models import User
from app.extensions import db
from app.i18n import language_or_default
from app.mail import link, unsubscribe
from app.mail.models import MailOutbox
from app.models_base import utcnow
from app.notices import preferences
from app.notices.kinds import KIND_LABELS
from app.notices.models import DigestItem, DigestRun
from app.notices.phrases import written

PERIODS = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7)}
#: Unsubscribing from a digest stops what feeds it: the notices' daily mode here, and each feature's own (a saved
#: search's daily or weekly alerts) through the functions they add.
STOPPING_DIGESTS = [preferences.stop_daily_mail]


@dataclass
class DigestResult:
    users: int = 0
    items: int = 0


def _write(user, frequency, items):
    """(subject, body) of one user's digest, in their language."""
    with force_locale(language_or_default(user.language)):
        subject = _("Coopex: your daily digest") if frequency == "daily" else _("Coopex: your weekly digest")
        lines = [_("Hello %(name)s, here is what happened since your last digest.", name=user.name), ""]
        for (kind, heading), group in groupby(items, key=lambda item: (item.kind, item.heading)):
            title = heading or str(KIND_LABELS[kind]).capitalize()
            lines += [title, "=" * len(title)]
            for item in group:
                lines.append(f"- {written(item.phrase, item.params or {})}")
                if item.link:
                    lines.append(f"  {item.link}")
            lines.append("")
        lines += ["-- ", _("Choose how Coopex tells you: %(settings)s\nStop these digests: %(unsubscribe)s",
                           settings=link("notices.preferences_page"), unsubscribe=unsubscribe.PLACEHOLDER)]
    return subject, "\n".join(lines)


def send_digests(frequency, batch=500):
    """Queue one digest mail for each user with items of `frequency`; commits after each batch of users."""
    result = DigestResult()
    after = 0
    while True:
        user_ids = list(db.session.scalars(select(DigestItem.user_id).where(
            DigestItem.frequency == frequency, DigestItem.user_id > after).group_by(DigestItem.user_id)
            .order_by(DigestItem.user_id).limit(batch)))
        if not user_ids:
            break
        users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
        items = db.session.scalars(select(DigestItem).where(DigestItem.frequency == frequency,
                                                            DigestItem.user_id.in_(user_ids))
                                   .order_by(DigestItem.user_id, DigestItem.kind, DigestItem.heading, DigestItem.id)).all()
        mails, now = [], utcnow()
        for user_id, group in groupby(items, key=lambda item: item.user_id):
            user = users[user_id]
            group = list(group)
            if user.suspended_at is None:
                subject, body = _write(user, frequency, group)
                mails.append({"recipient": user.email, "subject": subject[:300], "body": body, "created_at": now,
                              "unsubscribe_scope": "digest", "unsubscribe_ref": user.id})
                result.users += 1
                result.items += len(group)
        if mails:  # one multi-row INSERT per batch of users
            db.session.execute(MailOutbox.__table__.insert(), mails)  # Core: no ORM bookkeeping per row
        db.session.execute(delete(DigestItem).where(DigestItem.id.in_([item.id for item in items]))
                           .execution_options(synchronize_session=False))
        db.session.commit()
        after = user_ids[-1]
    return result


def due_frequencies(now=None):
    """The digests whose period has passed since they last went out (all of them the first time)."""
    now = now or utcnow()
    last = dict(db.session.execute(select(DigestRun.frequency, DigestRun.last_run_at)).all())
    return [frequency for frequency, period in PERIODS.items()
            if frequency not in last or last[frequency] + period <= now]


def run_due(now=None):
    """Send the digests that are due, and note when. Returns {frequency: DigestResult}."""
    done = {}
    for frequency in due_frequencies(now):
        done[frequency] = send_digests(frequency)
        run = db.session.get(DigestRun, frequency) or DigestRun(frequency=frequency)
        run.last_run_at = now or utcnow()
        db.session.add(run)
        db.session.commit()
    return done


def stop_digests(user_id):
    for stop in STOPPING_DIGESTS:
        stop(user_id)
    return _("You will no longer receive digests. Everything still appears in Coopex.")


unsubscribe.register("digest", lambda ref, _detail: stop_digests(ref), lambda ref, _detail: _("Stop your digests."))
