"""An embedder wrapper that keeps passage vectors on disk, so re-running a benchmark does
not re-embed a corpus (multilingual-e5-small on 2 cores: ~20 passages/s).

Vectors are stored per (model, namespace) as append-only ``.npz`` parts keyed by the
SHA-1 of the exact text embedded (query vectors apart, under ``<namespace>.queries-<variant>``:
e5 embeds a query and a passage of the same text differently); several processes may fill
the same cache at once.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from indexer import EmbedderPlan, make_embedder, make_plan
from indexer.embeddings import slug

DEFAULT_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "bench"
SAVE_EVERY = 256  # passages between two parts written to disk


def text_key(text: str) -> str:
    """The cache key of one embedded text."""
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class VectorStore:
    """Text hash -> vector for one (model, namespace), persisted as ``.npz`` parts."""

    def __init__(self, directory: Path | None):
        self.directory = Path(directory) if directory else None
        self.vectors: dict[str, np.ndarray] = {}
        if self.directory and self.directory.exists():
            for part in sorted(self.directory.glob("*.npz")):
                try:
                    with np.load(part, allow_pickle=False) as data:
                        self.vectors.update(
                            zip(data["keys"].tolist(), data["vectors"], strict=True)
                        )
                except (OSError, ValueError, KeyError):
                    continue  # a part being written by another process, or damaged: skip it

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        """Remember ``vectors`` and write them to a new part."""
        self.vectors.update(zip(keys, vectors, strict=True))
        if not self.directory or not keys:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{os.getpid()}"
        temporary = self.directory / f".{name}.tmp.npz"
        np.savez(temporary, keys=np.array(keys), vectors=np.asarray(vectors, dtype=np.float32))
        os.replace(temporary, self.directory / f"{name}.npz")


def stderr_progress(label: str) -> Callable[[int, int], None]:
    """A progress callback printing ``label done/total (rate/s)`` to stderr now and then."""
    started = time.perf_counter()
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - last[0] < 10:
            return
        last[0] = now
        rate = done / max(now - started, 1e-9)
        print(f"  {label}: {done}/{total} ({rate:.1f}/s)", file=sys.stderr, flush=True)

    return report


def caching_plan(spec: str, cache_dir: Path | None = DEFAULT_CACHE, label="embedding", **options):
    """The embedder plan of ``spec`` (see :func:`indexer.make_plan`), each model wrapped in
    a :class:`CachingEmbedder` (``options`` are passed to each)."""
    return make_plan(
        spec, make=lambda model: _caching(model, cache_dir, f"{label} ({model})", options)
    )


def _caching(model: str, cache_dir, label: str, options: dict):
    inner = make_embedder(model)  # built once; CachingEmbedder takes the object as it is
    return None if inner is None else CachingEmbedder(inner, cache_dir, label=label, **options)


def plan_counts(plan: EmbedderPlan) -> dict[str, float]:
    """Cache hits, misses, placeholders and embedding seconds summed over a plan's models."""
    models = plan.models().values()
    return {
        name: sum(getattr(model, name, 0) for model in models)
        for name in ("hits", "misses", "placeholder_count", "encode_seconds")
    }


class CachingEmbedder:
    """Wraps any embedder: passage vectors come from the disk cache, and so do query
    vectors when ``cache_queries`` (embed a query set in one call to fill it in batches).

    It keeps the wrapped model's ``name``, ``dimension``, ``languages`` and floors, so an
    index built through it is the index the site would build.
    """

    def __init__(
        self,
        spec,
        cache_dir: Path | None = DEFAULT_CACHE,
        namespace: str = "default",
        cache_queries: bool = True,
        label: str = "embedding",
        placeholders: bool = False,
    ):
        self.inner = make_embedder(spec)
        if self.inner is None:
            raise ValueError("CachingEmbedder needs a model, not keyword-only search")
        base = Path(cache_dir) / slug(self.inner.name) if cache_dir else None
        self.passages = VectorStore(base / slug(namespace) if base else None)
        variant = getattr(self.inner, "query_variant", "")
        queries = f"{slug(namespace)}.queries" + (f"-{variant}" if variant else "")
        self.queries = VectorStore(base / queries if base and cache_queries else None)
        self.cache_queries = cache_queries
        self.use_cache = True  # False: every passage is embedded (timing an update honestly)
        # True: passages missing from the cache get random unit vectors, never saved (speed
        # runs only: search time and memory do not depend on the values). Counted.
        self.placeholders = placeholders
        self.placeholder_count = 0
        self.label = label
        self.hits = 0
        self.misses = 0
        self.encode_seconds = 0.0

    def __getattr__(self, attribute):
        # name, dimension, languages, similarity_floor, cross_lingual_floor, ...
        return getattr(self.inner, attribute)

    @property
    def name(self) -> str:
        """The wrapped model's name (recorded in the index manifest)."""
        return self.inner.name

    @property
    def dimension(self) -> int:
        """The wrapped model's vector size."""
        return self.inner.dimension

    @property
    def languages(self) -> frozenset[str]:
        """The locales the wrapped model may rank."""
        return self.inner.languages

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors, from the cache when ``cache_queries``."""
        if not self.cache_queries:
            return self.inner.encode_queries(texts)
        return self._cached(self.queries, texts, self.inner.encode_queries, None)

    def encode_passages(self, texts: Sequence[str], progress=None) -> np.ndarray:
        """Passage vectors: cached ones read, the rest embedded and saved as they come."""
        if not self.use_cache:
            began = time.perf_counter()
            vectors = self.inner.encode_passages(texts)
            self.encode_seconds += time.perf_counter() - began
            self.misses += len(texts)
            return vectors
        if self.placeholders:
            return self._cached(self.passages, texts, self._placeholder_vectors, None, save=False)
        return self._cached(
            self.passages,
            texts,
            self.inner.encode_passages,
            progress or stderr_progress(self.label),
        )

    def _placeholder_vectors(self, texts: Sequence[str]) -> np.ndarray:
        self.placeholder_count += len(texts)
        rng = np.random.default_rng(len(texts))
        vectors = rng.standard_normal((len(texts), self.dimension)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def _cached(self, store: VectorStore, texts, encode, progress, save=True) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, int] = {}
        for row, key in enumerate(keys):
            vector = store.vectors.get(key)
            if vector is not None:
                out[row] = vector
            elif key not in missing:
                missing[key] = row
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        todo = list(missing.items())
        for start in range(0, len(todo), SAVE_EVERY):
            block = todo[start : start + SAVE_EVERY]
            began = time.perf_counter()
            vectors = encode([texts[row] for _, row in block])
            self.encode_seconds += time.perf_counter() - began
            if save:
                store.add([key for key, _ in block], vectors)
            else:
                store.vectors.update(zip([key for key, _ in block], vectors, strict=True))
            if progress:
                progress(min(start + SAVE_EVERY, len(todo)), len(todo))
        for row, key in enumerate(keys):
            if key in missing:
                out[row] = store.vectors[key]
        return out
