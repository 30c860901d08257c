"""The SearchEngine: builds, updates and searches one index directory.

Keyword (Whoosh, per locale) and dense (FAISS, per model and locale) legs are fused per
chunk, then grouped per article with the best chunk as the snippet. The embedder plan
names the model that ranks each locale; a locale no model covers is ranked by keywords
alone. When the plan's default model is multilingual, articles that exist only in other
locales can follow the native results (cross-lingual), found through that model's vectors.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from operator import itemgetter
from pathlib import Path

import numpy as np

from indexer.analyzers import (
    content_words,
    foreign_words,
    has_words_of,
    tokenize,
    written_in_script_of,
)
from indexer.chunking import Chunk, chunk_document
from indexer.config import (
    DEFAULT_CROSS_LINGUAL,
    DEFAULT_KEYWORD,
    DEFAULT_SEARCH,
    CrossLingualConfig,
    KeywordConfig,
    SearchConfig,
)
from indexer.documents import BuildReport, Document, Hit, IndexUnavailable, SearchResults
from indexer.embeddings import Embedder, EmbedderPlan, _batched, _unit, make_plan, space_name
from indexer.generations import (
    FORMAT,
    ChunkRecord,
    GenerationStore,
    file_digest,
    read_chunks,
    write_chunks,
)
from indexer.glossary import Glossary, every_term, terms_by_rank
from indexer.highlight import make_snippet
from indexer.hybrid import DEFAULT_FUSION, FusionConfig, fuse
from indexer.keyword import KeywordIndex, correct
from indexer.lexicon import Lexicon, words_of
from indexer.parts import KEYWORD, LEXICON, VECTORS, Part, planned, verify
from indexer.vectors import VectorIndex
from indexer.windows import passage_windows

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None] | None
MODES = ("hybrid", "keyword", "dense")
# Tuned values (candidates per leg, query limits, the cross-lingual floors, bias, twins and
# hubness...) are typed configuration in indexer/config.py, with the measurements that chose
# them; a SearchEngine is given them (defaults: DEFAULT_SEARCH, DEFAULT_CROSS_LINGUAL).


def embedding_texts(record: ChunkRecord, model: Embedder) -> list[str]:
    """What ``model`` embeds for a chunk: the article title, the section heading and the
    text, in windows when the model reads fewer tokens (:mod:`indexer.windows`)."""
    head = "\n".join(p for p in (record.title, record.heading) if p)
    window = getattr(model, "window_tokens", None)
    return passage_windows(head, record.text, window, getattr(model, "token_offsets", None))


def to_record(doc: Document, chunk: Chunk) -> ChunkRecord:
    """The stored description of a chunk."""
    return ChunkRecord(
        key=chunk.key,
        doc_id=doc.id,
        locale=doc.locale,
        ordinal=chunk.ordinal,
        heading=chunk.heading,
        anchor=chunk.anchor,
        text=chunk.text,
        title=doc.title,
        category=doc.category or "",
        visibility=doc.visibility,
        tags=tuple(doc.tags),
    )


class Generation:
    """One opened, read-only index generation.

    A part whose files fail their checksum or do not load (:mod:`indexer.parts`: one
    locale's keyword index, one model's vectors of one locale, one lexicon) is left out and
    recorded in ``damaged`` with the reason: searches answer from the other parts and say
    so, and the next sync rebuilds just that part. Only a generation without a readable
    manifest or chunks, which every part is derived from, is refused.
    """

    def __init__(self, path: Path, plan: EmbedderPlan, keyword: KeywordConfig = DEFAULT_KEYWORD):
        self.path = path
        self.keyword_config = keyword
        self.name = path.name
        try:
            self.manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"index {path.name} has no readable manifest") from exc
        self._check_manifest(plan)
        verdict = verify(path, self.manifest)
        if verdict.fatal:
            raise IndexUnavailable(f"index {path.name} is damaged ({', '.join(verdict.fatal)})")
        self.damaged: dict[Part, str] = dict(verdict.damaged)  # part -> why it is left out
        self.unverified: set[Part] = verdict.unverified  # keyword parts without segment sums
        try:
            self.chunks = read_chunks(path / "chunks.jsonl")
        except Exception as exc:  # noqa: BLE001 - nothing to serve or rebuild from
            raise IndexUnavailable(f"index {path.name} is damaged (chunks.jsonl: {exc})") from exc
        if len(self.chunks) != self.manifest["chunks"]:
            raise IndexUnavailable(f"index {path.name} is damaged (chunk count differs)")
        # model space -> locale -> vectors; model space -> locale -> its words (indexer.lexicon)
        self.spaces: dict[str, dict[str, VectorIndex]] = {}
        self.lexicons: dict[str, dict[str, Lexicon]] = {}
        self.keyword: dict[str, KeywordIndex] = {}
        for part in planned(self.manifest):
            if part not in self.damaged:
                self._open_part(part)
        for part, reason in sorted(self.damaged.items()):
            log.warning("index %s: %s is left out: %s", self.name, part.name, reason)
        self._hubness: dict[tuple[str, str, str], float] = {}  # (space, query locale, key)
        self._offsets: dict[tuple[str, str, str], np.ndarray | None] = {}
        self._public: dict[tuple[str, str], np.ndarray] = {}
        self.doc_ids: dict[str, set[str]] = {}
        self.chunk_keys: dict[str, list[str]] = {}  # doc key -> its chunk keys, in order
        for record in sorted(self.chunks.values(), key=lambda r: r.ordinal):
            self.doc_ids.setdefault(record.locale, set()).add(record.doc_id)
            self.chunk_keys.setdefault(record.doc_key, []).append(record.key)

    def _open_part(self, part: Part) -> None:
        """Load one part, or record it in ``damaged`` when it will not load."""
        folder = self.path / "vectors" / part.space
        try:
            if part.kind == KEYWORD:
                index = KeywordIndex(
                    self.path / "keyword" / part.locale, part.locale, self.keyword_config
                )
                index.open()
                self._check_keys(index.chunk_keys)
                self.keyword[part.locale] = index
                return
            if part.kind == VECTORS:
                vectors = VectorIndex.load(folder, part.locale)
                self._check_keys(vectors.keys)
            else:
                vectors = (lexicon := Lexicon.load(folder, part.locale)).vectors
            if vectors.dimension != self.manifest["spaces"][part.space]["dimension"]:
                raise ValueError("vectors of another size")
        except Exception as exc:  # noqa: BLE001 - this part is left out, the rest served
            self.damaged[part] = f"{part.name} is damaged ({type(exc).__name__}: {exc})"
            return
        if part.kind == VECTORS:
            self.spaces.setdefault(part.space, {})[part.locale] = vectors
        else:
            self.lexicons.setdefault(part.space, {})[part.locale] = lexicon

    def _check_keys(self, keys) -> None:
        """A part naming chunks the index does not have would fail searches later."""
        unknown = next((key for key in keys if key not in self.chunks), None)
        if unknown is not None:
            raise ValueError(f"unknown chunk {unknown!r}")

    @property
    def damage(self) -> str | None:
        """The damaged parts in one sentence, or None when every part is served."""
        if not self.damaged:
            return None
        return "; ".join(reason for _, reason in sorted(self.damaged.items()))

    def is_damaged(self, part: Part) -> str | None:
        """Why ``part`` is left out, or None."""
        return self.damaged.get(part)

    def _check_manifest(self, plan: EmbedderPlan) -> None:
        manifest = self.manifest
        if manifest.get("format") != FORMAT:
            raise IndexUnavailable(f"index {self.name} has an old format")
        if manifest.get("model") != plan.name:
            raise IndexUnavailable(
                f"index {self.name} was built with model {manifest.get('model')!r}, "
                f"this site uses {plan.name!r}"
            )
        models = plan.models()
        for space, about in manifest.get("spaces", {}).items():
            if space not in models or models[space].dimension != about.get("dimension"):
                raise IndexUnavailable(f"index {self.name} has vectors of another dimension")

    def close(self) -> None:
        """Release the Whoosh searchers."""
        for index in self.keyword.values():
            index.close()

    def records_of(self, doc_key: str) -> list[ChunkRecord]:
        """The chunks of one article in one locale, in order."""
        return [self.chunks[key] for key in self.chunk_keys.get(doc_key, ())]

    def vectors(self, space: str, locale: str) -> VectorIndex | None:
        """One model's vectors of one locale, if the index has them."""
        return self.spaces.get(space, {}).get(locale)

    def lexicon(self, space: str, locale: str) -> Lexicon | None:
        """One locale's words in one model's space, if the index has them."""
        return self.lexicons.get(space, {}).get(locale)

    def _public_rows(self, space: str, locale: str) -> np.ndarray:
        """Per vector row of one model and locale: True for a public chunk."""
        found = self._public.get((space, locale))
        if found is None:
            keys = self.vectors(space, locale).keys
            found = np.array([self.allowed(self.chunks[k], False, None, None) for k in keys])
            self._public[(space, locale)] = found
        return found

    def article_vectors(self, space: str, doc_key: str) -> list[np.ndarray]:
        """The vectors of one article's chunks (every window) in one model's space, in order."""
        index = self.vectors(space, doc_key.split("|", 1)[1])
        if index is None:
            return []
        return [row for key in self.chunk_keys.get(doc_key, ()) for row in index.chunk_vectors(key)]

    def best_cosine(self, space: str, doc_key: str, vector: np.ndarray) -> float:
        """The cosine of an article's closest chunk to ``vector`` in one model's space."""
        rows = self.article_vectors(space, doc_key)
        return float(np.max(np.stack(rows) @ vector)) if rows else 0.0

    def allowed(self, record: ChunkRecord, include_internal, category, tags) -> bool:
        """Whether a chunk passes the visibility, category and tag filters."""
        if record.visibility != "public" and not include_internal:
            return False
        if category and record.category != category:
            return False
        return not tags or bool(set(tags) & set(record.tags))

    def hubness(
        self, space: str, other: str, keys: list[str], locale: str, neighbours: int
    ) -> dict[str, float]:
        """:func:`_hubness` of ``other``-locale chunks, remembered: it does not depend on
        the query, and costs a pass over ``locale``'s vectors per chunk."""
        missing = [key for key in keys if (space, locale, key) not in self._hubness]
        if missing:
            computed = _hubness(self.spaces.get(space, {}), other, missing, locale, neighbours)
            for key in missing:
                self._hubness[(space, locale, key)] = computed.get(key, 0.0)
        return {key: self._hubness[(space, locale, key)] for key in keys}

    def language_offset(
        self, space: str, source: str, target: str, min_pairs: int
    ) -> np.ndarray | None:
        """:func:`_language_offset` from ``source`` to ``target``, remembered."""
        pair = (space, source, target)
        if pair not in self._offsets:
            self._offsets[pair] = _language_offset(
                self.spaces.get(space, {}), self.chunks, source, target, min_pairs
            )
        return self._offsets[pair]

    def dense(
        self,
        space: str,
        locale: str,
        vector: np.ndarray,
        limit: int,
        include_internal,
        category,
        tags,
    ) -> dict[str, float]:
        """Cosine of the nearest allowed chunks of ``locale`` in one model's space."""
        index = self.vectors(space, locale)
        if index is None or not len(index):
            return {}
        if not (category or tags):  # the common case, without a call per candidate
            rows, scores = index.nearest(vector, limit * 2)
            if not include_internal:
                public = self._public_rows(space, locale)[rows]
                rows, scores = rows[public], scores[public]
            return dict(list(index.best_per_chunk(rows, scores).items())[:limit])
        found: dict[str, float] = {}
        for want in (limit * 2, len(index)):
            found = {
                key: score
                for key, score in index.search(vector, want)
                if self.allowed(self.chunks[key], include_internal, category, tags)
            }
            if len(found) >= limit:
                break
        return dict(sorted(found.items(), key=lambda kv: kv[1], reverse=True)[:limit])


class SearchEngine:
    """Build, update and search the index in ``index_dir``."""

    def __init__(
        self,
        index_dir,
        embedder="auto",
        fusion: FusionConfig | None = None,
        cross_lingual: CrossLingualConfig | None = None,
        config: SearchConfig | None = None,
        keyword: KeywordConfig | None = None,
    ):
        """``embedder``: a plan setting (see :func:`indexer.embeddings.make_plan`), an
        :class:`EmbedderPlan`, or one embedder object; ``fusion``, ``cross_lingual``,
        ``config`` and ``keyword``: tuned values (:mod:`indexer.config`; defaults: the
        measured ones)."""
        self.index_dir = Path(index_dir)
        self.plan: EmbedderPlan = make_plan(embedder)
        self.fusion = fusion or DEFAULT_FUSION
        self.cross_lingual = cross_lingual or DEFAULT_CROSS_LINGUAL
        self.config = config or DEFAULT_SEARCH
        self.keyword_config = keyword or DEFAULT_KEYWORD
        self.generations = GenerationStore(self.index_dir)
        self._generation: Generation | None = None
        self._signature = None
        self._open_lock = threading.Lock()
        self._query_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    # -- opening -----------------------------------------------------------------

    def current(self) -> Generation:
        """The served generation, reopened when another process published a new one."""
        signature = self.generations.signature()
        if self._generation is not None and signature == self._signature:
            return self._generation
        with self._open_lock:
            signature = self.generations.signature()
            if self._generation is not None and signature == self._signature:
                return self._generation
            name = self.generations.current_name()
            if name is None:
                raise IndexUnavailable(f"no search index in {self.index_dir}")
            if self._generation is None or self._generation.name != name:
                self._generation = self._open(self.index_dir / name)
            self._signature = signature
            return self._generation

    def _open(self, path: Path) -> Generation:
        """Open a generation (without its damaged parts, see :class:`Generation`)."""
        return Generation(path, self.plan, self.keyword_config)

    def status(self) -> dict:
        """What is served: generation, model, counts (or the reason nothing is), and the
        parts left out because they are damaged (rebuilt by the next sync)."""
        try:
            generation = self.current()
        except IndexUnavailable as exc:
            return {"ready": False, "reason": str(exc)}
        manifest = generation.manifest
        return {
            "ready": True,
            "generation": generation.name,
            "model": manifest["model"],
            "articles": len(manifest["docs"]),
            "chunks": manifest["chunks"],
            "locales": manifest["locales"],
            "dense_locales": [loc for loc in manifest["locales"] if self.plan.for_locale(loc)],
            "built": manifest["created"],
            "damage": generation.damage,  # the damaged parts in a sentence, or None
            "damaged": {part.name: why for part, why in sorted(generation.damaged.items())},
        }

    def is_stale(self, docs: Iterable[Document]) -> bool:
        """True when the served index is missing, unusable, has damaged parts or differs
        from ``docs``."""
        try:
            generation = self.current()
        except IndexUnavailable:
            return True
        served = generation.manifest["docs"]
        return bool(generation.damaged) or served != {doc.key: doc.digest for doc in docs}

    # -- writing -----------------------------------------------------------------

    def build(self, docs: Iterable[Document], progress: Progress = None) -> BuildReport:
        """Index ``docs`` from scratch into a new generation, then publish it."""
        docs = list(docs)
        with self.generations.write_lock():
            return self._write(None, docs, [], progress, len(docs))

    def sync(self, docs: Iterable[Document], progress: Progress = None) -> BuildReport:
        """Bring the index in line with ``docs``, re-indexing only what changed, and
        rebuild the served generation's damaged parts (only those: one locale's keyword
        index, or one locale's vectors of one model, re-embedded)."""
        docs = list(docs)
        with self.generations.write_lock():
            try:
                base = self._reopen()
            except IndexUnavailable as exc:
                log.info("full build: %s", exc)
                return self._write(None, docs, [], progress, len(docs))
            served = base.manifest["docs"]
            wanted = {doc.key: doc for doc in docs}
            changed = [d for key, d in wanted.items() if served.get(key) != d.digest]
            removed = [key for key in served if key not in wanted]
            repair = set(base.damaged) | base.unverified
            if not changed and not removed and not repair and not self._lacks_lexicons(base):
                return BuildReport(unchanged=len(docs), generation=int(base.name[4:]))
            for part in sorted(repair):
                log.info("rebuilding %s: %s", part.name, base.damaged.get(part, "unverified"))
            return self._write(base, changed, removed, progress, len(docs), repair=True)

    def upsert(self, doc: Document) -> BuildReport:
        """Add or replace one article in one locale (damaged parts stay left out: a writer's
        save does not wait for a re-embedding; the next sync rebuilds them)."""
        with self.generations.write_lock():
            return self._write(self._reopen(), [doc], [], None, None)

    def remove(self, doc_id: str, locale: str) -> BuildReport:
        """Drop one article in one locale."""
        with self.generations.write_lock():
            return self._write(self._reopen(), [], [f"{doc_id}|{locale}"], None, None)

    def _lacks_lexicons(self, base: Generation) -> bool:
        """Whether ``base`` predates the lexicons this plan keeps (then a sync adds them)."""
        model = self.translator()
        if model is None:
            return False
        space = space_name(model)
        locales = self._space_locales(space, base.manifest["locales"])
        return any(base.lexicon(space, locale) is None for locale in locales)

    def _reopen(self) -> Generation:
        self._signature = None
        return self.current()

    def _write(
        self, base, upserts, removes, progress, total_docs, *, repair: bool = False
    ) -> BuildReport:
        """Write a new generation: ``base`` (copied) with ``upserts`` and ``removes``, then
        publish it. The base's damaged parts are never carried over: with ``repair`` each
        is rebuilt from the chunk records (and an unverified keyword part rewritten),
        otherwise it is left out again and stays recorded as damaged."""
        started = time.perf_counter()
        served = dict(base.manifest["docs"]) if base else {}
        replaced = {d.key for d in upserts if d.key in served}
        gone = set(removes) | replaced
        damaged = dict(base.damaged) if base else {}
        rebuild = (set(damaged) | base.unverified) if base and repair else set()
        carried = {part: why for part, why in damaged.items() if part not in rebuild}
        number, path = self.generations.new_directory(base.path if base else None)
        records = {k: r for k, r in (base.chunks if base else {}).items() if r.doc_key not in gone}
        new_records: dict[str, list[tuple[Document, list[Chunk]]]] = {}
        for doc in upserts:
            chunks = chunk_document(doc)
            new_records.setdefault(doc.locale, []).append((doc, chunks))
            for chunk in chunks:
                records[chunk.key] = to_record(doc, chunk)
        for doc in upserts:
            served[doc.key] = doc.digest
        for key in removes:
            served.pop(key, None)
        locales = sorted({r.locale for r in records.values()} | set(base.keyword if base else []))
        locales = sorted(set(locales) | {p.locale for p in damaged if p.kind == KEYWORD})
        # A rebuilt part lists its chunks in the order the index lists its articles.
        position = {key: i for i, key in enumerate(served)}
        ordered = sorted(records.values(), key=lambda r: (position.get(r.doc_key, 0), r.ordinal))

        for locale in locales:
            keyword = KeywordIndex(path / "keyword" / locale, locale, self.keyword_config)
            part = Part(KEYWORD, locale)
            if part in carried:
                keyword.discard()
            elif part in rebuild:
                keyword.rewrite(r for r in ordered if r.locale == locale)
            else:
                removed_here = [k for k in gone if k.endswith(f"|{locale}")]
                keyword.write(new_records.get(locale, []), removed_here)

        lexicon_work = [
            work
            for work in self._lexicon_changes(
                base, records, gone, {d.key for d in upserts}, locales
            )
            if Part(LEXICON, work[1], work[0]) not in carried
        ]
        extra = sum(len(missing) for *_, missing in lexicon_work)
        spaces, embedded, done = self._write_vectors(
            base, path, locales, new_records, gone, progress, extra, (ordered, rebuild, carried)
        )
        self._write_lexicons(path, lexicon_work, spaces, progress, done, done + extra)
        for part in carried:
            for name in part.fixed_files() if part.kind != KEYWORD else ():
                (path / name).unlink(missing_ok=True)  # never copied forward
            if part.kind == LEXICON and part.space in spaces:
                spaces[part.space].setdefault("words", []).append(part.locale)

        write_chunks(path / "chunks.jsonl", sorted(records.values(), key=lambda r: r.key))
        unverified = (base.unverified - rebuild) if base else set()
        files = ["chunks.jsonl"] + [
            name
            for part in planned({"locales": locales, "spaces": spaces})
            if part not in carried
            for name in part.files(path, segments=part not in unverified)
        ]
        manifest = {
            "format": FORMAT,
            "model": self.plan.name,
            "spaces": spaces,
            "locales": locales,
            "docs": served,
            "chunks": len(records),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": {name: file_digest(path / name) for name in files},
            "damaged": {part.name: why for part, why in sorted(carried.items())},
        }
        (path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        self.generations.publish(path)
        added = sum(1 for d in upserts if d.key not in replaced)
        return BuildReport(
            added=added,
            updated=len(replaced),
            removed=len([k for k in removes if k in (base.manifest["docs"] if base else {})]),
            unchanged=max(0, (total_docs or 0) - len(upserts)),
            chunks_embedded=embedded,
            seconds=time.perf_counter() - started,
            generation=number,
            repaired=tuple(sorted(part.name for part in rebuild)),
        )

    def _space_locales(self, space: str, locales: list[str]) -> list[str]:
        """The locales whose vectors in ``space`` an index keeps."""
        return [loc for loc in locales if space in map(space_name, self.plan.models_for(loc))]

    def translator(self) -> Embedder | None:
        """The model whose word vectors translate queries across locales (see
        :mod:`indexer.lexicon`): the bridging model, when it declares how close a
        translation must be."""
        model = self.plan.default
        return model if getattr(model, "translation_floor", None) is not None else None

    def _lexicon_changes(self, base, records, gone, upserted, locales) -> list:
        """Per locale of the translator's space: (space, locale, previous lexicon, new
        counts, words kept, words to embed). Only the added and removed articles' words
        are analysed, unless the base index has no lexicon yet."""
        model = self.translator()
        if model is None:
            return []
        space = space_name(model)
        work = []
        for locale in self._space_locales(space, locales):
            previous = base.lexicon(space, locale) if base else None
            mine = [r for r in records.values() if r.locale == locale]
            if previous is None:
                previous = Lexicon.empty(model.dimension)
                added, removed = words_of(mine), words_of([])
            else:
                added = words_of(r for r in mine if r.doc_key in upserted)
                removed = words_of(
                    r for r in base.chunks.values() if r.locale == locale and r.doc_key in gone
                )
            work.append((space, locale, previous, *previous.changed(added, removed)))
        return work

    def _write_lexicons(self, path, work, spaces, progress, done, total) -> None:
        """Embed the new words of :meth:`_lexicon_changes` and write every lexicon."""
        model = self.translator()
        for space, locale, previous, frequency, wanted, missing in work:
            fresh = np.zeros((len(missing), model.dimension), dtype=np.float32)
            for start, batch in _batched(missing, 64):
                fresh[start : start + len(batch)] = model.encode_queries(batch)
                done += len(batch)
                if progress:
                    progress(done, total)
            lexicon = previous.updated(frequency, wanted, missing, fresh)
            lexicon.save(path / "vectors" / space, locale)
            spaces[space].setdefault("words", []).append(locale)

    def _write_vectors(self, base, path, locales, new_records, gone, progress, extra, parts):
        """Embed the new chunks with every model the plan keeps for their locale; carry
        the other vectors over. ``parts`` = (every chunk record in order, the parts to
        rebuild, those left out): a rebuilt locale is embedded whole, alone of its model's
        locales; a part left out is neither embedded nor saved. Returns the manifest's
        spaces, how many chunks were embedded (by one model or more) and how many passages.
        ``progress`` counts over all models at once, and ``extra`` work that follows."""
        ordered, rebuild, carried = parts
        work = []  # (space, model, locales, [(locale, record)])
        for space, model in self.plan.models().items():
            mine = self._space_locales(space, locales)
            if mine:
                todo = []
                for locale in mine:
                    part = Part(VECTORS, locale, space)
                    if part in carried:
                        continue
                    if part in rebuild:
                        todo += [(locale, r) for r in ordered if r.locale == locale]
                        continue
                    todo += [
                        (locale, to_record(doc, chunk))
                        for doc, chunks in new_records.get(locale, [])
                        for chunk in chunks
                    ]
                work.append((space, model, mine, todo))
        # One row per passage: a chunk longer than its model's window has several.
        passages = [
            [
                (locale, record.key, text)
                for locale, record in todo
                for text in embedding_texts(record, model)
            ]
            for _, model, _, todo in work
        ]
        total, done = sum(len(rows) for rows in passages) + extra, 0
        spaces: dict[str, dict] = {}
        for (space, model, mine, _), rows_of_model in zip(work, passages, strict=True):
            spaces[space] = {"model": model.name, "dimension": model.dimension, "locales": mine}
            overall = (lambda n, _, before=done: progress(before + n, total)) if progress else None
            vectors = (
                model.encode_passages([text for *_, text in rows_of_model], progress=overall)
                if rows_of_model
                else np.zeros((0, model.dimension), dtype=np.float32)
            )
            done += len(rows_of_model)
            for locale in mine:
                part = Part(VECTORS, locale, space)
                if part in carried:
                    continue
                rows = [i for i, (loc, *_) in enumerate(rows_of_model) if loc == locale]
                previous = None if part in rebuild or not base else base.vectors(space, locale)
                previous = previous or VectorIndex.empty(model.dimension)
                updated = previous.updated(
                    {k for k in gone if k.endswith(f"|{locale}")},
                    [rows_of_model[i][1] for i in rows],
                    vectors[rows] if rows else np.zeros((0, model.dimension), np.float32),
                )
                updated.save(path / "vectors" / space, locale)
        return spaces, len({record.key for *_, todo in work for _, record in todo}), done

    # -- searching ---------------------------------------------------------------

    def query_vector(self, text: str, model: Embedder) -> np.ndarray:
        """The query's embedding by ``model`` (a small LRU cache serves repeated queries)."""
        return self.query_vectors([text], model)[0]

    def query_vectors(self, texts: list[str], model: Embedder) -> np.ndarray:
        """Embeddings of ``texts`` by ``model``: from the LRU cache, the rest in one batch."""
        found: dict[str, np.ndarray] = {}
        with self._cache_lock:
            for text in texts:
                cached = self._query_cache.get((model.name, text))
                if cached is not None:
                    self._query_cache.move_to_end((model.name, text))
                    found[text] = cached
        missing = list(dict.fromkeys(text for text in texts if text not in found))
        if missing:
            found.update(zip(missing, model.encode_queries(missing), strict=True))
            if self.config.query_cache_size:
                with self._cache_lock:
                    for text in missing:
                        self._query_cache[(model.name, text)] = found[text]
                    while len(self._query_cache) > self.config.query_cache_size:
                        self._query_cache.popitem(last=False)
        if not texts:
            return np.zeros((0, model.dimension), dtype=np.float32)
        return np.stack([found[text] for text in texts])

    def search(
        self,
        query: str,
        *,
        locale: str,
        k: int = 10,
        offset: int = 0,
        category: str | None = None,
        tags: tuple[str, ...] | None = None,
        include_internal: bool = False,
        mode: str = "hybrid",
        cross_lingual: bool = True,
        floor: bool = True,
        glossary: Glossary | None = None,
    ) -> SearchResults:
        """Articles matching ``query`` in ``locale``, best first, one page of ``k``.

        A ``glossary`` (:mod:`indexer.glossary`) adds the equivalents of the terms the query
        uses to its keyword searches, in ``locale`` and in the locales it borrows from.

        With ``floor``, an article no query word matched is shown only when its meaning is
        close enough (the embedder's ``similarity_floor``): nonsense finds nothing.
        Evaluation turns the floor off to rank the whole corpus.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        generation = self.current()
        mode, dense_served, damaged = self._around_damage(generation, locale, mode)
        query = (query or "").strip()
        empty = SearchResults(query, locale, "keyword", damaged, (), 0)
        if not query:
            return empty
        candidates = max(self.config.leg_candidates, (k + offset) * 2)
        filters = {"include_internal": include_internal, "category": category, "tags": tags}

        keyword_scores: dict[str, float] = {}
        corrections: dict[str, str] = {}
        matched: set[str] = set()
        ceiling = 0.0
        if mode != "dense" and locale in generation.keyword:
            text = " ".join([query, *self._keyword_expansion(generation, query, locale)])
            related = glossary.equivalents(query, locale) if glossary else []
            try:
                keyword_scores, matched, ceiling, corrections = generation.keyword[locale].search(
                    text, limit=candidates, related=related, **filters
                )
            except Exception as exc:  # noqa: BLE001 - a damaged keyword index is not served
                self._signature = None
                raise IndexUnavailable(f"keyword index for {locale} failed ({exc})") from exc

        # Embedded on this thread: on a worker thread (to overlap the keyword leg, now ~2 ms)
        # MiniLM took 14.3 ms instead of 10.6 at p50.
        model = self.plan.for_locale(locale) if mode != "keyword" and dense_served else None
        model_floor = getattr(model, "similarity_floor", 0.0)
        vector, degraded = None, None
        # Typos Kiwi could not read are embedded as the word meant: e5 took "환블" for another
        # word and put three English-only articles before the Korean refund article. The
        # keyword leg found them; a dense-only search asks the keyword index for them.
        if model is not None and mode == "dense" and locale in generation.keyword:
            corrections = generation.keyword[locale].corrections(query)
        semantic = correct(query, corrections)
        if model is not None:
            try:
                vector = self.query_vector(semantic[: self.config.query_embed_chars], model)
            except Exception as exc:  # noqa: BLE001 - fall back to keywords, say so
                log.exception("query embedding failed")
                degraded = f"semantic ranking unavailable ({type(exc).__name__})"
        dense_scores: dict[str, float] = {}
        if model is not None and vector is not None:
            dense_scores = generation.dense(
                space_name(model), locale, vector, candidates, **filters
            )

        if mode == "dense":
            fused, used = dense_scores, "dense"
        elif vector is not None:
            fused, used = (
                fuse(
                    keyword_scores,
                    dense_scores,
                    self.fusion.for_locale(locale),
                    keyword_max=ceiling,
                    dense_floor=model_floor,
                ),
                "hybrid",
            )
        else:
            fused, used = keyword_scores, "keyword"

        ranked = self._group(generation, fused, dense_scores, set(keyword_scores))
        min_cosine = model_floor if floor else -1.0
        # Chat noise ("ㅋㅋㅋ": letters of the page's script, no word of it) gets only what
        # its letters match, and borrows nothing.
        chat_noise = written_in_script_of(query, locale) and not has_words_of(query, locale)
        if floor and chat_noise:
            min_cosine = float("inf")
        ranked = [e for e in ranked if e["keyword"] or e["cosine"] >= min_cosine]
        if cross_lingual and vector is not None and not chat_noise:
            ranked = self._add_cross_lingual(
                generation,
                ranked,
                query,
                locale,
                (model, vector, semantic),
                filters,
                floor,
                glossary,
            )
            damaged = damaged or self._foreign_damage(generation, locale)
        page = ranked[offset : offset + k]
        hits = tuple(self._hit(generation, entry, query, matched, locale) for entry in page)
        borrowed = sum(1 for entry in ranked if entry.get("cross_lingual"))
        degraded = degraded or damaged
        return SearchResults(query, locale, used, degraded, hits, len(ranked), borrowed)

    def _around_damage(self, generation, locale: str, mode: str) -> tuple[str, bool, str | None]:
        """How a ``mode`` search of ``locale`` is answered while parts of the index are
        damaged: (the mode it runs in, whether the dense leg is served, what to say).
        Damaged vectors leave the keyword leg, a damaged keyword index the dense one; with
        neither there is nothing to show until the next sync has rebuilt them."""
        model = self.plan.for_locale(locale)
        vectors = model and generation.is_damaged(Part(VECTORS, locale, space_name(model)))
        keyword = generation.is_damaged(Part(KEYWORD, locale))
        if not vectors and not keyword:
            return mode, True, None
        dense_left = model is not None and not vectors
        keyword_left = not keyword
        if mode == "hybrid" and keyword_left:
            note = f"semantic search for {locale} is being repaired ({vectors}); "
            return "keyword", False, note + "showing keyword results"
        if mode == "hybrid" and dense_left:
            note = f"keyword search for {locale} is being repaired ({keyword}); "
            return "dense", True, note + "showing semantic results"
        if (mode == "keyword" and keyword_left) or (mode == "dense" and dense_left):
            return mode, dense_left, None
        reasons = "; ".join(r for r in (vectors, keyword) if r)
        return mode, False, f"search for {locale} is being repaired ({reasons}); try again soon"

    def _foreign_damage(self, generation, locale: str) -> str | None:
        """What to say when the bridging model's vectors of ``locale``, or of a locale with
        articles ``locale`` lacks, are damaged (those are not offered until repaired)."""
        if self.plan.default is None:
            return None
        space = space_name(self.plan.default)
        have = generation.doc_ids.get(locale, set())
        for part, why in sorted(generation.damaged.items()):
            if part.kind != VECTORS or part.space != space:
                continue
            lacking = generation.doc_ids.get(part.locale, set()) - have
            if part.locale == locale or (lacking and self.plan.bridge(locale, part.locale)):
                return f"results from other languages are being repaired ({why})"
        return None

    @staticmethod
    def _group(generation, fused: dict, dense_scores: dict, keyword_keys=frozenset()) -> list:
        """One entry per article: best chunk, fused score, best cosine, any keyword match."""
        best: dict[str, dict] = {}
        chunks = generation.chunks
        for key, score in sorted(fused.items(), key=itemgetter(1), reverse=True):
            record = chunks[key]
            cosine = dense_scores.get(key, 0.0)
            entry = best.get(record.doc_key)
            if entry is None:
                best[record.doc_key] = {
                    "record": record,
                    "score": score,
                    "cosine": cosine,
                    "keyword": key in keyword_keys,
                }
                continue
            if cosine > entry["cosine"]:
                entry["cosine"] = cosine
            if not entry["keyword"] and key in keyword_keys:
                entry["keyword"] = True
        return list(best.values())

    @staticmethod
    def _readable_across(generation, query: str, locale: str, others: list[str]) -> bool:
        """Whether ``query`` says anything another locale's articles could answer.

        A multilingual model finds *something* close to any string: "asdfgh", "🍕🍕" or
        "zzzz" on a Korean page reached English articles at cosines (0.80-0.88) that real
        cross-lingual answers have too (0.82-0.93). A query in the reader's own script is
        trusted to the model; one without a letter of it (emoji, digits, Latin on a Korean
        page) must share a word with the other locale's articles first ("password reset"
        on a Korean page does).
        """
        if written_in_script_of(query, locale):
            return True
        return any(
            generation.keyword[other].search(query, limit=1).scores
            for other in others
            if other in generation.keyword
        )

    def _add_cross_lingual(
        self, generation, ranked, query, locale, native, filters, floor, glossary=None
    ):
        """Articles missing in ``locale`` but close in meaning, after better native ones.

        They are found with the plan's bridging model, embedding the query with it only
        when some other locale has an article ``locale`` lacks, and ranked with the query's
        translation too: by keywords, and read by the model ranking that locale. ``native``
        is the (model, query vector, text embedded) that ranked ``ranked``."""
        cfg = self.cross_lingual
        have = generation.doc_ids.get(locale, set())
        others = [
            other
            for other, ids in generation.doc_ids.items()
            if other != locale and ids - have and self._bridged(generation, locale, other)
        ]
        if not others or not self._readable_across(generation, query, locale, others):
            return ranked
        bridge = self.plan.bridge(locale, others[0])
        space = space_name(bridge)
        try:
            vector = (
                native[1]
                if bridge is native[0]
                else self.query_vector(native[2][: self.config.query_embed_chars], bridge)
            )
        except Exception:  # noqa: BLE001 - the native results are still good
            log.exception("query embedding for cross-lingual results failed")
            return ranked
        min_cosine = getattr(bridge, "cross_lingual_floor", 0.0) if floor else -1.0
        # A query in another script ("password reset" on a Korean page) is likely in the
        # foreign articles' language: no shift towards it, and the same-language advantage
        # is theirs, so a native result may trail them by the bias and stay ahead.
        own_script = written_in_script_of(query, locale)
        words = (query, content_words(query, locale), foreign_words(query, locale))
        offered: dict[str, dict] = {}
        twins: dict[str, float] = {}  # native doc id -> its twin's reading
        for other in others:
            offset = generation.language_offset(space, locale, other, cfg.min_pairs)
            if not own_script:
                shifted, bias = vector, -cfg.bias
            elif offset is None:
                shifted, bias = vector, cfg.bias
            else:
                shifted, bias = (
                    _unit(vector + cfg.shift * offset)[0],
                    cfg.bias_shifted,
                )
            found = generation.dense(space, other, shifted, cfg.candidates, **filters)
            found = {
                key: cosine
                for key, cosine in found.items()
                if cosine >= min_cosine and generation.chunks[key].doc_id not in have
            }
            keywords, reading = self._translation(generation, words, other, glossary)
            lexical = self._translated_matches(generation, keywords, locale, other, filters)
            vectors = generation.vectors(space, other)
            for _, key in lexical.values():
                if key not in found:
                    found[key] = float(np.max(vectors.chunk_vectors(key) @ shifted))
            hubness = generation.hubness(space, other, list(found), locale, cfg.hub_neighbours)
            read = self._translation_cosines(generation, reading, other, space, found)
            for doc_id, closeness in self._twin_reads(generation, ranked, reading, other, space):
                twins[doc_id] = max(closeness, twins.get(doc_id, closeness))
            for key, cosine in found.items():
                record = generation.chunks[key]
                share = lexical[record.doc_id][0] if record.doc_id in lexical else 0.0
                # No reading at all (one model): nothing to judge the article by.
                closeness = read.get(key, 0.0) if read else 1.0
                rank = (
                    cosine
                    - hubness.get(key, 0.0) / 2
                    + cfg.lexical_weight * share
                    + cfg.translation_weight * read.get(key, 0.0)
                )
                known = offered.get(record.doc_id)
                if known is None or rank > known["rank"]:
                    offered[record.doc_id] = {
                        "record": record,
                        "score": cosine,
                        "cosine": max(cosine, known["cosine"] if known else cosine),
                        "read": max(closeness, known["read"] if known else closeness),
                        "rank": rank,
                        "bias": bias,
                    }
                else:
                    known["cosine"] = max(known["cosine"], cosine)
                    known["read"] = max(known["read"], closeness)
        foreign = sorted(offered.values(), key=lambda e: e["rank"], reverse=True)
        foreign = foreign[: cfg.max_results]
        if not foreign:
            return ranked
        for entry in foreign:
            entry["cross_lingual"] = True
        # Native results stay ahead while they are good answers: strong against the best
        # native one, and closer in meaning than any foreign one by the language bias (both
        # cosines in the bridging model's space, whichever model ranked the native ones).
        # Read in the foreign language, the twins can overrule the cosines both ways.
        top = ranked[0]["score"] if ranked else 0.0
        bar = max(entry["cosine"] + entry["bias"] for entry in foreign)
        best_read = max(entry["read"] for entry in foreign)
        position = 0
        for entry in ranked:
            if entry["score"] < cfg.native_share * top:
                break
            twin = twins.get(entry["record"].doc_id)
            if twin is not None and twin < best_read - cfg.twin_lag:
                break
            closer = generation.best_cosine(space, entry["record"].doc_key, vector) >= bar
            if not closer and (twin is None or twin < best_read + cfg.twin_lead):
                break
            position += 1
        if position:
            foreign = _after_native(
                foreign, [twins.get(e["record"].doc_id) for e in ranked[:position]], cfg
            )
        return ranked[:position] + foreign + ranked[position:]

    def _bridged(self, generation, locale: str, other: str) -> bool:
        """Whether a model bridges ``locale`` to ``other`` and the index serves its vectors
        of ``other`` (a damaged part is left out until repaired). A site with no article in
        ``locale`` yet has no vectors of it, and borrows all it shows."""
        bridge = self.plan.bridge(locale, other)
        if bridge is None:
            return False
        space = space_name(bridge)
        if generation.is_damaged(Part(VECTORS, locale, space)):
            return False
        return generation.vectors(space, other) is not None

    def _keyword_expansion(self, generation, query: str, locale: str) -> list[str]:
        """For a query with no letter of the page's script ("password reset" on a Korean
        page), which shares no word with the page's articles: its words' translations
        into the locale's words (:mod:`indexer.lexicon`), added to the keyword query.

        Not for words of the locale's own language that no article uses (slang such as
        "비번"): e5's nearest Korean words to them were mostly unrelated ("미만", "입금");
        the site's glossary (:mod:`indexer.glossary`) covers those.
        """
        if written_in_script_of(query, locale):
            return []
        words = [w for w in foreign_words(query, locale) if not w.isdigit()]
        return self._translate(generation, words, locale)

    def _translate(self, generation, words: list[str], locale: str) -> list[str]:
        """``locale``'s words nearest to the first ``max_translated_words`` of ``words``
        (of any language) in the translator's space, per :meth:`Lexicon.translate`; []
        without a translator or lexicon."""
        words = words[: self.config.max_translated_words]
        model = self.translator()
        lexicon = generation.lexicon(space_name(model), locale) if model and words else None
        if lexicon is None:
            return []
        return lexicon.translate(self.query_vectors(words, model), model.translation_floor)

    def _translation(self, generation, words, other, glossary) -> tuple[str, str]:
        """A query's ``words`` = (the query, whose terms the ``glossary`` translates; its
        content words, which the model translates into ``other``'s words when the glossary
        does not know them (:mod:`indexer.lexicon`); its words in no locale's script
        ("Magento", "2.4.4"), kept as they are) in ``other``'s language, as two texts.

        One to search by keywords, with all the terms of each concept, as far as the cap
        goes (articles word one thing differently), and one to read with a model, with
        every concept's preferred term before any concept's second: read that way too, the
        synonyms of the first concepts crowded out the others ("email, e-mail, mail, ..."
        left no room for "outage"; README "Cross-lingual" (13))."""
        query, content, passthrough = words
        concepts = glossary.concepts(query, other) if glossary else []
        if concepts:
            content = [w for w in content if not glossary.equivalents(w, other)]
        rest = self._translate(generation, content, other) + passthrough
        return (
            " ".join(dict.fromkeys(every_term(concepts) + rest)),
            " ".join(dict.fromkeys(terms_by_rank(concepts) + rest)),
        )

    def _translated_matches(self, generation, translation, locale, other, filters) -> dict:
        """``other``-locale articles matching a query's ``translation`` by keywords: doc id
        -> (share of the best score its words could reach, best chunk), the
        ``lexical_candidates`` (:class:`CrossLingualConfig`) best of those ``locale`` lacks."""
        if not translation or other not in generation.keyword:
            return {}
        hits = generation.keyword[other].search(
            translation, limit=self.config.leg_candidates, **filters
        )
        have = generation.doc_ids.get(locale, set())
        best: dict[str, tuple[float, str]] = {}
        for key, score in sorted(hits.scores.items(), key=itemgetter(1), reverse=True):
            doc_id = generation.chunks[key].doc_id
            if doc_id not in best and doc_id not in have and hits.ceiling:
                best[doc_id] = (score / hits.ceiling, key)
                if len(best) == self.cross_lingual.lexical_candidates:
                    break
        return best

    def _twin_reads(self, generation, ranked, reading, other, space):
        """(doc id, closeness) for the first ``twin_natives`` (:class:`CrossLingualConfig`) native
        results translated into ``other``: how closely the translation reads to the query's
        ``reading`` (:meth:`_translation_cosines`, one call for all their chunks)."""
        twins: dict[str, list[str]] = {}  # doc id -> its twin's chunk keys
        for entry in ranked[: self.cross_lingual.twin_natives]:
            doc_id = entry["record"].doc_id
            twins[doc_id] = generation.chunk_keys.get(f"{doc_id}|{other}", [])
        keys = [key for chunk_keys in twins.values() for key in chunk_keys]
        cosines = self._translation_cosines(generation, reading, other, space, keys)
        for doc_id, chunk_keys in twins.items():
            found = [cosines[key] for key in chunk_keys if key in cosines]
            if found:
                yield doc_id, max(found)

    def _translation_cosines(self, generation, translation, other, space, keys) -> dict:
        """Chunk key -> cosine of the chunk to a query's ``translation``, both as read by
        the model ranking ``other``; {} when that model is the bridging one (``space``)."""
        reader = self.plan.for_locale(other)
        if reader is None or not translation or space_name(reader) == space:
            return {}
        vectors = generation.vectors(space_name(reader), other)
        if vectors is None:
            return {}
        try:
            vector = self.query_vector(translation[: self.config.query_embed_chars], reader)
        except Exception:  # noqa: BLE001 - the bridging model's ranking still stands
            log.exception("embedding a query's translation failed")
            return {}
        cosines = {}
        for key in keys:
            rows = vectors.chunk_vectors(key)
            if len(rows):
                cosines[key] = float(np.max(rows @ vector))
        return cosines

    def _hit(self, generation, entry, query, matched, locale) -> Hit:
        record: ChunkRecord = entry["record"]
        terms = matched if record.locale == locale else set(tokenize(query, record.locale))
        return Hit(
            id=record.doc_id,
            locale=record.locale,
            title=record.title,
            category=record.category,
            snippet=make_snippet(record.text, terms, record.locale),
            heading=record.heading,
            anchor=record.anchor,
            score=round(float(entry["score"]), 6),
            visibility=record.visibility,
            cross_lingual=bool(entry.get("cross_lingual")),
        )

    def related(self, doc_id: str, locale: str, k: int = 5) -> list[Hit]:
        """Public articles nearest to ``doc_id`` in the same locale."""
        generation = self.current()
        records = generation.records_of(f"{doc_id}|{locale}")
        if not records:
            return []
        model = self.plan.for_locale(locale)
        space = space_name(model) if model else ""
        rows = generation.article_vectors(space, f"{doc_id}|{locale}")
        if rows:
            centroid = np.mean(rows, axis=0)
            centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
            scores = generation.dense(space, locale, centroid, 60, False, None, None)
            floor = getattr(model, "similarity_floor", 0.0)
            scores = {key: s for key, s in scores.items() if s >= floor}
        elif locale in generation.keyword:
            scores = generation.keyword[locale].search(records[0].title, limit=60).scores
        else:  # both legs of this locale are damaged
            return []
        scores = {key: s for key, s in scores.items() if generation.chunks[key].doc_id != doc_id}
        ranked = self._group(generation, scores, {})[:k]
        return [self._hit(generation, entry, "", set(), locale) for entry in ranked]


def _after_native(foreign: list[dict], twin_reads: list, cfg: CrossLingualConfig) -> list[dict]:
    """The ``foreign`` entries (best first) shown after native results that stayed ahead:
    those reading at least ``min_read_after_native`` close to the query's translation and at
    most ``after_native_read_lag`` less closely than the closest of those natives' twins
    (``twin_reads``, None for a native without one), at most ``max_after_native``."""
    floor = cfg.min_read_after_native
    reads = [read for read in twin_reads if read is not None]
    if reads:
        floor = max(floor, max(reads) - cfg.after_native_read_lag)
    return [entry for entry in foreign if entry["read"] >= floor][: cfg.max_after_native]


def _hubness(
    vectors, other: str, keys: list[str], locale: str, neighbours: int
) -> dict[str, float]:
    """Mean cosine of each ``other``-locale chunk to its nearest chunks in ``locale``
    (``vectors``: one model's vectors by locale; empty when ``locale`` has too few vectors
    to tell a hub)."""
    source = vectors.get(locale)
    target = vectors.get(other)
    if not keys or source is None or target is None or len(source) < neighbours:
        return {}
    rows = np.stack([target.vector(key) for key in keys])
    sims = rows @ source.matrix.T
    nearest = np.partition(sims, sims.shape[1] - neighbours, axis=1)[:, -neighbours:]
    return dict(zip(keys, nearest.mean(axis=1).tolist(), strict=True))


def _language_offset(
    vectors, chunks, source: str, target: str, min_pairs: int
) -> np.ndarray | None:
    """Mean over articles written in both locales of (centroid in ``target`` - centroid in
    ``source``), from one model's ``vectors`` by locale; None with fewer than
    ``min_pairs`` such articles."""
    centroids = {}
    for locale in (source, target):
        index = vectors.get(locale)
        if index is None:
            return None
        rows: dict[str, list[int]] = {}
        for key, key_rows in index.rows_of.items():
            rows.setdefault(chunks[key].doc_id, []).extend(key_rows)
        centroids[locale] = {doc: index.matrix[r].mean(axis=0) for doc, r in rows.items()}
    both = sorted(centroids[source].keys() & centroids[target].keys())
    if len(both) < min_pairs:
        return None
    difference = [centroids[target][doc] - centroids[source][doc] for doc in both]
    return np.mean(difference, axis=0).astype(np.float32)
