"""Password rules that need no database: how hard a password is to guess (zxcvbn) and when a stored hash is outdated."""
from flask_babel import lazy_gettext as _l
from werkzeug.security import DEFAULT_PBKDF2_ITERATIONS
from zxcvbn import zxcvbn

#: zxcvbn's estimate (0–4) a password must reach: 3 is "safely unguessable" (about 10^10 guesses).
MINIMUM_SCORE = 3
#: zxcvbn refuses longer input and slows down on it; the first 72 characters decide (bcrypt's limit, as zxcvbn's).
ZXCVBN_MAX_LENGTH = 72

# zxcvbn's feedback, in English, marked here so that it is translated with our messages.
_FEEDBACK = {
    text: translated for text, translated in (
        ("Use a few words, avoid common phrases.", _l("Use a few words, avoid common phrases.")),
        ("No need for symbols, digits, or uppercase letters.", _l("No need for symbols, digits, or uppercase letters.")),
        ("Add another word or two. Uncommon words are better.", _l("Add another word or two. Uncommon words are better.")),
        ("Straight rows of keys are easy to guess.", _l("Straight rows of keys are easy to guess.")),
        ("Short keyboard patterns are easy to guess.", _l("Short keyboard patterns are easy to guess.")),
        ("Use a longer keyboard pattern with more turns.", _l("Use a longer keyboard pattern with more turns.")),
        ('Repeats like "aaa" are easy to guess.', _l('Repeats like "aaa" are easy to guess.')),
        ('Repeats like "abcabcabc" are only slightly harder to guess than "abc".',
         _l('Repeats like "abcabcabc" are only slightly harder to guess than "abc".')),
        ("Avoid repeated words and characters.", _l("Avoid repeated words and characters.")),
        ('Sequences like "abc" or "6543" are easy to guess.', _l('Sequences like "abc" or "6543" are easy to guess.')),
        ("Avoid sequences.", _l("Avoid sequences.")),
        ("Recent years are easy to guess.", _l("Recent years are easy to guess.")),
        ("Avoid recent years.", _l("Avoid recent years.")),
        ("Avoid years that are associated with you.", _l("Avoid years that are associated with you.")),
        ("Dates are often easy to guess.", _l("Dates are often easy to guess.")),
        ("Avoid dates and years that are associated with you.", _l("Avoid dates and years that are associated with you.")),
        ("This is a top-10 common password.", _l("This is a top-10 common password.")),
        ("This is a top-100 common password.", _l("This is a top-100 common password.")),
        ("This is a very common password.", _l("This is a very common password.")),
        ("This is similar to a commonly used password.", _l("This is similar to a commonly used password.")),
        ("A word by itself is easy to guess.", _l("A word by itself is easy to guess.")),
        ("Names and surnames by themselves are easy to guess.", _l("Names and surnames by themselves are easy to guess.")),
        ("Common names and surnames are easy to guess.", _l("Common names and surnames are easy to guess.")),
        ("Capitalization doesn't help very much.", _l("Capitalization doesn't help very much.")),
        ("All-uppercase is almost as easy to guess as all-lowercase.",
         _l("All-uppercase is almost as easy to guess as all-lowercase.")),
        ("Reversed words aren't much harder to guess.", _l("Reversed words aren't much harder to guess.")),
        ("Predictable substitutions like '@' instead of 'a' don't help very much.",
         _l("Predictable substitutions like '@' instead of 'a' don't help very much.")),
    )
}


def guessability_problems(password, user_inputs=()):
    """zxcvbn's warning and suggestions when the password scores below MINIMUM_SCORE; empty when it is hard to guess.

    `user_inputs` are words of the person (e-mail address, name) that make a password easier to guess for them."""
    words = []
    for text in user_inputs:
        text = (text or "").strip()
        if text:
            words += [text, *text.replace("@", " ").replace(".", " ").split()]
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=words, max_length=ZXCVBN_MAX_LENGTH)
    if result["score"] >= MINIMUM_SCORE:
        return []
    feedback = result["feedback"]
    texts = [text for text in (feedback.get("warning"), *feedback.get("suggestions", ())) if text]
    problems = [_FEEDBACK.get(text, text) for text in texts]
    return problems or [_l("This password is too easy to guess; add another word or two.")]


def hash_method(method):
    """The full method werkzeug writes before the first '$' of a hash made with `method` ('scrypt' → 'scrypt:32768:8:1')."""
    name, *args = (method or "").split(":")
    if name == "scrypt":
        defaults = ["32768", "8", "1"]
        return ":".join(["scrypt", *args, *defaults[len(args):]])
    if name == "pbkdf2":
        defaults = ["sha256", str(DEFAULT_PBKDF2_ITERATIONS)]
        return ":".join(["pbkdf2", *args, *defaults[len(args):]])
    return method


def needs_rehash(password_hash, method):
    """True when the stored hash was made with another method or other parameters than `method`."""
    stored, separator, _rest = (password_hash or "").partition("$")
    return not separator or hash_method(stored) != hash_method(method)
