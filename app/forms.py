"""Form helpers: HTML forms are rendered by WTForms but validated by the same schemas as the API, and change things
through the same services."""
import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

from flask import flash
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from wtforms import SelectChoice, SelectField, StringField

from app.errors import DomainError
from app.extensions import db
from app.i18n import localize


def attach_errors(form, messages, prefix=""):
    """Put schema or domain field messages onto the matching form fields, as text in the reader's language (see
    app.i18n); returns the leftovers."""
    leftovers = []
    for name, value in localize(messages or {}).items():
        if isinstance(value, dict):
            leftovers += attach_errors(form, value, prefix=f"{prefix}{name}_")
            continue
        texts = value if isinstance(value, list) else [value]
        texts = [t for t in texts if isinstance(t, str)] or [str(value)]
        field = form._fields.get(f"{prefix}{name}") or form._fields.get(name)
        if field is None:
            leftovers += texts
        else:
            field.errors = list(field.errors or []) + texts
    return leftovers


def load_form(schema, payload, form):
    """Validate `payload` with `schema`; on failure mark the form's fields and return None."""
    try:
        return schema.load(payload)
    except ValidationError as error:
        form.form_errors = list(form.form_errors) + attach_errors(form, error.messages)
        return None


def as_int(text):
    """'12' → 12 so strict schema integers accept form input; anything else passes through to fail there."""
    text = (text or "").strip()
    if not text:
        return None
    digits = text.removeprefix("-")
    return int(text) if digits.isascii() and digits.isdecimal() else text


def options(pairs):
    """Select options from (value, label) pairs, or from bare values used as their own labels."""
    return [SelectChoice(*pair) if isinstance(pair, tuple) else SelectChoice(pair) for pair in pairs]


def country_options(blank=False):
    from app.reference.services import countries

    return options(([("", "—")] if blank else []) + [(c.iso2, c.name_en) for c in countries()])


def sdg_options():
    from app.reference.services import sdg_goals

    return options([(str(g.number), f"{g.number}. {g.short_en}") for g in sdg_goals()])


def attempt(change, success):
    """Run a change for a page; commit and flash `success`, or roll back and flash the rule that refused it. True if it
    went through."""
    try:
        change()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return False
    db.session.commit()
    flash(success, "success")
    return True


def show_refusal(form, error):
    """Roll back a change a service refused and show why on the form: at the fields it names, else above the form."""
    db.session.rollback()
    form.form_errors = list(form.form_errors) + (attach_errors(form, error.fields) or [error.message])


class DeadlineFields:
    """A deadline typed in a datetime-local input, in the time zone chosen beside it (see aware_moment)."""

    deadline = StringField(_l("Deadline"), render_kw={"type": "datetime-local"})
    timezone = SelectField(_l("Time zone of the deadline"), default="UTC")


def timezone_options():
    return options(["UTC", *sorted(zone for zone in available_timezones() if "/" in zone and not zone.startswith("Etc/"))])


def aware_moment(local, zone):
    """'2027-03-01T12:00' (a datetime-local input) read in `zone` → an ISO moment with its offset; anything unreadable is
    passed on as given, for the schema to refuse with its own message."""
    local = (local or "").strip()
    try:
        moment = dt.datetime.fromisoformat(local)
        return moment.replace(tzinfo=ZoneInfo(zone or "UTC")).isoformat() if moment.tzinfo is None else moment.isoformat()
    except (ValueError, KeyError):
        return local


def local_moment(moment, zone="UTC"):
    """The value of a datetime-local input showing `moment` in `zone`."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")
