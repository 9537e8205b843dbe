"""Search relevance does not get worse: on each judged set, through the search API on the real engine, nDCG@10 stays at
or above and the junk rate at or below the figures recorded in baseline.json.

The figures are recorded deliberately (python bench/relevance.py --json tests/relevance/baseline.json), when a change
is meant to move them, and the commit says so; tests/relevance/README.md says how to judge new results."""
import json
from pathlib import Path

import pytest

from bench.relevance_corpus import CORPORA, judged_set, load, run_queries
from bench.relevance_metrics import figures

BASELINE = Path(__file__).with_name("baseline.json")
#: Float noise only: for one engine, corpus and configuration the figures are the same on every run and database.
TOLERANCE = 0.005


@pytest.fixture(scope="module")
def baseline():
    return json.loads(BASELINE.read_text(encoding="utf-8"))


def _explain(results, recorded):
    """The queries that lost nDCG@10 against the recorded scores, and results nobody has judged yet."""
    lines = []
    for result in sorted(results, key=lambda result: result.ndcg - recorded["queries"].get(result.query_id, 0)):
        before = recorded["queries"].get(result.query_id)
        if before is not None and result.ndcg < before - 1e-4:
            lines.append(f"  {result.query_id}: nDCG@10 {before:.3f} -> {result.ndcg:.3f}; junk in the top 10: {result.junk}")
    lines += [f"  {result.query_id}: not judged yet (counted as junk): {result.unjudged}" for result in results if result.unjudged]
    return "\n".join(lines)


@pytest.mark.parametrize("kind", sorted(CORPORA))
def test_relevance_is_no_worse_than_recorded(app, client, search, baseline, kind):
    assert app.config["SEARCH_COOPERATIVE_BOOST"] == baseline["cooperative_boost"], (
        "baseline.json was recorded with another cooperative boost: record it again with the configured default")
    with app.app_context():
        ids = load([kind])
    results = run_queries(client, judged_set(kind), ids[kind])
    recorded, now = baseline[kind], figures(results)
    overall = recorded["overall"]
    message = (f"{kind}: nDCG@10 {overall['ndcg@10']:.4f} -> {now.ndcg:.4f}, junk rate {overall['junk_rate']:.4f} -> "
               f"{now.junk_rate:.4f}\n{_explain(results, recorded)}")
    assert now.ndcg >= overall["ndcg@10"] - TOLERANCE, message
    assert now.junk_rate <= overall["junk_rate"] + TOLERANCE, message
