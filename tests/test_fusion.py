"""Fusion of the keyword and dense legs."""

from __future__ import annotations

import pytest

from indexer.hybrid import (
    DEFAULT_FUSION,
    FusionConfig,
    cosine_above_floor,
    fuse,
    keyword_share,
    minmax,
    rrf,
    weighted_absolute,
    weighted_minmax,
)


def test_minmax_scales_each_leg_to_unit_range():
    assert minmax({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert minmax({"only": 7.0}) == {"only": 1.0}


def test_weighted_minmax_weights_the_dense_leg():
    keyword = {"a": 10.0, "b": 0.0}
    dense = {"a": 0.0, "b": 1.0}
    assert weighted_minmax(keyword, dense, 0.8)["b"] > weighted_minmax(keyword, dense, 0.8)["a"]
    assert weighted_minmax(keyword, dense, 0.2)["a"] > weighted_minmax(keyword, dense, 0.2)["b"]


def test_a_chunk_found_by_one_leg_only_still_counts():
    fused = weighted_minmax({"a": 3.0, "b": 1.0}, {"c": 0.9, "d": 0.5}, 0.5)
    assert set(fused) == {"a", "b", "c", "d"}


def test_rrf_rewards_agreement_between_legs():
    fused = rrf([["a", "b", "c"], ["b", "c", "a"]], k=60)
    assert max(fused, key=fused.get) == "b"
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)


def test_fusion_can_differ_per_locale():
    config = FusionConfig(method="minmax", weight=0.3, per_locale={"ko": ("rrf", 0.0)})
    assert config.for_locale("ko").method == "rrf"
    assert config.for_locale("ko-KR").method == "rrf"
    assert config.for_locale("en").weight == 0.3
    assert fuse({"a": 1.0}, {"b": 1.0}, config.for_locale("ko")) == rrf([["a"], ["b"]])


def test_the_shipped_default_trusts_korean_keywords_more():
    """Measured (docs/search-quality.md): kiwipiepy BM25 is the stronger Korean leg."""
    assert DEFAULT_FUSION.for_locale("ko").weight < DEFAULT_FUSION.for_locale("en").weight


ABSOLUTE = FusionConfig(method="absolute", weight=0.5)


def test_a_strong_dense_match_outranks_a_weak_keyword_only_match():
    """A rephrased question: one article shares a rare word or two (a small share of what
    the query could score), another matches its meaning closely with no shared word."""
    keyword = {"weak-words": 4.0}
    dense = {"meaning": 0.85, "weak-words": 0.55, "unrelated": 0.2}
    fused = fuse(keyword, dense, ABSOLUTE, keyword_max=20.0, dense_floor=0.3)
    assert max(fused, key=fused.get) == "meaning"
    # min-max fusion stretches the weak keyword leg to 1 and lets it win
    stretched = fuse(keyword, dense, FusionConfig(method="minmax", weight=0.5))
    assert max(stretched, key=stretched.get) == "weak-words"


def test_a_strong_keyword_match_keeps_its_weight_against_a_similar_cosine():
    """A claim repeating an article's words: close to the query's maximum BM25 score."""
    keyword = {"exact": 18.0, "loose": 2.0}
    dense = {"exact": 0.62, "loose": 0.66}
    fused = fuse(keyword, dense, ABSOLUTE, keyword_max=20.0, dense_floor=0.3)
    assert max(fused, key=fused.get) == "exact"


def test_the_keyword_leg_counts_as_a_share_of_the_query_maximum():
    assert keyword_share({"a": 5.0, "b": 20.0}, 20.0) == {"a": 0.25, "b": 1.0}
    assert keyword_share({"a": 5.0}, 0.0) == {"a": 0.0}


def test_cosines_under_the_model_floor_count_as_unrelated():
    scaled = cosine_above_floor({"close": 0.9, "edge": 0.3, "far": 0.1}, 0.3)
    assert scaled["close"] == pytest.approx(6 / 7)
    assert scaled["edge"] == 0.0 and scaled["far"] == 0.0


def test_absolute_fusion_does_not_depend_on_how_many_candidates_a_leg_returned():
    keyword = {"a": 9.0, "b": 6.0, "c": 1.0}
    dense = {"a": 0.5, "b": 0.7, "c": 0.2}
    deep = weighted_absolute(keyword, dense, 0.5, 12.0, 0.3)
    shallow = weighted_absolute({"a": 9.0, "b": 6.0}, {"a": 0.5, "b": 0.7}, 0.5, 12.0, 0.3)
    assert shallow == {key: deep[key] for key in shallow}
    # min-max does: dropping the worst candidate changes the others' fused scores
    assert weighted_minmax({"a": 9.0, "b": 6.0}, {"a": 0.5, "b": 0.7}, 0.5) != {
        key: weighted_minmax(keyword, dense, 0.5)[key] for key in ("a", "b")
    }


def test_an_unknown_fusion_method_is_refused():
    with pytest.raises(ValueError, match="unknown fusion method"):
        fuse({"a": 1.0}, {}, FusionConfig(method="magic"))
