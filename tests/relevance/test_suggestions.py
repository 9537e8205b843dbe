""""Did you mean", judged on the judged listing set: a misspelt word that finds little gets the right word, and a short
word that is right in one of the three languages (miel, sal, lait, café) is never 'corrected' into another (mill, sol).

A correction is offered only when the words find fewer than 3 listings: 'cofee' finds the coffee through typo
tolerance, so it needs none."""
from bench.relevance_corpus import judged_set, load

#: what a buyer types -> the "did you mean" they should get (None: none)
SUGGESTIONS = {
    "fertlizer": "fertiliser",
    "aguacte": "aguacates",
    "confitture": "confiture",
    "refridgerated transport": "refrigerated transport",
    "cofee": None,
    "miel": None,
    "sal": None,
    "lait": None,
    "café": None,
}


def test_did_you_mean_on_the_judged_listings(app, client, search):
    with app.app_context():
        load(["listings"])
    assert len(judged_set("listings").documents) >= 400
    suggested = {text: client.get("/api/v1/search/listings", query_string={"q": text}).get_json()["suggestion"]
                 for text in SUGGESTIONS}
    assert suggested == SUGGESTIONS
