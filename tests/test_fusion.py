"""Fusion of the keyword and dense legs."""

from __future__ import annotations

import pytest

from indexer.hybrid import DEFAULT_FUSION, FusionConfig, fuse, minmax, rrf, weighted_minmax


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
    """Measured (README "Search quality"): kiwipiepy BM25 is the stronger Korean leg."""
    assert DEFAULT_FUSION.for_locale("ko").weight < DEFAULT_FUSION.for_locale("en").weight


def test_an_unknown_fusion_method_is_refused():
    with pytest.raises(ValueError, match="unknown fusion method"):
        fuse({"a": 1.0}, {}, FusionConfig(method="magic"))
