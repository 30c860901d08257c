"""The values that cross the engine's boundary: what goes in, what comes out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """One article in one locale, as the engine indexes it (``body`` is Markdown)."""

    id: str
    locale: str
    title: str
    body: str
    category: str = ""
    tags: tuple[str, ...] = ()
    visibility: str = "public"
    content_hash: str = ""

    @property
    def key(self) -> str:
        """Article id and locale: the unit of update."""
        return f"{self.id}|{self.locale}"

    @property
    def digest(self) -> str:
        """The caller's content hash, or one computed from the fields."""
        if self.content_hash:
            return self.content_hash
        parts = [self.id, self.locale, self.title, self.body, self.category, *self.tags]
        parts.append(self.visibility)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Hit:
    """One article in a result list, with its best-matching section as the snippet."""

    id: str
    locale: str
    title: str
    category: str
    snippet: str  # HTML-escaped, matched terms wrapped in <mark>
    heading: str
    anchor: str
    score: float
    visibility: str = "public"
    cross_lingual: bool = False


@dataclass(frozen=True)
class SearchResults:
    """What one search returns: the hits of the requested page and how they were ranked."""

    query: str
    locale: str
    mode: str  # "hybrid" | "keyword" | "dense"
    degraded: str | None
    hits: tuple[Hit, ...]
    total: int
    borrowed: int = 0  # of ``total``, articles from other locales (cross-lingual)


@dataclass(frozen=True)
class BuildReport:
    """What a build or sync changed."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    generation: int = 0
    repaired: tuple[str, ...] = ()  # damaged parts rebuilt (see indexer.parts)


class IndexUnavailable(RuntimeError):
    """No usable index: missing, corrupt, or built with another model."""

    def __init__(self, reason: str):
        super().__init__(f"{reason}; run `portal index build`")
        self.reason = reason
