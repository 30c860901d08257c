"""The one search service: the customer search page, ticket-form suggestions, the agent's
article panel and the JSON API all call :func:`get_search`, so the same query gives the
same ranking everywhere; they differ only in filters, ``k`` and the side that is logged.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, replace
from html import unescape

from flask import current_app, url_for

from indexer import Document, Hit, IndexUnavailable, SearchEngine, SearchResults, make_plan
from indexer.chunking import chunk_document
from indexer.highlight import QueryMarks, remark
from portal.store import Article, ArticleStore

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500
MAX_RESULTS = 100
SIDES = ("customer", "form", "agent", "api", "email", "widget")
# A search answered while this node's worker builds (or repairs) the index.
INDEX_UNAVAILABLE = "the search index is being built; try again in a minute"


# Pasted queries carry invisible format characters (Unicode category Cf): bidi controls,
# byte order marks, soft hyphens, word joiners, ZWJ and ZWNJ. A zero-width space marks a
# break between words, so it counts as a space ("비밀번호\u200b재설정" searches as
# "비밀번호 재설정"); the others sit inside words and are dropped. ZWJ and ZWNJ shape emoji
# sequences and some scripts, but a search query loses nothing without them.
ZERO_WIDTH_SPACE = "\u200b"
_SPACES = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b]+")


def normalize_query(text: str | None) -> str:
    """Collapse whitespace and cut the query to :data:`MAX_QUERY_CHARS` characters.

    Control characters (C0 and C1) and the zero-width space count as whitespace; other
    invisible format characters are removed. None of them is searched, logged or shown on
    the dashboard, and a query of nothing else is empty.
    """
    text = text or ""
    if not text.isascii():  # ASCII has no format characters: analytics normalizes every row
        text = "".join(
            char for char in text if char == ZERO_WIDTH_SPACE or unicodedata.category(char) != "Cf"
        )
    return _SPACES.sub(" ", text).strip()[:MAX_QUERY_CHARS]


def to_document(article: Article) -> Document:
    """The indexer's view of an article."""
    return Document(
        id=article.id,
        locale=article.locale,
        title=article.title,
        body=article.body,
        category=article.category,
        tags=article.tags,
        visibility=article.visibility,
        content_hash=article.content_hash,
    )


def indexable(store: ArticleStore) -> list[Document]:
    """Every published article (public and internal): drafts are never indexed."""
    return [to_document(a) for a in store.list(include_internal=True)]


class SearchService:
    """Owns the SearchEngine of one app: opens it lazily, keeps it fresh, logs searches."""

    def __init__(self, store: ArticleStore, index_dir, embedder: str):
        self.store = store
        self.index_dir = index_dir
        self.plan = make_plan(embedder)  # a malformed setting fails here, at start-up
        self._engine: SearchEngine | None = None
        self.warmed = False
        self._lock = threading.Lock()

    @property
    def engine(self) -> SearchEngine:
        """The engine, created on first use (the embedding model loads lazily too)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = SearchEngine(self.index_dir, embedder=self.plan)
        return self._engine

    # What the first searches of a process pay for (models, Korean analysis, ONNX sessions,
    # per-locale caches): one query per locale in each language's words.
    WARM_UP_QUERIES = {
        "ko": ("비밀번호 재설정", "환불 언제 돼요"),
        "en": ("reset password", "refund"),
    }

    def warm_up(self) -> bool:
        """Open the index and load every locale's embedding model before the first search
        needs them; True when the engine answered (``/readyz`` reports it)."""
        try:
            for locale in self.store.locales:
                for query in self.WARM_UP_QUERIES.get(locale, ("warm up",)):
                    self.engine.search(query, locale=locale, k=3, glossary=self.store.glossary)
        except Exception:  # noqa: BLE001 - a cold start is slower, not broken
            log.exception("search warm-up failed")
            return False
        self.warmed = True
        return True

    # -- building ----------------------------------------------------------------

    def build(self, *, progress=None, only_if_stale: bool = False):
        """Build the index from the store; with ``only_if_stale``, sync changed articles only.

        Called by the CLI and by the worker (:mod:`portal.replication`), never by a request.
        """
        docs = indexable(self.store.load())
        if only_if_stale:
            return self.engine.sync(docs, progress=progress)
        return self.engine.build(docs, progress=progress)

    def index_article(self, article: Article) -> None:
        """Reindex one article in one locale (or drop it if it is no longer published)."""
        if article.status == "published":
            self.engine.upsert(to_document(article))
        else:
            self.engine.remove(article.id, article.locale)

    def remove_article(self, article_id: str, locale: str) -> None:
        """Drop one article in one locale from the index."""
        self.engine.remove(article_id, locale)

    # -- searching ---------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        locale: str,
        side: str = "customer",
        k: int = 10,
        offset: int = 0,
        category: str | None = None,
        include_internal: bool = False,
        cross_lingual: bool = True,
        record: bool = True,
    ) -> SearchResults:
        """Search published articles; internal ones only when ``include_internal``."""
        text = normalize_query(query)
        k = max(1, min(int(k), MAX_RESULTS))
        if not text:
            return SearchResults(
                query="", locale=locale, mode="hybrid", degraded=None, hits=(), total=0
            )
        try:
            results = self.engine.search(
                text,
                locale=locale,
                k=k,
                offset=max(0, int(offset)),
                category=category,
                include_internal=include_internal,
                cross_lingual=cross_lingual,
                glossary=self.store.glossary,
            )
        except IndexUnavailable as exc:
            # Never built here: this node's worker (index_catch_up) builds a missing or
            # damaged index; until then searches say so instead of failing the page.
            log.warning("search index unavailable: %s", exc)
            return SearchResults(
                query=text,
                locale=locale,
                mode="keyword",
                degraded=INDEX_UNAVAILABLE,
                hits=(),
                total=0,
            )
        results = self.marked(results)
        if record:
            record_search(text, locale, side, results)
        return results

    def marked(self, results: SearchResults) -> SearchResults:
        """``results`` with snippets marking what the query says, not everything the engine
        searched for (the rule: :mod:`indexer.highlight`)."""
        glossary = self.store.glossary
        marks: dict[str, QueryMarks] = {}
        hits = []
        for hit in results.hits:
            if hit.locale not in marks:
                equivalents = glossary.equivalents(results.query, hit.locale) if glossary else ()
                marks[hit.locale] = QueryMarks(results.query, hit.locale, equivalents)
            hits.append(replace(hit, snippet=remark(hit.snippet, marks[hit.locale])))
        return replace(results, hits=tuple(hits))

    def related(self, article: Article, k: int = 5) -> list[Hit]:
        """Nearest public articles to ``article`` in its own locale."""
        try:
            return self.engine.related(article.id, article.locale, k=k)
        except IndexUnavailable:
            return []


def record_search(query: str, locale: str, side: str, results: SearchResults) -> int | None:
    """Log the search and ask writers for translations the results had to borrow.

    The logged result count is of articles in the searcher's language: a Korean search
    answered only by English articles is a gap in the Korean content, and the analytics
    list it among searches without results. A translation is requested for the first
    result when it is borrowed (no native one was as close): borrowed articles are offered
    to nearly every query, so asking for each filled the writers' list with the same few
    articles (opening one asks too, see :func:`portal.help.feedback.record_opened`).
    Returns the log row's id, so the page can report which result was opened.
    """
    from portal.extensions import db
    from portal.models import SearchLog

    try:
        native = results.total - results.borrowed
        entry = SearchLog(query=query, locale=locale, side=side, result_count=native)
        db.session.add(entry)
        if results.hits and results.hits[0].cross_lingual:
            first = results.hits[0]
            request_translation(first.id, first.locale, locale, query)
        db.session.commit()
        return entry.id
    except Exception:  # noqa: BLE001 - analytics must never break a search
        db.session.rollback()
        log.exception("could not record a search")
        return None


def request_translation(article_id: str, source_locale: str, wanted_locale: str, query: str):
    """Ask writers to translate an article a reader needed (added to the session; the
    caller commits)."""
    from portal.extensions import db
    from portal.models import TranslationRequest

    db.session.add(
        TranslationRequest(
            article_id=article_id,
            source_locale=source_locale,
            wanted_locale=wanted_locale,
            query=query,
        )
    )


@dataclass(frozen=True)
class Passage:
    """The section a hit matched, as plain text: what an extractive answer quotes."""

    heading: str
    anchor: str
    text: str


def _plain_snippet(snippet: str) -> str:
    text = unescape(re.sub(r"</?mark>", "", snippet or ""))
    return text.strip("…").strip()


def matched_passage(hit: Hit, store: ArticleStore) -> Passage | None:
    """The chunk behind ``hit`` (its section's heading and full plain text), cut from the
    article the store holds the same way the index cut it (:func:`chunk_document`).

    A hit names its section by anchor; a long section is indexed as several pieces, and
    the one holding the hit's snippet is the matched one. None when the article changed
    since it was indexed so that the section is gone."""
    article = store.get(hit.id, hit.locale)
    if article is None:
        return None
    pieces = [c for c in chunk_document(to_document(article)) if c.anchor == hit.anchor]
    if not pieces:
        return None
    core = _plain_snippet(hit.snippet)[:80]
    chosen = next((c for c in pieces if core and core in c.text), pieces[0])
    return Passage(heading=chosen.heading, anchor=chosen.anchor, text=chosen.text)


def hit_url(hit: Hit, reader_locale: str, *, external: bool = False) -> str:
    """The article page a hit links to for a reader of ``reader_locale``, at the matching
    section (an article only written in another language shows there with a notice)."""
    return url_for(
        "help.article",
        locale=reader_locale,
        article_id=hit.id,
        _anchor=hit.anchor or None,
        _external=external,
    )


def get_search() -> SearchService:
    """The app's search service (the one accessor views use)."""
    return current_app.extensions["search"]


def get_store() -> ArticleStore:
    """The app's article store, reloaded when files changed on disk."""
    store: ArticleStore = current_app.extensions["article_store"]
    store.reload_if_changed()
    return store


def init_app(app) -> None:
    """Create the app's search service over its article store."""
    store = app.extensions["article_store"]
    app.extensions["search"] = SearchService(store, app.config["INDEX_DIR"], app.config["EMBEDDER"])
