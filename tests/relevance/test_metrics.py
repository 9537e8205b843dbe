"""The ranking metrics against examples worked out by hand."""
import math

import pytest

from bench.relevance_metrics import QueryResult, dcg, figures, figures_by, ndcg, precision


def result(query_id, ranked, judgements, total=None, language="en", kind="short_word"):
    return QueryResult(query_id, query_id, language, kind, tuple(ranked), len(ranked) if total is None else total, judgements)


def test_dcg_adds_exponential_gains_discounted_by_the_log_of_the_rank():
    # (2^3 - 1)/log2(2) + (2^0 - 1)/log2(3) + (2^2 - 1)/log2(4) = 7 + 0 + 3/2
    assert dcg([3, 0, 2]) == pytest.approx(8.5)
    assert dcg([]) == 0


def test_ndcg_divides_by_the_best_order_of_every_judged_grade():
    # Judged: 3, 3, 2, 1. Ideal DCG = 7/1 + 7/log2(3) + 3/log2(4) + 1/log2(5) = 7 + 4.41651 + 1.5 + 0.43068 = 13.34718
    # Shown: 3, 0, 2 -> DCG 8.5 (above); nDCG = 8.5 / 13.34718 = 0.63684
    assert ndcg([3, 0, 2], [3, 3, 2, 1]) == pytest.approx(0.63684, abs=1e-5)
    assert ndcg([3, 3, 2, 1], [1, 3, 2, 3]) == pytest.approx(1.0)


def test_ndcg_is_cut_at_ten_results():
    # Eleven exact matches judged, the eleventh shown first would not count: only the first ten results and the best ten
    # grades enter. Ten 3s shown in the first ten places is perfect.
    assert ndcg([3] * 10 + [0], [3] * 11) == pytest.approx(1.0)
    assert ndcg([0] + [3] * 10, [3] * 11) == pytest.approx(dcg([0] + [3] * 9) / dcg([3] * 10))


def test_the_engines_normalisation_cuts_the_ideal_order_at_the_results_returned():
    # One exact match returned of two judged: ours 7 / (7 + 7/log2(3)) = 7 / 11.41651 = 0.61314; the engine's: 7 / 7 = 1.
    assert ndcg([3], [3, 3]) == pytest.approx(0.61314, abs=1e-5)
    assert ndcg([3], [3, 3], depth=1) == pytest.approx(1.0)


def test_ndcg_is_zero_when_nothing_relevant_was_judged_or_found():
    assert ndcg([0, 0], [0, 0]) == 0
    assert ndcg([], [3, 2]) == 0


def test_precision_counts_good_and_exact_results_among_those_shown():
    assert precision([3, 2, 1, 0]) == pytest.approx(0.5)
    assert precision([1, 1, 0]) == 0
    assert precision([]) == 0
    assert precision([2] * 12) == 1  # only the first ten count


def test_a_query_result_grades_unjudged_results_as_junk_and_says_which_they_were():
    found = result("q", ["a", "b", "stray"], {"a": 3, "b": 0, "c": 2})
    assert found.grades == [3, 0, 0]
    assert found.junk == ["b", "stray"]
    assert found.unjudged == ["stray"]
    # Judged 3 and 2: ideal 7 + 3/log2(3) = 8.89279; shown 3, 0, 0: 7; nDCG = 0.78716
    assert found.ndcg == pytest.approx(7 / (7 + 3 / math.log2(3)))
    assert found.ndcg == pytest.approx(0.78716, abs=1e-5)


def test_figures_average_queries_and_count_junk_over_every_result_shown():
    results = [
        result("a", ["x", "y"], {"x": 3, "y": 0}),                   # nDCG 1.0 (ideal 3 first), P 1/2, 1 junk of 2
        result("b", ["z", "w", "v", "u"], {"w": 2}),                # nDCG 3/log2(3) / 3 = 0.63093, P 1/4, 3 junk of 4
        result("c", [], {"x": 3}, total=0, language="fr"),          # nothing found: nDCG 0, P 0, zero result
    ]
    overall = figures(results)
    assert overall.queries == 3
    assert overall.ndcg == pytest.approx((1 + 1 / math.log2(3) + 0) / 3)
    assert overall.precision == pytest.approx((0.5 + 0.25 + 0) / 3)
    assert overall.zero_result_rate == pytest.approx(1 / 3)
    assert overall.junk_rate == pytest.approx(4 / 6)
    assert overall.junk_rate_found == pytest.approx(4 / 6)  # no query found more than its first page
    assert overall.unjudged == 3
    by_language = figures_by(results, "language")
    assert list(by_language) == ["en", "fr"]
    assert by_language["fr"].zero_result_rate == 1
    assert by_language["fr"].junk_rate == 0


def test_junk_below_the_first_page_counts_only_in_the_junk_rate_of_all_found():
    # Ten exact matches fill the first page; two junk results follow on the second.
    judgements = {f"k{n}": 3 for n in range(10)}
    found = figures([result("a", [f"k{n}" for n in range(10)] + ["junk1", "junk2"], judgements)])
    assert found.ndcg == pytest.approx(1.0)
    assert found.junk_rate == 0
    assert found.junk_rate_found == pytest.approx(2 / 12)
    assert found.unjudged == 0  # only the first page is expected to be judged in full


def test_figures_of_no_queries_is_an_error_not_a_perfect_score():
    with pytest.raises(ValueError):
        figures([])
