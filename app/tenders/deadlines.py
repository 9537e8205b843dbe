"""Time to answer a tender after it changed (EU Directive 2014/24 art. 47(3)): a document replaced or a question
answered late must leave bidders at least six days before the deadline; if fewer remain, the deadline moves."""
import datetime as dt

from flask_babel import gettext as _
from marshmallow import ValidationError

from app.errors import ValidationFailed
from app.models_base import utcnow
from app.notices.phrases import Phrase

MIN_DAYS_LEFT = 6
MIN_TIME_LEFT = dt.timedelta(days=MIN_DAYS_LEFT)


def extended_deadline(deadline, now):
    """The deadline after a change made at `now`: unchanged when at least six days remain, else now plus six days."""
    floor = now + MIN_TIME_LEFT
    return floor if deadline < floor else deadline


def latest_clarification_deadline(deadline):
    """The latest a clarification deadline may be: six days before the bid deadline."""
    return deadline - MIN_TIME_LEFT


def clarification_deadline_problem(clarification_deadline, deadline, now=None):
    """Raise a field error (marshmallow's) when the clarification deadline is past, or later than the rule allows."""
    if clarification_deadline <= (now or utcnow()):
        raise ValidationError(_("Give a moment in the future."), "clarification_deadline")
    if deadline is not None and clarification_deadline > latest_clarification_deadline(deadline):
        raise ValidationError(_("At the latest %(days)s days before the deadline.", days=MIN_DAYS_LEFT),
                              "clarification_deadline")


def check_clarification_deadline(tender, now=None):
    """The tender's clarification deadline (if any) against its deadline and the present, as a domain field error."""
    if tender.clarification_deadline is None:
        return
    try:
        clarification_deadline_problem(tender.clarification_deadline, tender.deadline, now)
    except ValidationError as error:
        raise ValidationFailed(error.messages[0], {"clarification_deadline": error.messages}) from None


def keep_time_to_answer(tender, tell, now=None):
    """After a late change of a published, open tender, extend its deadline by the rule and `tell` (a function of a
    Phrase) the extension; True if the deadline moved."""
    now = now or utcnow()
    if tender.status != "published" or tender.is_past_deadline(now):
        return False
    deadline = extended_deadline(tender.deadline, now)
    if deadline == tender.deadline:
        return False
    tender.deadline = deadline
    tell(Phrase("The deadline of “%(title)s” was extended to %(deadline)s UTC, so that %(days)s days remain after a "
                "change.", title=tender.title, deadline=f"{deadline:%Y-%m-%d %H:%M}", days=MIN_DAYS_LEFT))
    return True
