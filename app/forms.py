"""Form helpers: HTML forms are rendered by WTForms but validated by the same schemas as the API."""
from marshmallow import ValidationError
from wtforms import SelectChoice


def attach_errors(form, messages, prefix=""):
    """Put schema or domain field messages onto the matching form fields; returns the leftovers."""
    leftovers = []
    for name, value in (messages or {}).items():
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
