"""Refusals in the reader's language: the messages of schema and domain errors, turned into text as they leave the app.

Where the messages come from, and how each kind reaches the reader's language:

* Our own messages are marked where they are written: `_l()` (lazy) where they are defined when a module is imported
  (the `error=` of a validator, a field's `default_error_messages`), `_()` where they are raised during a request
  (`raise Conflict(_("…"))`, `raise ValidationError(_("…"), "field")`). Figures and names go in as named placeholders
  (`_("A %(current)s listing cannot become %(wanted)s.", current=label(...), ...)`), never into the message id.
* marshmallow's own messages ("Missing data for required field.", "Longer than maximum length 200.", "Must be one of:
  a, b.") and webargs' are English text made by marshmallow from its templates. Rather than replacing marshmallow's
  messages field by field, `localize` recognises them in the errors on their way out: `BUILTIN_MESSAGES` lists their
  templates (marked with `N_` so that `make translations` extracts them, with marshmallow's `{name}` fields written as
  `%(name)s`); a text that matches one is translated with the values it carried put back in its place.
  A few of Werkzeug's descriptions of HTTP errors (404, 405, …) and Flask-WTF's CSRF refusals are listed the same way.

`localize` is applied wherever errors become a response or a page: the JSON problem body and the HTML error page
(app.errors, where `DomainError.message` and `.fields` are localized when read), the fields of a WTForms form
(app.forms.attach_errors), the search pages' error boxes. It also turns every lazy string into a plain `str`, so an
error body is always serialisable. English (the default, and what the API answers without Accept-Language) is left
exactly as it was written.
"""
import re

from flask import current_app
from flask_babel import LazyString, force_locale, get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError


def N_(message):  # noqa: N802  (gettext's conventional name for "mark only")
    """Mark `message` for translation without translating it (pybabel extracts `N_` by default)."""
    return message


#: marshmallow's messages (marshmallow.fields.*.default_error_messages, marshmallow.Schema's, and the messages of the
#: validators in marshmallow.validate, the Range ones composed in full), webargs' "Invalid JSON body.", Werkzeug's
#: default descriptions of the HTTP errors a page may show and Flask-WTF's CSRF refusals. `%(name)s` stands for
#: marshmallow's `{name}`. A message missing here stays English; a new marshmallow version's wording is checked by
#: tests/test_error_translations.py.
BUILTIN_MESSAGES = (
    # marshmallow.fields.Field and marshmallow.Schema
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Invalid type."),
    # marshmallow.fields: one message per kind of value
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid integer."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid date."),
    N_("Not a valid time."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid URL."),
    N_("Not a valid email address."),
    # marshmallow.validate
    N_("Shorter than minimum length %(min)s."),
    N_("Longer than maximum length %(max)s."),
    N_("Length must be between %(min)s and %(max)s."),
    N_("Length must be %(equal)s."),
    N_("Must be greater than or equal to %(min)s."),
    N_("Must be greater than %(min)s."),
    N_("Must be less than or equal to %(max)s."),
    N_("Must be less than %(max)s."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than or equal to %(min)s and less than %(max)s."),
    N_("Must be greater than %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than %(min)s and less than %(max)s."),
    N_("Must be one of: %(choices)s."),
    N_("Must be equal to %(other)s."),
    N_("String does not match expected pattern."),
    N_("Invalid input."),
    # webargs
    N_("Invalid JSON body."),
    # werkzeug.exceptions: the descriptions shown for errors without a message of ours
    N_("The browser (or proxy) sent a request that this server could not understand."),
    N_("The server could not verify that you are authorized to access the URL requested. You either supplied the wrong "
       "credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials required."),
    N_("You don't have the permission to access the requested resource. It is either read-protected or not readable "
       "by the server."),
    N_("The requested URL was not found on the server. If you entered the URL manually please check your spelling and "
       "try again."),
    N_("The method is not allowed for the requested URL."),
    N_("The data value transmitted exceeds the capacity limit."),
    N_("The length of the requested URL exceeds the capacity limit for this server. The request cannot be processed."),
    # flask_wtf.csrf: why a form was refused (an expired page, mostly)
    N_("The CSRF token is missing."),
    N_("The CSRF session token is missing."),
    N_("The CSRF token has expired."),
    N_("The CSRF token is invalid."),
    N_("The CSRF tokens do not match."),
)

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(template):
    """'Longer than maximum length %(max)s.' → a regular expression matching the text marshmallow makes of it."""
    parts = _PLACEHOLDER.split(template)  # literal, name, literal, name, …, literal
    return re.compile("".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
                              for index, part in enumerate(parts)), re.DOTALL)


_EXACT = frozenset(message for message in BUILTIN_MESSAGES if not _PLACEHOLDER.search(message))
# The most specific template first: "Must be greater than or equal to %(min)s." before "Must be greater than %(min)s.",
# whose placeholder would otherwise swallow "or equal to 5".
_PATTERNS = tuple((message, _pattern(message)) for message in
                  sorted((m for m in BUILTIN_MESSAGES if m not in _EXACT), key=lambda m: -len(_PLACEHOLDER.sub("", m))))


def translate_builtin(text):
    """`text`, if marshmallow, webargs or Werkzeug made it from one of BUILTIN_MESSAGES, in the current language;
    any other text as it is."""
    if text in _EXACT:
        return _(text)
    for template, pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return _(template, **match.groupdict())
    return text


def _english():
    locale = get_locale()
    return locale is None or locale.language == "en"


def localize(messages):
    """`messages` (a text, a lazy string, or the lists and dicts of them found in `ValidationError.messages` and
    `DomainError.fields`) as plain `str` in the current language: lazy strings translated now, marshmallow's and
    webargs' messages through BUILTIN_MESSAGES, our own texts (translated when raised) kept. Keys and shape are kept
    (tuples become lists, as JSON has them)."""
    return _localize(messages, _english())


def _localize(messages, english):
    if isinstance(messages, dict):
        return {key: _localize(value, english) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [_localize(value, english) for value in messages]
    if isinstance(messages, LazyString):
        return str(messages)
    if isinstance(messages, str) and not english:
        return translate_builtin(messages)
    return messages


class LazyErrorMessages:
    """For our own fields whose `default_error_messages` (or `error_messages`) are lazy (`_l`): marshmallow formats and
    lists only `str` messages, so the message is made text, in the current language, when the error is raised."""

    def make_error(self, key, **kwargs):
        error = super().make_error(key, **kwargs)
        if isinstance(error.messages, LazyString):
            return ValidationError(str(error.messages).format(**kwargs))
        return error


# The languages of readers and recipients ---------------------------------------------------------------------------


def languages():
    return current_app.config["LANGUAGES"]


def language_or_default(language):
    """A user's stored language if the app still offers it, else English."""
    return language if language in languages() else "en"


def current_language():
    """The language of the current request (English outside one): what a new account or gift is written to in."""
    locale = get_locale()
    return language_or_default(locale.language if locale is not None else "en")


def in_language_of(person):
    """`with in_language_of(user):` writes what follows (a mail) in the person's language."""
    return force_locale(language_or_default(getattr(person, "language", None)))
