"""The keyword leg: one Whoosh index per locale, BM25 over a chunk's whole text plus its title.

Each chunk's title, heading and body are indexed together in one ``content`` field, and the
title once more on its own with a smaller weight. Measured on SciFact test (keyword only):
separate title/heading/body fields with boosts 3/2/1 gave nDCG@10 0.586; equal weights
0.650; one content field is as good and needs a third of the query clauses, which is what
makes long questions fast (Whoosh scores every clause of a disjunction).

Queries are built term by term from the locale's analyzer, never through Whoosh's query
parser, so user text such as ``AND OR * ~ ( "`` is just words. A query word missing from
the index vocabulary is expanded to the indexed words one edit away (typo tolerance).
"""

from __future__ import annotations

from pathlib import Path

from whoosh import index, scoring
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.query import And, Or, Term

from indexer.analyzers import analyzer_for, normalize_text
from indexer.chunking import Chunk
from indexer.documents import Document

FIELD_BOOSTS = {"content": 1.0, "title": 0.5, "tags": 1.0}
TEXT_FIELDS = ("content", "title")
MAX_QUERY_TERMS = 32
MAX_SCORED_TERMS = 16
FUZZY_MIN_LENGTH = 4


def schema_for(locale: str) -> Schema:
    """Chunk documents: filters as IDs, searchable text through the locale's analyzer."""
    analyzer = analyzer_for(locale)
    return Schema(
        key=ID(stored=True, unique=True),
        doc_key=ID(),
        category=ID(),
        visibility=ID(),
        tags=KEYWORD(lowercase=True, commas=True, scorable=True),
        title=TEXT(analyzer=analyzer),
        content=TEXT(analyzer=analyzer),
        ordinal=STORED(),
    )


def chunk_fields(doc: Document, chunk: Chunk) -> dict:
    """The Whoosh document of one chunk."""
    return {
        "key": chunk.key,
        "doc_key": doc.key,
        "category": doc.category or "",
        "visibility": doc.visibility,
        "tags": ",".join(doc.tags),
        "title": normalize_text(doc.title),
        "content": normalize_text(f"{doc.title}\n{chunk.heading}\n{chunk.text}"),
        "ordinal": chunk.ordinal,
    }


class KeywordIndex:
    """The Whoosh index of one locale inside one index generation."""

    def __init__(self, directory: Path, locale: str):
        self.directory = Path(directory)
        self.locale = locale
        self._index = None
        self._searcher = None

    # -- writing -----------------------------------------------------------------

    def create(self) -> None:
        """An empty index (the directory is new)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        index.create_in(str(self.directory), schema_for(self.locale))

    def write(self, add: list[tuple[Document, list[Chunk]]], remove: list[str]) -> None:
        """Delete the articles ``remove`` (doc keys) and add ``add``, in one commit."""
        if not self.directory.exists():
            self.create()
        ix = index.open_dir(str(self.directory))
        writer = ix.writer(limitmb=128)
        try:
            for doc_key in remove:
                writer.delete_by_term("doc_key", doc_key)
            for doc, chunks in add:
                for chunk in chunks:
                    writer.add_document(**chunk_fields(doc, chunk))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        finally:
            ix.close()

    # -- reading -----------------------------------------------------------------

    def open(self) -> None:
        """Open for searching; raises on a missing or corrupt index."""
        self._index = index.open_dir(str(self.directory))
        self._searcher = self._index.searcher(weighting=scoring.BM25F())

    def close(self) -> None:
        """Release file handles."""
        if self._searcher is not None:
            self._searcher.close()
        if self._index is not None:
            self._index.close()
        self._searcher = self._index = None

    def query_terms(self, text: str) -> list[str]:
        """The analysed words of a query, deduplicated, in order."""
        seen: dict[str, None] = {}
        for token in analyzer_for(self.locale)(normalize_text(text)):
            seen.setdefault(token.text, None)
        return list(seen)[:MAX_QUERY_TERMS]

    def rarest(self, terms: list[str]) -> list[str]:
        """At most ``MAX_SCORED_TERMS`` terms, the rarest first kept.

        Whoosh scores a disjunction in pure Python, so a pasted paragraph of 20 words costs
        seconds on a large index; its most common words barely move BM25 anyway.
        """
        if len(terms) <= MAX_SCORED_TERMS:
            return terms
        reader = self._searcher.reader()
        frequency = {term: reader.doc_frequency("content", term) for term in terms}
        keep = set(sorted(terms, key=lambda t: (frequency[t], terms.index(t)))[:MAX_SCORED_TERMS])
        return [term for term in terms if term in keep]

    def expand_typos(self, terms: list[str]) -> dict[str, list[str]]:
        """For words the index does not know, the indexed words one edit away."""
        reader = self._searcher.reader()
        expansions = {}
        for term in terms:
            if len(term) < FUZZY_MIN_LENGTH:
                continue
            if reader.doc_frequency("content", term):
                continue
            near = set(reader.terms_within("content", term, 1, prefix=1))
            if near:
                expansions[term] = sorted(near)[:4]
        return expansions

    def search(
        self,
        text: str,
        *,
        limit: int,
        include_internal: bool = False,
        category: str | None = None,
        tags: tuple[str, ...] | None = None,
    ) -> tuple[dict[str, float], set[str]]:
        """BM25F scores of the best chunks (chunk key -> score) and the matched terms."""
        if self._searcher is None:
            self.open()
        terms = self.rarest(self.query_terms(text))
        if not terms:
            return {}, set()
        expansions = self.expand_typos(terms)
        clauses, matched = [], set(terms)
        for term in terms:
            variants = [(term, 1.0)] + [(v, 0.8) for v in expansions.get(term, [])]
            for variant, weight in variants:
                matched.add(variant)
                for field in TEXT_FIELDS:
                    if FIELD_BOOSTS[field]:
                        clauses.append(Term(field, variant, boost=FIELD_BOOSTS[field] * weight))
            clauses.append(Term("tags", term.lower(), boost=FIELD_BOOSTS["tags"]))
        # Internal articles are few: masking them out is cheap, whereas a "public only"
        # filter would build the set of nearly every document on every query.
        mask = None if include_internal else Term("visibility", "internal")
        filters = []
        if category:
            filters.append(Term("category", category))
        if tags:
            filters.append(Or([Term("tags", t.lower()) for t in tags]))
        filter_query = And(filters) if len(filters) > 1 else (filters[0] if filters else None)
        results = self._searcher.search(Or(clauses), limit=limit, filter=filter_query, mask=mask)
        return {hit["key"]: float(hit.score) for hit in results}, matched

    def refresh(self) -> None:
        """Pick up commits made by this process since opening."""
        if self._searcher is not None:
            self._searcher = self._searcher.refresh()
