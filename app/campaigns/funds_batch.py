"""The writes of app.campaigns.funds, and the group context the payments worker applies a campaign's Stripe events in.

Outside a group (settlement, pools, the demo) each money rule writes at once: single UPDATEs of the donation and of the
running figures (`x = x + n`), one INSERT of its ledger entries. While the worker applies a group of events about one
campaign (`applying`, inside the group's savepoint), the rows the rules read are held in memory instead — the donations
and active match pledges `funds.hold_campaign` locked and read in its one SELECT each, kept in step with every change —
and their writes are kept and made once at the group's end: the donations' UPDATEs and the figures' additions as
executemany, the ledger entries as one INSERT, then what was asked to follow them (the donors' mail, batched). If any
event of the group fails, nothing pending is written: the savepoint is rolled back and each event is applied again
alone, in a group of its own that writes at its end.
"""
import contextlib
import dataclasses
from contextvars import ContextVar

from sqlalchemy import bindparam
from sqlalchemy.orm.util import identity_key

from app.campaigns.models import Campaign, Donation, LedgerEntry, MatchPledge
from app.extensions import db

# The statements, built once (building one costs about as much as running it on the worker's path).
_donations, _ledger = Donation.__table__, LedgerEntry.__table__
_SET_DONATION = _donations.update().where(_donations.c.id == bindparam("held_id"))  # SET: the parameters given
_INSERT_ENTRIES = _ledger.insert()


def _adder(model, *names):
    """`UPDATE ... SET x = x + :add_x, ... WHERE id = :row_id` and its figures' names: running figures are only ever
    moved this way, in the transaction that writes the matching ledger entries."""
    table = model.__table__
    return table.update().where(table.c.id == bindparam("row_id")).values(
        {table.c[name]: table.c[name] + bindparam(f"add_{name}", type_=table.c[name].type) for name in names}), names


ADDERS = {Campaign: _adder(Campaign, "raised_minor", "matched_minor", "refunded_minor", "pledged_minor", "donors_count"),
          MatchPledge: _adder(MatchPledge, "matched_minor")}
#: The order a group writes its figures in: the order a single payment takes their rows' locks.
_FIGURES_ORDER = (MatchPledge, Campaign)


def expire(model, row_id):
    """Expire the session's copy of a row changed by a statement (it is read again when used)."""
    loaded = db.session.identity_map.get(identity_key(model, row_id))
    if loaded is not None:
        db.session.expire(loaded)


@dataclasses.dataclass
class Group:
    """What a group of events has read (kept in step with its changes) and what it has still to write."""

    #: {donation id: funds.HeldDonation}: the donations locked for the group, as its events left them.
    donations: dict = dataclasses.field(default_factory=dict)
    #: {campaign id: [funds.HeldPledge]}: the campaign's active pledges, locked, their figures as its events left them.
    pledges: dict = dataclasses.field(default_factory=dict)
    #: {donation id: {column: value}}: the donations' changes, merged.
    changes: dict = dataclasses.field(default_factory=dict)
    #: {(model, row id): {figure: amount to add}}.
    additions: dict = dataclasses.field(default_factory=dict)
    entries: list = dataclasses.field(default_factory=list)
    #: {callback: [items]}: called with its items once the rows are written (in the order first asked).
    followers: dict = dataclasses.field(default_factory=dict)

    def set_donation(self, donation_id, values):
        self.changes.setdefault(donation_id, {}).update(values)

    def add(self, model, row_id, deltas):
        _statement, names = ADDERS[model]
        if deltas.keys() - set(names):
            raise TypeError(f"{model.__name__} has no running figure {sorted(deltas.keys() - set(names))}")
        figures = self.additions.setdefault((model, row_id), dict.fromkeys(names, 0))
        for name, amount in deltas.items():
            figures[name] += amount

    def write(self, entries):
        self.entries.extend(entries)

    def pending_entries(self, donation_id, kind):
        """The ledger entries of the donation of this kind that are still to be written."""
        return [entry for entry in self.entries if entry["donation_id"] == donation_id and entry["kind"] == kind]

    def then(self, callback, item):
        self.followers.setdefault(callback, []).append(item)

    def flush(self):
        """Write what is pending, in one statement per kind of change, then call what follows the writes."""
        changes, additions, entries, followers = self.changes, self.additions, self.entries, self.followers
        self.changes, self.additions, self.entries, self.followers = {}, {}, [], {}
        by_columns = {}
        for donation_id, values in changes.items():
            by_columns.setdefault(frozenset(values), []).append({"held_id": donation_id, **values})
        for rows in by_columns.values():
            db.session.execute(_SET_DONATION, rows)
        for donation_id in changes:
            expire(Donation, donation_id)
        if entries:
            db.session.execute(_INSERT_ENTRIES, entries)
        for model in _FIGURES_ORDER:
            rows = [{"row_id": row_id, **{f"add_{name}": amount for name, amount in figures.items()}}
                    for (kind, row_id), figures in sorted(additions.items(), key=lambda item: item[0][1])
                    if kind is model and any(figures.values())]
            if rows:
                db.session.execute(ADDERS[model][0], rows)
                for row in rows:
                    expire(model, row["row_id"])
        for callback, items in followers.items():
            callback(items)


_current: ContextVar[Group | None] = ContextVar("coopex_funds_group", default=None)


def current():
    """The group being applied, or None: the money rules write at once."""
    return _current.get()


@contextlib.contextmanager
def applying(group=None):
    """Apply a group of events: the money rules read `group`'s held rows (a new, empty group if None) and keep their
    writes, made when the block ends without an error; after an error nothing is written."""
    group = Group() if group is None else group
    token = _current.set(group)
    try:
        yield group
    finally:
        _current.reset(token)
    group.flush()


@contextlib.contextmanager
def writing():
    """The current group, whose writes wait for its end; else a group written as soon as the block ends."""
    group = _current.get()
    if group is not None:
        yield group
        return
    group = Group()
    yield group
    group.flush()


def then(callback, item):
    """Call `callback([item, …])` once the changes made so far are written: at the group's end, or now."""
    with writing() as group:
        group.then(callback, item)
