"""The keyword leg: one Whoosh index per locale, BM25 over a chunk's whole text plus its title.

Each chunk's title, heading and body are indexed together in one ``content`` field, and the
title once more on its own with a smaller weight. Measured on SciFact test (keyword only):
separate title/heading/body fields with boosts 3/2/1 gave nDCG@10 0.586; equal weights
0.650; one content field is as good and needs a third of the query clauses, which is what
makes long questions fast (Whoosh scores every clause of a disjunction). The title's own
weight, measured with the hybrid ranking (absolute fusion 0.5, mean nDCG@10 of SciFact train
and StackFAQ's tuning half): 0 0.8499, 0.125 0.8501, 0.25 0.8499, 0.5 0.8492, 1.0 0.8431 —
a tie below 0.5. Lower weights help SciFact (test hybrid 0.716 -> 0.723 at 0.25) and cost
the help-center-like sets, whose titles are the questions: keyword-only StackFAQ 0.888 ->
0.877, e5 hybrid StackFAQ 0.945 -> 0.940, the Korean sample-article questions 1.000 -> 0.985.
0.5 stays: the tie is broken for the content the product serves.

Queries are built term by term from the locale's analyzer, never through Whoosh's query
parser, so user text such as ``AND OR * ~ ( "`` is just words. A query word missing from
the index vocabulary is expanded to the indexed words one edit away (typo tolerance); a
Korean word to those one jamo away (:mod:`indexer.typos`).

Whoosh analyses and writes the index; the query's clauses are scored with Whoosh's BM25F by
:class:`indexer.termmatrix.TermMatrix`, kept beside the index, which also holds the
vocabulary the typo variants are looked up in (Whoosh's ``terms_within`` walked the term
file in pure Python: 56 ms per unknown word at 10k articles).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from whoosh import index
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from indexer.analyzers import (
    analyzer_for,
    base_locale,
    dictionary_forms,
    misread_by_kiwi,
    normalize_text,
    whole_terms,
)
from indexer.chunking import Chunk
from indexer.config import DEFAULT_KEYWORD, KeywordConfig
from indexer.documents import Document
from indexer.generations import ChunkRecord
from indexer.termmatrix import SCORED_FIELDS, TermMatrix, chunk_terms
from indexer.typos import HANGUL_WORD, HangulTypos, one_edit_away

TEXT_FIELDS = ("content", "title")
# Tuned values (field boosts, term caps, typo lookup, the glossary's weight) are a
# KeywordConfig (indexer/config.py) with the measurements that chose them.


class KeywordHits(NamedTuple):
    """What one keyword search found."""

    scores: dict[str, float]  # chunk key -> BM25F, best first
    # To mark in snippets: the query's terms, their typo variants, related phrases whole.
    matched: set[str]
    ceiling: float  # the most a chunk could score: each term saturated in every field
    # Typed words the analyzer lost ("환블") -> the indexed word each most likely means.
    corrections: dict[str, str] = {}  # shared default, never mutated


def correct(text: str, corrections: dict[str, str]) -> str:
    """``text`` with each word of ``corrections`` written as the word it means ("환블 언제
    돼요" -> "환불 언제 돼요"), for the embedding model, which reads a typo as another word."""
    if not corrections:
        return text
    pattern = "|".join(re.escape(word) for word in sorted(corrections, key=len, reverse=True))
    return re.sub(pattern, lambda match: corrections[match.group(0)], normalize_text(text))


@contextmanager
def analysed_once(schema: Schema):
    """Let the term matrix reuse the analysis Whoosh's writer has just done: inside, each
    scored field of ``schema`` keeps its last results until they are asked for once more.
    Korean morpheme analysis is most of a build's time. The schema is pickled at commit, so
    the plain methods are back before that."""
    fields = [schema[name] for name in SCORED_FIELDS]
    for field in fields:
        field.index = _remembering(field.index)
    try:
        yield
    finally:
        for field in fields:
            del field.index


def _remembering(analyse):
    pending: dict[str, list] = {}

    def index_once(value, **kwargs):
        if kwargs:
            return analyse(value, **kwargs)
        if value in pending:
            return iter(pending.pop(value))
        items = pending[value] = list(analyse(value))
        return iter(items)

    return index_once


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

    def __init__(self, directory: Path, locale: str, config: KeywordConfig | None = None):
        self.directory = Path(directory)
        self.locale = locale
        self.config = config or DEFAULT_KEYWORD
        self._matrix: TermMatrix | None = None
        self._alphabet: str | None = None
        self._hangul_typos: HangulTypos | None = None

    # -- writing -----------------------------------------------------------------

    def create(self) -> None:
        """An empty index (the directory is new)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        index.create_in(str(self.directory), schema_for(self.locale))

    @property
    def matrix_directory(self) -> Path:
        """Where the term matrix files sit: beside the Whoosh directory."""
        return self.directory.parent

    def write(self, add: list[tuple[Document, list[Chunk]]], remove: list[str]) -> None:
        """Delete the articles ``remove`` (doc keys) and add ``add``, in one commit.

        The term matrix is updated the same way: the copy carried over from the previous
        generation loses the removed chunks and gains the new ones.
        """
        if not self.directory.exists():
            self.create()
        elif not add and not remove and TermMatrix.exists(self.matrix_directory, self.locale):
            return
        ix = index.open_dir(str(self.directory))
        writer = ix.writer(limitmb=128)
        added = []
        try:
            for doc_key in remove:
                writer.delete_by_term("doc_key", doc_key)
            with analysed_once(writer.schema):
                for doc, chunks in add:
                    for chunk in chunks:
                        fields = chunk_fields(doc, chunk)
                        writer.add_document(**fields)
                        added.append(chunk_terms(writer.schema, fields))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        finally:
            ix.close()
        previous = (
            TermMatrix.load(self.matrix_directory, self.locale)
            if TermMatrix.exists(self.matrix_directory, self.locale)
            else TermMatrix.empty()
        )
        previous.updated(set(remove), added).save(self.matrix_directory, self.locale)

    def discard(self) -> None:
        """Delete this locale's Whoosh files and term matrix (a damaged copy, before a
        rewrite or instead of carrying it into a new generation)."""
        shutil.rmtree(self.directory, ignore_errors=True)
        for path in TermMatrix.paths(self.matrix_directory, self.locale):
            path.unlink(missing_ok=True)

    def rewrite(self, records: Iterable[ChunkRecord]) -> None:
        """This locale's index made again from its chunk records, in their order: a
        damaged keyword part is repaired without the articles' Markdown (the records hold
        every field :func:`chunk_fields` indexes)."""
        self.discard()
        articles: dict[str, tuple[Document, list[Chunk]]] = {}
        for r in records:
            if r.doc_key not in articles:
                doc = Document(r.doc_id, r.locale, r.title, "", r.category, r.tags, r.visibility)
                articles[r.doc_key] = (doc, [])
            chunk = Chunk(r.doc_id, r.locale, r.ordinal, r.heading, r.anchor, r.text)
            articles[r.doc_key][1].append(chunk)
        self.write(list(articles.values()), [])

    # -- reading -----------------------------------------------------------------

    def open(self) -> None:
        """Open for searching; raises on a missing or corrupt index."""
        index.open_dir(str(self.directory)).close()  # a damaged Whoosh index is refused
        self._matrix = TermMatrix.load(self.matrix_directory, self.locale)
        self._alphabet = self._hangul_typos = None

    @property
    def chunk_keys(self) -> list[str]:
        """The chunks the opened index holds."""
        return self._matrix.keys

    def close(self) -> None:
        """Forget the loaded matrix."""
        self._matrix = self._alphabet = self._hangul_typos = None

    @property
    def alphabet(self) -> str:
        """The characters typo variants are built from (see ``typo_alphabet_size``)."""
        if self._alphabet is None:
            counts = Counter(
                char
                for field, term in self._matrix.vocabulary
                if field == "content"
                for char in term
            )
            self._alphabet = "".join(
                char for char, _ in counts.most_common(self.config.typo_alphabet_size)
            )
        return self._alphabet

    @property
    def hangul_typos(self) -> HangulTypos:
        """The indexed Korean words typos are looked up in, built on the first Korean typo."""
        if self._hangul_typos is None:
            self._hangul_typos = HangulTypos(
                term
                for field, term in self._matrix.vocabulary
                if field == "content" and HANGUL_WORD.fullmatch(term)
            )
        return self._hangul_typos

    def query_terms(self, text: str) -> list[str]:
        """The analysed words of a query, deduplicated, in order."""
        seen: dict[str, None] = {}
        for token in analyzer_for(self.locale)(normalize_text(text)):
            seen.setdefault(token.text, None)
        return list(seen)[: self.config.max_query_terms]

    def rarest(self, terms: list[str]) -> list[str]:
        """At most ``max_scored_terms`` terms, the rarest first kept.

        Whoosh scores a disjunction in pure Python, so a pasted paragraph of 20 words costs
        seconds on a large index; its most common words barely move BM25 anyway.
        """
        if len(terms) <= self.config.max_scored_terms:
            return terms
        frequency = {term: self._matrix.document_frequency("content", term) for term in terms}
        keep = set(
            sorted(terms, key=lambda t: (frequency[t], terms.index(t)))[
                : self.config.max_scored_terms
            ]
        )
        return [term for term in terms if term in keep]

    def expand_typos(self, terms: list[str]) -> dict[str, list[str]]:
        """For words the index does not know, the indexed words one edit away."""
        unknown = [
            term
            for term in terms
            if len(term) >= self.config.fuzzy_min_length
            and not self._matrix.has_term("content", term)
        ]
        return self._expansions(unknown, lambda term: one_edit_away(term, self.alphabet))

    def typo_variants(self, text: str, terms: list[str]) -> dict[str, list[str]]:
        """Misspelt words of the query -> the indexed words they may mean.

        Korean words of 2-6 syllables are matched jamo by jamo: the analysed terms the index
        does not know and the words as typed that Kiwi took apart like a typo ("환블" -> 환 +
        블, only 환 kept), so the keys may include words that are not among ``terms``. Not
        every typed word the index lacks: most are a stem with its particle or ending, and
        looked up they turned "해야" into 해외 and "누가" into 추가."""
        if base_locale(self.locale) != "ko":
            return self.expand_typos(terms)
        others = [term for term in terms if not HANGUL_WORD.fullmatch(term)]
        hangul = [term for term in terms if HANGUL_WORD.fullmatch(term)]
        return self.expand_typos(others) | self._hangul_typos_of(
            [*hangul, *self._misread_words(text, terms)]
        )

    @staticmethod
    def _misread_words(text: str, terms: list[str]) -> list[str]:
        """Korean words of ``text`` that Kiwi took apart like a typo ("환블" -> 환 + 블)."""
        return [
            word
            for word in re.findall(r"\w+", normalize_text(text).lower())
            if HANGUL_WORD.fullmatch(word) and word not in terms and misread_by_kiwi(word)
        ]

    def _hangul_typos_of(self, words: list[str]) -> dict[str, list[str]]:
        """The Korean words of ``words`` the index does not know -> their variants."""
        unknown = [w for w in dict.fromkeys(words) if not self._matrix.has_term("content", w)]
        return self._expansions(unknown, self.hangul_typos.near)

    def corrections(self, text: str) -> dict[str, str]:
        """The Korean words of ``text`` Kiwi could not read -> the indexed word each most
        likely means, as :meth:`search` reports them, without searching."""
        if base_locale(self.locale) != "ko":
            return {}
        if self._matrix is None:
            self.open()
        misread = self._misread_words(text, self.query_terms(text))
        return {word: near[0] for word, near in self._hangul_typos_of(misread).items()}

    def _expansions(
        self, words: list[str], variants_of: Callable[[str], Iterable[str]]
    ) -> dict[str, list[str]]:
        """Each word -> its indexed variants, the most common first (a typo is likelier to
        be of a frequent word than of a rare one); words without any are left out."""
        matrix = self._matrix
        expansions = {}
        for word in words:
            indexed = matrix.column_of  # a membership test per variant, then counts of the few
            frequency = {
                variant: matrix.document_frequency("content", variant)
                for variant in variants_of(word)
                if ("content", variant) in indexed
            }
            near = sorted((w for w, n in frequency.items() if n), key=lambda w: (-frequency[w], w))
            if near:
                expansions[word] = near[: self.config.max_typo_variants]
        return expansions

    def search(
        self,
        text: str,
        *,
        limit: int,
        include_internal: bool = False,
        category: str | None = None,
        tags: tuple[str, ...] | None = None,
        related: Sequence[str] = (),
    ) -> KeywordHits:
        """BM25F scores of the best chunks, the matched terms, the query's ceiling.

        Each term of ``related`` (a glossary's equivalents of the query's terms) counts
        ``related_weight`` as much as a word of the query, shared among its index
        terms ("비밀번호" is three): "현관 비번" (door code) must still rank the article
        saying "비번" above those saying "비밀번호"."""
        if self._matrix is None:
            self.open()
        terms = self.rarest(self.query_terms(text))
        weights = dict.fromkeys(terms, 1.0)
        unmarked: set[str] = set()  # pieces of a related phrase, which snippets mark whole
        for phrase in related:
            pieces = self.query_terms(phrase)
            share = self.config.related_weight / len(pieces) if pieces else 0.0
            for piece in pieces:
                weights[piece] = max(weights.get(piece, 0.0), share)
            unmarked.update(set(pieces) - whole_terms(pieces))
        unmarked -= set(terms)
        # A verb stem of one syllable (사 of 사려는데, 되 of 돼요) still scores, but marked in
        # a snippet it lit up the 사 of 택배사 (courier) and the 됩 of 됩니다.
        unmarked.update(verb[:-1] for verb in dictionary_forms(text, self.locale) if len(verb) == 2)
        expansions = self.typo_variants(text, terms)
        room = max(0, self.config.max_scored_terms - len(terms))
        for word in [word for word in expansions if word not in weights][:room]:
            weights[word] = 1.0  # a typed word the analyzer lost: its variants score for it
        if not weights:
            return KeywordHits({}, set(), 0.0)
        clauses, matched, ceiling = [], set(), 0.0  # every term is in weights
        for term, weight in weights.items():
            variants = [(term, weight)] + [(v, 0.8 * weight) for v in expansions.get(term, [])]
            best = 0.0  # a chunk holds the word or one of its variants: the best counts
            for variant, boost in variants:
                if term not in unmarked:
                    matched.add(variant)
                own = [
                    (field, variant, self.config.field_boosts[field] * boost)
                    for field in TEXT_FIELDS
                    if self.config.field_boosts[field]
                ]
                clauses += own
                best = max(best, self._ceiling(own))
            tag = [("tags", term.lower(), self.config.field_boosts["tags"] * weight)]
            clauses += tag
            ceiling += best + self._ceiling(tag)
        scores = self._matrix.search(
            clauses, limit, include_internal=include_internal, category=category, tags=tags
        )
        lost = {word: near[0] for word, near in expansions.items() if word not in terms}
        return KeywordHits(scores, matched, ceiling, lost)

    def _ceiling(self, clauses: list[tuple[str, str, float]]) -> float:
        """The most ``clauses`` together can add to one chunk's score."""
        return sum(boost * self._matrix.saturated_score(f, t) for f, t, boost in clauses)
