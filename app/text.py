"""Text helpers shared by features."""
import unicodedata


def fold(text):
    """Lower-case text without accents, for accent-insensitive matching in the database."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
