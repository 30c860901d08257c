"""The dense leg: one FAISS inner-product index per locale over unit chunk vectors.

A chunk has one row, or several when its model embeds it in windows
(:mod:`indexer.windows`); its score is its best row's. The matrix (``<locale>.npy``) and its
row keys (``<locale>.keys.json``, a chunk key per row) are the stored truth; the FAISS index
is built from them when a generation is opened: exact search (``IndexFlatIP``; from
:data:`HALF_PRECISION_FROM` rows over 16-bit floats) up to :data:`APPROXIMATE_FROM` rows,
HNSW above.
"""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np

APPROXIMATE_FROM = 200_000
# The exact scan is bound by memory traffic: over 16-bit floats a scan of 50k vectors took
# 3.3 ms instead of 5.7 on one thread, with cosines within 1e-4 of fp32 (same top 10 for
# 98% of queries, the rest swapping near-ties). Small indexes stay exact.
HALF_PRECISION_FROM = 20_000
# One query at a time is searched; with FAISS's OpenMP team on both cores, competing with
# torch's still-spinning threads, a flat scan of 50k vectors took 11.5 ms instead of 3.8.
FAISS_THREADS = 1


class VectorIndex:
    """Chunk vectors of one locale."""

    def __init__(self, keys: list[str], matrix: np.ndarray):
        if matrix.ndim != 2 or len(keys) != matrix.shape[0]:
            raise ValueError("vector rows and keys disagree")
        self.keys = keys
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self.rows_of: dict[str, list[int]] = {}  # chunk key -> its rows, first one first
        for row, key in enumerate(keys):
            self.rows_of.setdefault(key, []).append(row)
        self._faiss = None

    @property
    def dimension(self) -> int:
        """Vector size."""
        return int(self.matrix.shape[1])

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def faiss_index(self):
        """The FAISS index over the matrix, built on first search."""
        if self._faiss is None:
            faiss.omp_set_num_threads(FAISS_THREADS)
            if len(self.keys) >= APPROXIMATE_FROM:
                index = faiss.IndexHNSWFlat(self.dimension, 32, faiss.METRIC_INNER_PRODUCT)
                index.hnsw.efSearch = 128
            elif len(self.keys) >= HALF_PRECISION_FROM:
                index = faiss.IndexScalarQuantizer(
                    self.dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
                )
            else:
                index = faiss.IndexFlatIP(self.dimension)
            if len(self.keys):
                index.add(self.matrix)
            self._faiss = index
        return self._faiss

    def nearest(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the ``k`` nearest vectors and their cosines, best first."""
        if not self.keys:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, len(self.keys))
        scores, rows = self.faiss_index.search(vector.reshape(1, -1).astype(np.float32), k)
        found = rows[0] >= 0
        return rows[0][found], scores[0][found]

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The chunk keys of the ``k`` nearest rows, each once with its best cosine."""
        rows, scores = self.nearest(vector, k)
        return list(self.best_per_chunk(rows, scores).items())

    def best_per_chunk(self, rows: np.ndarray, scores: np.ndarray) -> dict[str, float]:
        """Chunk key -> cosine of its best row among ``rows`` (best first)."""
        found: dict[str, float] = {}
        for row, score in zip(rows.tolist(), scores.tolist(), strict=True):
            found.setdefault(self.keys[row], score)
        return found

    def vector(self, key: str) -> np.ndarray | None:
        """The first stored vector of one chunk (its only one unless it has windows)."""
        rows = self.rows_of.get(key)
        return None if rows is None else self.matrix[rows[0]]

    def chunk_vectors(self, key: str) -> np.ndarray:
        """Every stored vector of one chunk (one per window)."""
        return self.matrix[self.rows_of.get(key, [])]

    def updated(self, remove_prefixes: set[str], keys: list[str], matrix: np.ndarray):
        """A new index without the chunks of ``remove_prefixes`` (doc keys) plus new rows."""
        keep = [
            i for i, key in enumerate(self.keys) if key.rsplit("|", 1)[0] not in remove_prefixes
        ]
        kept_keys = [self.keys[i] for i in keep]
        parts = [self.matrix[keep]] if keep else []
        if len(keys):
            parts.append(matrix)
        dimension = self.dimension if self.matrix.size else matrix.shape[1]
        merged = np.vstack(parts) if parts else np.zeros((0, dimension), dtype=np.float32)
        return VectorIndex(kept_keys + list(keys), merged)

    # -- files -------------------------------------------------------------------

    def save(self, directory: Path, locale: str) -> None:
        """Write the matrix and keys (the generation directory is not yet visible)."""
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / f"{locale}.npy", self.matrix)
        (directory / f"{locale}.keys.json").write_text(json.dumps(self.keys), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, locale: str) -> VectorIndex:
        """Read one locale's vectors; raises ValueError/OSError when the files are broken."""
        matrix = np.load(directory / f"{locale}.npy", allow_pickle=False)
        keys = json.loads((directory / f"{locale}.keys.json").read_text(encoding="utf-8"))
        if not np.isfinite(matrix).all():
            raise ValueError(f"non-finite values in {locale} vectors")
        return cls(keys, matrix)

    @classmethod
    def empty(cls, dimension: int) -> VectorIndex:
        """No rows yet."""
        return cls([], np.zeros((0, dimension), dtype=np.float32))
