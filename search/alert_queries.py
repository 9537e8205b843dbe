"""Saved searches as percolator queries, and documents as the percolator reads them.

A search looks for its words in a dozen analysed fields (title, description, CPV labels… each in three languages).
Parsing a new document into all of them, and pre-selecting stored queries over all their terms, was most of the
percolator's time. So the percolator indices hold the searchable text of a document in one field, `alert_text`, with
the same analyses (folded with the product synonyms at query time, and stemmed in English, French and Spanish); a
saved search's words are matched there; and the document percolated carries its text only there. A saved search's
words then match a document when enough of them are in its text under one analysis, as the search page's
cross_fields clause finds them."""
from search.campaign_queries import CAMPAIGN_TEXT_FIELDS
from search.mappings import ALERT_TEXT_FIELD
from search.queries import TEXT_FIELDS
from search.rfq_queries import RFQ_TEXT_FIELDS
from search.tender_queries import TENDER_TEXT_FIELDS

ALERT_TEXT = "alert_text"
LANGUAGES = tuple(ALERT_TEXT_FIELD["fields"])


def _paths(text_fields):
    """The document paths a search's text fields read ("title.en^2" reads "title"), in order, once each."""
    paths = []
    for name in text_fields:
        path = name.split("^")[0]
        head, _dot, last = path.rpartition(".")
        path = head if last in LANGUAGES else path
        if path not in paths:
            paths.append(path)
    return paths


#: kind of document -> the paths of its text that its search's words are looked for in.
TEXT_PATHS = {"listings": _paths(TEXT_FIELDS), "tenders": _paths(TENDER_TEXT_FIELDS), "rfqs": _paths(RFQ_TEXT_FIELDS),
              "campaigns": _paths(CAMPAIGN_TEXT_FIELDS)}


def alert_words(multi_match):
    """A search's multi_match as the percolator stores it: its words in `alert_text`, under any one analysis."""
    words = {"query": multi_match["query"]}
    if "minimum_should_match" in multi_match:
        words["minimum_should_match"] = multi_match["minimum_should_match"]
    fields = [ALERT_TEXT, *(f"{ALERT_TEXT}.{lang}" for lang in LANGUAGES)]
    return {"bool": {"should": [{"match": {field: dict(words)}} for field in fields], "minimum_should_match": 1}}


def alert_document(kind, document):
    """The document as the percolator reads it: its text (of TEXT_PATHS) moved into `alert_text`."""
    document = {name: dict(value) if isinstance(value, dict) else value for name, value in document.items()}
    text = []
    for path in TEXT_PATHS[kind]:
        head, _dot, last = path.rpartition(".")
        holder = document.get(head) if head else document
        value = holder.pop(last, None) if isinstance(holder, dict) else None
        if value:
            text.extend(value if isinstance(value, list) else [value])
    document[ALERT_TEXT] = text
    return document
