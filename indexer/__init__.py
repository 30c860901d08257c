"""The help center's search engine: per-locale keyword (Whoosh) and dense (FAISS) legs,
fused per locale. No Flask here: the web app, the CLI, tests and benchmarks all use it."""

from indexer.config import (
    DEFAULT_CROSS_LINGUAL,
    DEFAULT_KEYWORD,
    DEFAULT_SEARCH,
    CrossLingualConfig,
    KeywordConfig,
    SearchConfig,
)
from indexer.documents import BuildReport, Document, Hit, IndexUnavailable, SearchResults
from indexer.embeddings import Embedder, EmbedderPlan, make_embedder, make_plan
from indexer.engine import SearchEngine
from indexer.hybrid import DEFAULT_FUSION, FusionConfig

__all__ = [
    "DEFAULT_CROSS_LINGUAL",
    "DEFAULT_FUSION",
    "DEFAULT_KEYWORD",
    "DEFAULT_SEARCH",
    "CrossLingualConfig",
    "KeywordConfig",
    "SearchConfig",
    "BuildReport",
    "Document",
    "Embedder",
    "EmbedderPlan",
    "FusionConfig",
    "Hit",
    "IndexUnavailable",
    "SearchEngine",
    "SearchResults",
    "make_embedder",
    "make_plan",
]
