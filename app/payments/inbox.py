"""Stripe's verified events as an inbox: stored when they come (the webhook answers at once), applied in batches by
`flask payments apply`.

Storing: one INSERT … ON CONFLICT DO NOTHING on the event id, so a replay (or a second delivery racing the first) finds
the id taken and changes nothing.

Applying: a batch of due events is claimed (PostgreSQL: FOR UPDATE SKIP LOCKED, so several workers share the inbox;
SQLite: one worker at a time). The features that take money say what each event is about and which rows its effect
will lock; the batch is grouped by the rows they share (a campaign's), the groups taken in a fixed order, and each
group's rows are locked once, in the order a single payment takes them, before any of its events is applied — so two
workers never wait on each other in a circle. A group's events are then applied in the order they came, each recording
its outcome and applied_at in the transaction of its effect, under one savepoint, in the context the feature gives
(campaigns keep the group's rows in memory and write its changes at its end); if one of them fails, the group is
applied again event by event, each under its own savepoint, and only the failing one waits for its next try (1, 2, 4 …
60 s later, attempts counted, error kept): a poison event never blocks the others and costs one try a minute until
its cause is fixed (`flask payments status` lists it).
"""
import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import Callable

from flask import current_app
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models_base import utcnow
from app.payments.models import StripeEvent
from app.workers import backoff, claim


@dataclasses.dataclass(frozen=True)
class Receiver:
    """What a feature that takes money does with Stripe's events (app.campaigns.payment_events registers two)."""

    #: {event type: handler(thing, obj) → outcome}: applies the event to the thing and says what it did.
    handlers: dict
    #: obj → the thing the event's object is about, locked for the transaction (None: not this feature's).
    find: Callable
    #: obj → a short name of what it is about (`donation:42`), read from the object alone, stored with the event.
    about: Callable
    #: [names] → {name: (group, member)}: the rows a group of events shares (a campaign's) and the row of each (a
    #: donation's, or None), read without locking.
    group: Callable | None = None
    #: (group, [members]) → lock the group's rows, once for a batch, in the order a single event takes them; returns
    #: what was read of them, for `batch`.
    hold: Callable | None = None
    #: (what `hold` read, or None) → the context a group's events are applied in (the feature may keep their writes
    #: and make them at its end, inside the group's savepoint).
    batch: Callable | None = None


#: What each feature that takes money registered: payments imports no feature.
_RECEIVERS: list[Receiver] = []


def receive(find, handlers, about, group=None, hold=None, batch=None):
    """Register a feature's Stripe events (see Receiver)."""
    _RECEIVERS.append(Receiver(handlers, find, about, group, hold, batch))


# Storing ----------------------------------------------------------------------------------------------------------------

_events = StripeEvent.__table__
#: Built once per dialect: this is the webhook's whole hot path.
_STORE = {dialect.__name__.rsplit(".", 1)[-1]: dialect.insert(_events).on_conflict_do_nothing(index_elements=[_events.c.id])
          .returning(_events.c.id) for dialect in (postgresql, sqlite)}


def subject_of(event_type, obj):
    """What the first feature that uses this event type says the object is about (None if none knows)."""
    for receiver in _RECEIVERS:
        if event_type in receiver.handlers and (subject := receiver.about(obj)):
            return subject[:100]
    return None


def store(connection, event_id, event_type, obj, payload):
    """Keep a verified event (its body as Stripe signed it) on `connection` (Core: the webhook's whole hot path); False
    if its id is stored already (a replay)."""
    stored = connection.execute(_STORE[connection.dialect.name], {
        "id": event_id, "type": event_type, "subject": subject_of(event_type, obj), "payload": payload,
        "received_at": utcnow(), "attempts": 0})
    return stored.first() is not None


def waiting(subjects):
    """Whether an event about one of `subjects` is stored and not applied yet."""
    return db.session.scalar(select(_events.c.id).where(_events.c.applied_at.is_(None),
                                                        _events.c.subject.in_(subjects)).limit(1)) is not None


# Applying ---------------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ApplyResult:
    events: int = 0
    applied: int = 0
    failed: int = 0

    def add(self, other):
        self.events, self.applied, self.failed = (self.events + other.events, self.applied + other.applied,
                                                  self.failed + other.failed)


@dataclasses.dataclass
class _Event:
    id: str
    type: str
    subject: str | None
    attempts: int
    obj: dict | None


_DUE = select(_events.c.id, _events.c.type, _events.c.subject, _events.c.attempts, _events.c.payload).where(
    _events.c.applied_at.is_(None))
#: SQLite's write lock, taken by an UPDATE that changes nothing.
_WRITE_LOCK = _events.update().where(_events.c.id == "").values(attempts=0)
_APPLIED = _events.update().where(_events.c.id == bindparam("event_id")).values(
    applied_at=bindparam("now"), outcome=bindparam("what"), attempts=_events.c.attempts + 1, next_attempt_at=None)


def _object(payload):
    try:
        obj = json.loads(payload)["data"]["object"]
    except (ValueError, KeyError, TypeError):
        return None
    return obj if isinstance(obj, dict) else None


def _due(limit, ids):
    if ids is None:
        statement = _DUE.where(or_(_events.c.next_attempt_at.is_(None), _events.c.next_attempt_at <= utcnow()))
    else:
        statement = _DUE.where(_events.c.id.in_(ids))
    rows = claim(statement.order_by(_events.c.received_at, _events.c.id).limit(limit), _WRITE_LOCK).all()
    return [_Event(row.id, row.type, row.subject, row.attempts, _object(row.payload)) for row in rows]


def _no_batch(_held):
    return contextlib.nullcontext()


def _groups(events):
    """[(hold, batch, group, members, events)]: the batch split by the rows its events share, in a fixed order; events
    of no group last. Each group's events stay in the order they came."""
    placed = {}
    for receiver in _RECEIVERS:
        if receiver.group is None:
            continue
        names = sorted({e.subject for e in events if e.subject and e.type in receiver.handlers and e.id not in placed})
        found = receiver.group(names) if names else {}
        for event in events:
            if event.id not in placed and event.type in receiver.handlers and event.subject in found:
                placed[event.id] = (receiver.hold, receiver.batch or _no_batch, *found[event.subject])
    groups = {}
    for event in events:
        hold, batch, group, member = placed.get(event.id, (None, _no_batch, None, None))
        members, grouped = groups.setdefault((hold, batch, group), (set(), []))
        members.add(member)
        grouped.append(event)
    order = sorted(groups, key=lambda key: (key[0] is None, getattr(key[0], "__qualname__", ""), key[2] or 0))
    return [(*key, sorted(groups[key][0] - {None}), groups[key][1]) for key in order]


def dispatch(event_type, obj):
    """Hand an event's object to the first feature that knows what it is about; says what was done."""
    used = False
    for receiver in _RECEIVERS:
        handler = receiver.handlers.get(event_type)
        if handler is None:
            continue
        used = True
        thing = receiver.find(obj)
        if thing is not None:
            return handler(thing, obj)
    return "ignored: unknown payment" if used else f"ignored: {event_type} is not used"


def _apply(events):
    """Apply the events and record each one's outcome, in the caller's transaction."""
    outcomes = []
    for event in events:
        if event.obj is None:
            raise ValueError("The stored body is not a Stripe event.")
        outcomes.append({"event_id": event.id, "what": str(dispatch(event.type, event.obj))[:200]})
    now = utcnow()
    db.session.execute(_APPLIED, [{**outcome, "now": now} for outcome in outcomes])


def _try_later(event, error):
    attempts = event.attempts + 1
    db.session.execute(_events.update().where(_events.c.id == event.id).values(
        attempts=attempts, next_attempt_at=utcnow() + dt.timedelta(seconds=backoff(attempts)),
        error=f"{type(error).__name__}: {error}"[:2000]))


def apply_due(limit=200, ids=None):
    """Apply up to `limit` due events (or those of `ids` not applied yet, due or not); the caller commits."""
    events = _due(limit, ids)
    result = ApplyResult(events=len(events))
    for hold, batch, group, members, grouped in _groups(events):
        held = hold(group, members) if hold is not None else None  # outside the savepoints: held until the batch commits
        try:
            with db.session.begin_nested(), batch(held):
                _apply(grouped)
            result.applied += len(grouped)
            continue
        except Exception:  # noqa: BLE001 — one of them failed: each one alone, below, says which
            pass
        for event in grouped:
            try:
                with db.session.begin_nested(), batch(None):
                    _apply([event])
                result.applied += 1
            except Exception as error:  # noqa: BLE001 — kept for a later try; the others go on
                current_app.logger.exception("Stripe event %s (%s) could not be applied (attempt %s)", event.id,
                                             event.type, event.attempts + 1)
                _try_later(event, error)
                result.failed += 1
    return result


def apply_all(batch=200):
    """Apply due events, `batch` a transaction, until none is due; returns the summed result."""
    total = ApplyResult()
    while True:
        result = apply_due(batch)
        db.session.commit()
        total.add(result)
        if result.events < batch:
            return total


def status(failing=10):
    """{"waiting", "failing", "oldest"} and the `failing` events tried longest, with their errors."""
    waiting_rows = _events.c.applied_at.is_(None)
    count, oldest = db.session.execute(select(func.count(), func.min(_events.c.received_at)).select_from(_events)
                                       .where(waiting_rows)).one()
    failed = db.session.execute(select(_events.c.id, _events.c.type, _events.c.attempts, _events.c.error).where(
        waiting_rows, _events.c.attempts > 0).order_by(_events.c.attempts.desc(), _events.c.received_at).limit(failing)).all()
    failing_count = db.session.scalar(select(func.count()).select_from(_events).where(waiting_rows, _events.c.attempts > 0))
    return {"waiting": count, "failing": failing_count, "oldest": oldest, "failed": failed}
