"""The evaluation metrics give the textbook (trec_eval / BEIR) values on hand-made rankings."""

import math

import pytest

from bench.metrics import mean, mrr, ndcg_at_k, recall_at_k

RANKED = ["a", "b", "c", "d"]
GRADED = {"b": 1, "d": 2, "e": 1}  # "e" is relevant but never retrieved


def test_a_perfect_ranking_scores_one():
    assert ndcg_at_k(["d", "b", "e"], GRADED, 10) == pytest.approx(1.0)


def test_ndcg_uses_linear_gain_and_log2_discount():
    # DCG = 1/log2(3) + 2/log2(5) = 1.492283; IDCG = 2/1 + 1/log2(3) + 1/log2(4) = 3.130930
    assert ndcg_at_k(RANKED, GRADED, 4) == pytest.approx(1.492283 / 3.130930, abs=1e-6)
    assert ndcg_at_k(RANKED, GRADED, 4) == pytest.approx(0.476627, abs=1e-6)


def test_ndcg_cuts_both_the_ranking_and_the_ideal_at_k():
    # DCG@2 = 1/log2(3) = 0.630930; IDCG@2 = 2 + 1/log2(3) = 2.630930
    assert ndcg_at_k(RANKED, GRADED, 2) == pytest.approx(0.239812, abs=1e-6)


def test_one_relevant_document_at_rank_two_scores_one_over_log2_of_three():
    assert ndcg_at_k(["x", "y"], {"y": 1}, 10) == pytest.approx(1 / math.log2(3))


def test_documents_judged_zero_are_not_relevant():
    assert ndcg_at_k(["a", "b"], {"a": 0, "b": 1}, 10) == pytest.approx(0.630930, abs=1e-6)
    assert mrr(["a", "b"], {"a": 0, "b": 1}) == 0.5
    assert recall_at_k(["a"], {"a": 0, "b": 1}, 10) == 0.0


def test_recall_counts_relevant_documents_within_the_cutoff():
    assert recall_at_k(RANKED, GRADED, 3) == pytest.approx(1 / 3)
    assert recall_at_k(RANKED, GRADED, 4) == pytest.approx(2 / 3)
    assert recall_at_k(RANKED, GRADED, 100) == pytest.approx(2 / 3)


def test_mrr_is_the_reciprocal_rank_of_the_first_relevant_result():
    assert mrr(RANKED, GRADED) == 0.5
    assert mrr(RANKED, GRADED, k=1) == 0.0
    assert mrr(["c", "a", "d"], GRADED) == pytest.approx(1 / 3)


def test_a_query_without_relevant_documents_scores_zero_everywhere():
    assert ndcg_at_k(RANKED, {}, 10) == 0.0
    assert recall_at_k(RANKED, {"a": 0}, 10) == 0.0
    assert mrr([], GRADED) == 0.0


def test_mean_of_nothing_is_zero():
    assert mean([]) == 0.0
    assert mean([1.0, 0.5, 0.0]) == pytest.approx(0.5)


def test_recall_at_100_ignores_a_relevant_document_at_rank_101():
    ranked = [f"x{i}" for i in range(100)] + ["b"]
    assert recall_at_k(ranked, {"b": 1}, 100) == 0.0
    assert recall_at_k(ranked, {"b": 1}, 101) == 1.0


def test_a_query_missing_from_the_run_counts_as_zero_in_the_means():
    from bench.evaluate import score_run

    # q1: relevant "a" at rank 2 -> nDCG 1/log2(3), recall 1, MRR 1/2; q2: nothing retrieved.
    scores = score_run({"q1": ["z", "a"]}, {"q1": {"a": 1}, "q2": {"b": 1}})
    assert scores.queries == 2
    assert scores.ndcg10 == pytest.approx(0.630930 / 2, abs=1e-6)
    assert scores.recall100 == pytest.approx(0.5)
    assert scores.recall5 == pytest.approx(0.5)
    assert scores.mrr10 == pytest.approx(0.25)


def test_foreign_noise_counts_unhelpful_cross_lingual_results_in_the_first_five():
    from bench.evaluate import foreign_noise

    shown = {
        "q1": ["a", "b|foreign", "c|foreign", "d", "e", "f|foreign"],  # 2 in the first 5
        "q2": ["x|foreign", "y"],  # x is q2's answer: not noise
    }
    assert foreign_noise(shown, {"q1": {"a": 1}, "q2": {"x": 1}}) == 1.0
