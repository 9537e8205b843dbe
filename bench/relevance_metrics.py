"""Ranking metrics over judged queries: nDCG@10, precision@10, junk rate and zero-result rate, per group.

Pure functions of plain values, so tests check them against hand-worked examples. Grades: 0 junk, 1 related, 2 good,
3 exactly what was asked. A result nobody judged counts as 0 (junk): the judged sets aim to grade every plausible
result, and an unjudged result in a top 10 is reported (`unjudged`) so a person can grade it.

- DCG@k = sum over the first k results of (2^grade - 1) / log2(rank + 1), rank counted from 1 (the gain and discount of
  the engine's own `_rank_eval` dcg metric).
- nDCG@k = DCG@k of the results / DCG@k of the ideal order of every grade judged for the query (0 when nothing was
  judged above 0): a query that misses good answers scores lower even if what it shows is good. (The engine's
  `_rank_eval` cuts the ideal order at the number of results returned instead; bench/relevance.py --check-engine
  compares the two on that footing.)
- precision@k = results graded RELEVANT (2) or more among the first k / results shown among the first k (at most k);
  0 when nothing was found (the definition of the engine's `_rank_eval` precision metric).
- junk rate = results graded 0 among the first k / results shown among the first k, over all queries of a group (queries
  that found nothing show no junk; they count in the zero-result rate).
- zero-result rate = queries that found nothing / queries.
- junk rate of all found = results graded 0 among everything the queries found (each query's first MAX_RESULTS), over
  all queries: junk a buyer sees when paging on, and what typo expansion lets in below a full first page.
"""
import math
from dataclasses import dataclass

K = 10
#: How many results of each query are read (the search API's largest page): the junk rate of all found counts them.
MAX_RESULTS = 100
#: The lowest grade that counts as relevant for precision: 2, "good".
RELEVANT = 2
GRADES = (0, 1, 2, 3)


def dcg(grades, k=K):
    """Discounted cumulative gain of grades in ranked order."""
    return sum((2 ** grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(grades[:k], start=1))


def ndcg(grades, judged, k=K, depth=None):
    """DCG of the ranked grades over the DCG of the best possible order of every judged grade.

    The ideal order is cut at k; `depth` cuts it at fewer results: the engine's `_rank_eval` cuts it at the number of
    results the query returned, so a query that finds one exact match and misses nine scores 1.0 there (and 0.39 here
    when ten exact matches were judged)."""
    ideal = dcg(sorted(judged, reverse=True), min(k, k if depth is None else depth))
    return dcg(grades, k) / ideal if ideal else 0.0


def precision(grades, k=K, relevant=RELEVANT):
    """Share of the results shown (at most k) graded `relevant` or more; 0 when nothing was shown."""
    shown = grades[:k]
    return sum(grade >= relevant for grade in shown) / len(shown) if shown else 0.0


@dataclass(frozen=True)
class QueryResult:
    """One judged query as the engine answered it: its results as corpus keys (the first MAX_RESULTS), and how many it
    found."""

    query_id: str
    text: str
    language: str
    kind: str
    ranked: tuple
    total: int
    judgements: dict

    @property
    def grades(self):
        return [self.judgements.get(key, 0) for key in self.ranked[:K]]

    @property
    def ndcg(self):
        return ndcg(self.grades, list(self.judgements.values()))

    @property
    def precision(self):
        return precision(self.grades)

    @property
    def junk(self):
        """Keys among the first k results graded 0 (or not judged)."""
        return [key for key in self.ranked[:K] if self.judgements.get(key, 0) == 0]

    @property
    def junk_found(self):
        """Keys among all the results read graded 0 (or not judged)."""
        return [key for key in self.ranked if self.judgements.get(key, 0) == 0]

    @property
    def unjudged(self):
        return [key for key in self.ranked[:K] if key not in self.judgements]


@dataclass(frozen=True)
class Figures:
    queries: int
    ndcg: float
    precision: float
    zero_result_rate: float
    junk_rate: float
    junk_rate_found: float
    unjudged: int

    def as_dict(self):
        return {"queries": self.queries, "ndcg@10": round(self.ndcg, 4), "precision@10": round(self.precision, 4),
                "zero_result_rate": round(self.zero_result_rate, 4), "junk_rate": round(self.junk_rate, 4),
                "junk_rate_found": round(self.junk_rate_found, 4), "unjudged": self.unjudged}


def figures(results):
    """The figures of a group of query results (means over its queries; junk over every result shown)."""
    results = list(results)
    if not results:
        raise ValueError("no query results to summarise")
    shown = sum(len(result.ranked[:K]) for result in results)
    junk = sum(len(result.junk) for result in results)
    found = sum(len(result.ranked) for result in results)
    return Figures(
        queries=len(results),
        ndcg=sum(result.ndcg for result in results) / len(results),
        precision=sum(result.precision for result in results) / len(results),
        zero_result_rate=sum(result.total == 0 for result in results) / len(results),
        junk_rate=junk / shown if shown else 0.0,
        junk_rate_found=sum(len(result.junk_found) for result in results) / found if found else 0.0,
        unjudged=sum(len(result.unjudged) for result in results),
    )


def figures_by(results, attribute):
    """{value of `attribute` (language, kind): Figures}, in the order the values first appear sorted by name."""
    groups = {}
    for result in results:
        groups.setdefault(getattr(result, attribute), []).append(result)
    return {value: figures(group) for value, group in sorted(groups.items())}


def report(results):
    """Overall figures, per language, per kind, and each query's nDCG@10, as plain data (what --json writes and
    baseline.json holds: the per-query scores say which queries a change made better or worse)."""
    return {
        "overall": figures(results).as_dict(),
        "language": {value: group.as_dict() for value, group in figures_by(results, "language").items()},
        "kind": {value: group.as_dict() for value, group in figures_by(results, "kind").items()},
        "queries": {result.query_id: round(result.ndcg, 4) for result in results},
    }
