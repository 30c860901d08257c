"""Ranking metrics over one query: a ranked list of ids against graded relevance judgements.

Definitions follow trec_eval as used by BEIR (pytrec_eval): linear gain, ``log2(rank + 1)``
discount, ideal DCG from the judged documents; ids judged 0 or below are not relevant.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence


def _relevant(qrels: Mapping[str, int]) -> dict[str, int]:
    return {doc_id: grade for doc_id, grade in qrels.items() if grade > 0}


def ndcg_at_k(ranked: Sequence[str], qrels: Mapping[str, int], k: int = 10) -> float:
    """Normalized discounted cumulative gain of the first ``k`` results (0 when none judged)."""
    relevant = _relevant(qrels)
    if not relevant:
        return 0.0
    dcg = sum(
        relevant.get(doc_id, 0) / math.log2(rank + 1)
        for rank, doc_id in enumerate(ranked[:k], start=1)
    )
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(grade / math.log2(rank + 1) for rank, grade in enumerate(ideal, start=1))
    return dcg / idcg


def recall_at_k(ranked: Sequence[str], qrels: Mapping[str, int], k: int = 100) -> float:
    """Share of the relevant documents found in the first ``k`` results."""
    relevant = _relevant(qrels)
    if not relevant:
        return 0.0
    return len(relevant.keys() & set(ranked[:k])) / len(relevant)


def mrr(ranked: Sequence[str], qrels: Mapping[str, int], k: int | None = None) -> float:
    """Reciprocal rank of the first relevant result (within ``k`` when given), else 0."""
    relevant = _relevant(qrels)
    for rank, doc_id in enumerate(ranked[:k] if k else ranked, start=1):
        if doc_id in relevant:
            return 1.0 / rank
    return 0.0


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean (0 for no values)."""
    values = list(values)
    return sum(values) / len(values) if values else 0.0
