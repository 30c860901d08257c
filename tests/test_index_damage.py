"""A damaged index part is served around and rebuilt alone (issue 24.5).

One flipped byte in one locale's vectors, or in one Whoosh segment, must cost that part
only: the generation opens without it, searches answer from the intact leg and say so in
``degraded``, and the next sync rebuilds just that part (no cold re-embed of everything).
Only damaged chunks (every part is derived from them) leave nothing to serve.

The fake embedder (:class:`indexer.embeddings.HashingEmbedder`) stands in for a model, so
these tests run in seconds; a wrapper counts what it is asked to embed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer import Document, EmbedderPlan, IndexUnavailable, SearchEngine
from indexer.embeddings import HashingEmbedder, space_name
from indexer.engine import embedding_texts
from indexer.generations import file_digest
from indexer.parts import KEYWORD, VECTORS, Part
from indexer.vectors import VectorIndex
from tests.conftest import TEST_ARTICLES

SPACE = space_name(HashingEmbedder())


class CountingEmbedder(HashingEmbedder):
    """The fake embedder, remembering every passage it was asked to embed."""

    def __init__(self):
        super().__init__()
        self.passages: list[str] = []

    def encode_passages(self, texts, progress=None):
        self.passages.extend(texts)
        return super().encode_passages(texts, progress)


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    """The test articles as the portal indexes them (public and internal, both locales)."""
    from portal.search import indexable
    from portal.store import ArticleStore

    return indexable(ArticleStore(TEST_ARTICLES).load())


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, docs) -> Path:
    """An index of the test articles, built once; each test damages its own copy."""
    index_dir = tmp_path_factory.mktemp("pristine")
    SearchEngine(index_dir, embedder=EmbedderPlan(HashingEmbedder())).build(docs)
    return index_dir


@pytest.fixture
def index_dir(tmp_path, pristine) -> Path:
    shutil.copytree(pristine, tmp_path / "index")
    return tmp_path / "index"


def engine_on(index_dir: Path) -> tuple[SearchEngine, CountingEmbedder]:
    """A fresh engine (a process started after the damage) and its counting embedder."""
    embedder = CountingEmbedder()
    return SearchEngine(index_dir, embedder=EmbedderPlan(embedder)), embedder


def generation_dir(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text().strip()


def flip(path: Path) -> None:
    """Damage a file the way a bad disk does: a few bytes in its middle."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(middle, min(middle + 4, len(data))):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def segment(index_dir: Path, locale: str) -> Path:
    return next((generation_dir(index_dir) / "keyword" / locale).glob("*.seg"))


def vectors_file(index_dir: Path, locale: str) -> Path:
    return generation_dir(index_dir) / "vectors" / SPACE / f"{locale}.npy"


def ranking(results) -> list[tuple[str, str, float]]:
    return [(hit.id, hit.locale, hit.score) for hit in results.hits]


def locale_passages(engine: SearchEngine, locale: str) -> list[str]:
    """What the model embeds for every chunk of one locale."""
    model = engine.plan.default
    records = engine.current().chunks.values()
    return [text for r in records if r.locale == locale for text in embedding_texts(r, model)]


QUERIES = [
    ("환불 언제 돼요", "ko"),
    ("비밀번호 재설정", "ko"),
    ("refund", "en"),
    ("track my order", "en"),
]


@pytest.fixture(scope="module")
def intact(pristine) -> dict:
    """What the undamaged index answers, per query and mode."""
    engine, _ = engine_on(pristine)
    return {
        (query, locale, mode): ranking(engine.search(query, locale=locale, mode=mode))
        for query, locale in QUERIES
        for mode in ("hybrid", "keyword", "dense")
    }


# -- every file is checked ---------------------------------------------------------------


def test_every_whoosh_segment_file_is_in_the_manifests_checksums(index_dir):
    current = generation_dir(index_dir)
    files = json.loads((current / "manifest.json").read_text())["files"]
    for locale in ("en", "ko"):
        on_disk = [
            p.relative_to(current).as_posix()
            for p in (current / "keyword" / locale).iterdir()
            if not p.name.endswith("LOCK")
        ]
        assert on_disk and set(on_disk) <= set(files)
        assert all(files[name] == file_digest(current / name) for name in on_disk)


def test_a_damaged_whoosh_segment_is_noticed_when_the_index_opens(index_dir):
    flip(segment(index_dir, "en"))
    engine, _ = engine_on(index_dir)
    status = engine.status()
    assert status["ready"] and list(status["damaged"]) == ["keyword/en"]
    assert ".seg is damaged" in status["damaged"]["keyword/en"]


def test_a_segment_file_the_manifest_does_not_list_counts_as_damage(index_dir):
    (generation_dir(index_dir) / "keyword" / "ko" / "_MAIN_9.toc").write_bytes(b"stray")
    engine, _ = engine_on(index_dir)
    assert list(engine.status()["damaged"]) == ["keyword/ko"]


# -- damaged vectors: keyword results, then one locale re-embedded ----------------------


def test_damaged_vectors_of_one_locale_leave_its_keyword_results_and_say_so(index_dir, intact):
    flip(vectors_file(index_dir, "ko"))
    engine, _ = engine_on(index_dir)
    assert list(engine.status()["damaged"]) == [f"vectors/{SPACE}/ko"]
    for query, locale in QUERIES:
        results = engine.search(query, locale=locale)
        if locale == "ko":
            assert results.mode == "keyword"
            assert results.degraded.startswith("semantic search for ko is being repaired")
            assert "showing keyword results" in results.degraded
            assert ranking(results) == intact[(query, locale, "keyword")]
            assert results.hits
        else:
            assert results.mode == "hybrid" and results.degraded is None
            assert ranking(results) == intact[(query, locale, "hybrid")]


def test_a_sync_re_embeds_only_the_damaged_locale_and_search_is_hybrid_again(
    index_dir, docs, intact, pristine
):
    flip(vectors_file(index_dir, "ko"))
    engine, embedder = engine_on(index_dir)
    before = generation_dir(index_dir).name

    report = engine.sync(docs)

    assert generation_dir(index_dir).name != before
    assert report.repaired == (f"vectors/{SPACE}/ko",)
    assert sorted(embedder.passages) == sorted(locale_passages(engine, "ko"))
    assert report.chunks_embedded == len(locale_passages(engine, "ko"))
    assert report.chunks_embedded < len(engine.current().chunks)
    assert engine.status()["damaged"] == {}
    for query, locale in QUERIES:
        results = engine.search(query, locale=locale)
        assert (results.mode, results.degraded) == ("hybrid", None)
        assert ranking(results) == intact[(query, locale, "hybrid")]
    repaired = VectorIndex.load(generation_dir(index_dir) / "vectors" / SPACE, "ko")
    original = VectorIndex.load(generation_dir(pristine) / "vectors" / SPACE, "ko")
    assert repaired.keys == original.keys
    assert np.array_equal(repaired.matrix, original.matrix)


def test_a_second_sync_after_the_repair_has_nothing_to_do(index_dir, docs):
    flip(vectors_file(index_dir, "ko"))
    engine, embedder = engine_on(index_dir)
    engine.sync(docs)
    embedder.passages.clear()
    report = engine.sync(docs)
    assert report.unchanged == len(docs) and embedder.passages == []


# -- a damaged keyword index: semantic results, then one locale rewritten ---------------


def test_a_damaged_keyword_index_leaves_semantic_results_and_says_so(index_dir, intact):
    flip(segment(index_dir, "en"))
    engine, _ = engine_on(index_dir)
    results = engine.search("refund", locale="en")
    assert results.mode == "dense"
    assert results.degraded.startswith("keyword search for en is being repaired")
    assert ranking(results) == intact[("refund", "en", "dense")] and results.hits
    korean = engine.search("환불 언제 돼요", locale="ko")
    assert (korean.mode, korean.degraded) == ("hybrid", None)


def test_a_sync_rewrites_only_the_damaged_keyword_index_without_embedding_anything(
    index_dir, docs, intact, pristine
):
    flip(segment(index_dir, "en"))
    engine, embedder = engine_on(index_dir)

    report = engine.sync(docs)

    assert embedder.passages == [] and report.chunks_embedded == 0
    assert report.repaired == ("keyword/en",)
    assert engine.status()["damaged"] == {}
    for query, locale in QUERIES:
        results = engine.search(query, locale=locale)
        assert (results.mode, results.degraded) == ("hybrid", None)
        assert ranking(results) == intact[(query, locale, "hybrid")]
    rewritten = generation_dir(index_dir) / "keyword" / "en.terms.json"
    assert (
        rewritten.read_bytes() == (generation_dir(pristine) / "keyword/en.terms.json").read_bytes()
    )


def test_a_damaged_term_matrix_is_a_damaged_keyword_index_too(index_dir, docs):
    flip(generation_dir(index_dir) / "keyword" / "ko.terms.npz")
    engine, embedder = engine_on(index_dir)
    assert engine.search("환불", locale="ko").mode == "dense"
    engine.sync(docs)
    assert engine.search("환불", locale="ko").mode == "hybrid" and embedder.passages == []


# -- both legs, or the chunks ---------------------------------------------------------


def test_a_locale_with_both_legs_damaged_answers_nothing_and_says_so_others_are_served(
    index_dir, docs
):
    flip(vectors_file(index_dir, "ko"))
    flip(segment(index_dir, "ko"))
    engine, embedder = engine_on(index_dir)
    korean = engine.search("환불", locale="ko")
    assert korean.hits == () and korean.degraded.startswith("search for ko is being repaired")
    assert engine.search("refund", locale="en").hits
    engine.sync(docs)
    assert engine.search("환불", locale="ko").mode == "hybrid"
    assert sorted(embedder.passages) == sorted(locale_passages(engine, "ko"))


def test_damaged_chunks_leave_nothing_to_serve_and_a_sync_rebuilds_everything(index_dir, docs):
    flip(generation_dir(index_dir) / "chunks.jsonl")
    engine, _ = engine_on(index_dir)
    with pytest.raises(IndexUnavailable, match="chunks.jsonl"):
        engine.search("refund", locale="en")
    assert engine.status()["ready"] is False and engine.is_stale(docs)
    report = engine.sync(docs)
    assert report.added == len(docs)
    assert engine.search("refund", locale="en").mode == "hybrid"


# -- a publish never copies a damaged file forward ------------------------------------


def test_an_article_saved_meanwhile_is_published_without_the_damaged_files(index_dir, docs):
    flip(vectors_file(index_dir, "ko"))
    flip(segment(index_dir, "en"))
    engine, embedder = engine_on(index_dir)
    edited = next(d for d in docs if d.locale == "en")
    quokka = Document(edited.id, "en", edited.title, edited.body + "\n\nA quokka hides here.")

    engine.upsert(quokka)  # a writer's save: no re-embedding of a whole locale

    current = generation_dir(index_dir)
    assert not (current / "vectors" / SPACE / "ko.npy").exists()
    assert not (current / "keyword" / "en").exists()
    assert sorted(engine.status()["damaged"]) == ["keyword/en", f"vectors/{SPACE}/ko"]
    manifest = json.loads((current / "manifest.json").read_text())
    assert all(file_digest(current / name) == sum_ for name, sum_ in manifest["files"].items())
    assert len(embedder.passages) == len(embedding_texts_of(engine, quokka))
    assert engine.search("quokka", locale="en").mode == "dense"

    engine.sync([quokka if d.key == quokka.key else d for d in docs])

    assert engine.status()["damaged"] == {}
    found = engine.search("quokka", locale="en")
    assert found.mode == "hybrid" and [h.id for h in found.hits][:1] == [quokka.id]


def embedding_texts_of(engine: SearchEngine, doc: Document) -> list[str]:
    generation = engine.current()
    model = engine.plan.default
    return [t for r in generation.records_of(doc.key) for t in embedding_texts(r, model)]


# -- an index written before segments were checksummed ---------------------------------


def test_an_index_without_segment_checksums_is_served_and_its_segments_rewritten_by_sync(
    index_dir, docs
):
    current = generation_dir(index_dir)
    manifest = json.loads((current / "manifest.json").read_text())
    manifest["files"] = {
        name: digest
        for name, digest in manifest["files"].items()
        if not name.startswith(("keyword/en/", "keyword/ko/"))
    }
    (current / "manifest.json").write_text(json.dumps(manifest))
    engine, embedder = engine_on(index_dir)
    assert engine.status()["damaged"] == {}
    assert engine.current().unverified == {Part(KEYWORD, "en"), Part(KEYWORD, "ko")}
    assert engine.search("refund", locale="en").mode == "hybrid"

    engine.sync(docs)

    files = json.loads((generation_dir(index_dir) / "manifest.json").read_text())["files"]
    assert any(name.startswith("keyword/ko/") for name in files)
    assert engine.current().unverified == set() and embedder.passages == []


def test_part_names_read_back_as_the_same_parts():
    for part in (Part(KEYWORD, "ko"), Part(VECTORS, "en", SPACE)):
        assert Part.parse(part.name) == part


# -- a damaged lexicon ------------------------------------------------------------------


class TranslatingEmbedder(CountingEmbedder):
    """The counting fake, declared a translator: the index keeps a lexicon per locale."""

    translation_floor = 0.3


def test_a_damaged_lexicon_is_left_out_and_a_sync_embeds_only_its_words(tmp_path, docs):
    index_dir = tmp_path / "index"
    SearchEngine(index_dir, embedder=EmbedderPlan(TranslatingEmbedder())).build(docs)
    folder = generation_dir(index_dir) / "vectors" / SPACE
    korean_words = len(json.loads((folder / "ko.words.keys.json").read_text()))
    flip(folder / "ko.words.npy")
    embedder = TranslatingEmbedder()
    engine = SearchEngine(index_dir, embedder=EmbedderPlan(embedder))
    assert list(engine.status()["damaged"]) == [f"lexicon/{SPACE}/ko"]
    results = engine.search("환불", locale="ko")  # the words only widen borrowed results
    assert (results.mode, results.degraded) == ("hybrid", None) and results.hits
    embedded = []
    queries = embedder.encode_queries
    embedder.encode_queries = lambda texts: embedded.extend(texts) or queries(texts)

    engine.sync(docs)

    assert engine.status()["damaged"] == {} and embedder.passages == []
    assert len(embedded) == korean_words  # the Korean words again, nothing else
    assert engine.current().lexicon(SPACE, "ko") is not None


def test_a_manifest_naming_no_known_part_as_damaged_is_refused_not_a_crash(index_dir):
    manifest_file = generation_dir(index_dir) / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["damaged"] = {"nonsense": "?"}
    manifest_file.write_text(json.dumps(manifest))
    engine, _ = engine_on(index_dir)
    with pytest.raises(IndexUnavailable, match="damaged"):
        engine.search("refund", locale="en")
