"""Sentences kept as a catalogue id and values, written out in whichever language a reader or recipient has chosen.

A notice is stored as its `Phrase` (the English msgid and its named values), not as text: each member reads it in
their own language, and each mail is written in its recipient's. `make translations` extracts `Phrase("…")` like
`_("…")`. Values are names, numbers and dates already written out: they are not translated."""
from flask_babel import force_locale, gettext


class Phrase:
    """A catalogue sentence with its named values (strings and numbers, stored as JSON)."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid, **params):
        self.msgid = msgid
        self.params = {name: value if isinstance(value, int | float) else str(value) for name, value in params.items()}

    def text(self):
        """The sentence in the current language."""
        return written(self.msgid, self.params)

    def in_language(self, language):
        """The sentence in `language` (one of LANGUAGES)."""
        with force_locale(language):
            return self.text()

    __str__ = text

    def __repr__(self):
        return f"Phrase({self.msgid!r}, {self.params!r})"


def written(msgid, params):
    """A stored phrase in the current language."""
    return gettext(msgid, **params) if params else gettext(msgid)

