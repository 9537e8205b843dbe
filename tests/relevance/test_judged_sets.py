"""The judged sets are sound: every key known, grades in range, languages and kinds from the fixed lists, sizes kept."""
from collections import Counter

import pytest

from bench.relevance_corpus import CORPORA, LANGUAGES, QUERY_KINDS, judged_set, problems, read

#: Fewer would make the figures too coarse to tell a better ranking from a worse one.
MINIMUM = {"listings": (400, 80), "tenders": (40, 20), "campaigns": (30, 20)}


@pytest.fixture(scope="module")
def organisations():
    return read("organisations.json")["organisations"]


@pytest.mark.parametrize("kind", sorted(CORPORA))
def test_a_judged_set_refers_only_to_what_it_holds(organisations, kind):
    assert problems(organisations, judged_set(kind)) == []


@pytest.mark.parametrize("kind", sorted(CORPORA))
def test_a_judged_set_is_large_enough(kind):
    judged = judged_set(kind)
    documents, queries = MINIMUM[kind]
    assert len(judged.documents) >= documents
    assert len(judged.queries) >= queries
    assert set(Counter(query["language"] for query in judged.queries)) == set(LANGUAGES)


def test_the_listing_queries_cover_every_kind_and_every_language_has_short_words():
    queries = judged_set("listings").queries
    assert {query["kind"] for query in queries} == set(QUERY_KINDS)
    short = Counter(query["language"] for query in queries if query["kind"] == "short_word")
    assert all(short[language] >= 5 for language in LANGUAGES)


def test_the_listing_corpus_has_every_kind_of_organisation(organisations):
    sellers = {listing["organisation"] for listing in judged_set("listings").documents}
    selling = [organisation for organisation in organisations if organisation["key"] in sellers]
    assert {organisation["legal_form"] for organisation in selling} == {
        "cooperative", "cooperative_federation", "cooperative_bank", "mutual", "sme", "large_enterprise", "ngo", "public_body"}
    assert {organisation["verification"] for organisation in selling} == {"unverified", "pending", "verified", "rejected"}
    assert {listing["language"] for listing in judged_set("listings").documents} == set(LANGUAGES)


def test_the_problems_of_a_broken_set_are_named(organisations):
    broken = judged_set("tenders")
    broken = type(broken)(broken.kind, broken.documents + [dict(broken.documents[0])], [
        {"id": "x", "text": "x", "language": "de", "kind": "guess", "judgements": {"nowhere": 3, broken.documents[0]["key"]: 5}},
    ], broken.api)
    found = problems(organisations, broken)
    assert f"tenders: key {broken.documents[0]['key']!r} used twice" in found
    assert "tenders query x: unknown language 'de'" in found
    assert "tenders query x: unknown kind 'guess'" in found
    assert "tenders query x: unknown key 'nowhere'" in found
    assert any("grade 5" in problem for problem in found)
