"""The writers' glossary: equivalent terms found in queries, in one language and across."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.datasets import ARTICLES, EVAL_GLOSSARY, eval_glossary
from indexer import Document, SearchEngine
from indexer.chunking import chunk_document
from indexer.glossary import Glossary, GlossaryError
from indexer.highlight import make_snippet
from indexer.keyword import KeywordIndex
from portal.search import SearchService
from portal.store import ArticleStore
from tests.conftest import TEST_EMBEDDER

ENTRIES = [
    {"en": ["password", "passcode"], "ko": ["비밀번호", "비번", "패스워드"]},
    {"en": ["shopping cart", "cart"], "ko": ["장바구니", "카트"]},
    {"en": ["two-step verification", "2fa"], "ko": ["2단계 인증"]},
    {"en": ["pay"], "ko": ["페이"]},
    {"en": ["refund"], "ko": ["환불", "리펀드"]},
]
GLOSSARY, _ = Glossary.parse(ENTRIES)


def test_slang_finds_the_word_articles_use():
    assert GLOSSARY.equivalents("비번 바꾸는 법", "ko") == ["비밀번호", "패스워드"]
    assert GLOSSARY.equivalents("2fa not working", "en") == ["two-step verification"]


def test_terms_are_found_through_particles_and_plurals():
    assert "password" in GLOSSARY.equivalents("비밀번호를 잊었어요", "en")
    assert "장바구니" in GLOSSARY.equivalents("items vanish from my carts", "ko")
    assert "two-step verification" in GLOSSARY.equivalents("2단계 인증이 안 돼요", "en")


def test_a_term_is_not_found_inside_another_word():
    # "페이지" (page) holds the syllables of "페이" (pay) but is another word.
    assert GLOSSARY.equivalents("페이지가 안 열려요", "en") == []
    assert GLOSSARY.equivalents("카카오페이 결제", "en") == []


def test_terms_the_query_already_has_are_not_repeated():
    assert GLOSSARY.equivalents("비밀번호 비번", "ko") == ["패스워드"]
    assert GLOSSARY.equivalents("nothing related", "ko") == []


def test_bad_entries_are_reported_and_the_rest_kept(tmp_path):
    path = tmp_path / "glossary.yml"
    path.write_text(
        "- en: [refund]\n  ko: [환불]\n"
        "- just a string\n"
        "- en: [lonely]\n"
        "- en: refund\n  ko: {a: b}\n"
        "- 'not a locale!': [x, y]\n",
        encoding="utf-8",
    )
    glossary, problems = Glossary.load(path)
    assert len(glossary) == 1
    assert glossary.equivalents("환불", "en") == ["refund"]
    assert [p.split(": ", 1)[1].split(":")[0] for p in problems] == [
        "entry 2",
        "entry 3",
        "entry 4",
        "entry 5",
    ]


def test_an_unreadable_file_is_an_error_and_a_missing_one_an_empty_glossary(tmp_path):
    assert len(Glossary.load(tmp_path / "none.yml")[0]) == 0
    (tmp_path / "bad.yml").write_text("- en: [unclosed\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match="not valid YAML"):
        Glossary.load(tmp_path / "bad.yml")
    (tmp_path / "map.yml").write_text("password: 비밀번호\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match="list of entries"):
        Glossary.load(tmp_path / "map.yml")


def korean(doc_id: str, title: str, body: str) -> Document:
    return Document(id=doc_id, locale="ko", title=title, body=body)


def test_equivalents_count_less_than_the_words_typed(tmp_path):
    docs = [
        korean("door-code", "새벽 배송 현관 비번", "공동현관 비번을 배송 메모에 남겨 주세요."),
        korean("reset-password", "비밀번호 재설정", "비밀번호를 잊었다면 재설정 메일을 받으세요."),
    ]
    keyword = KeywordIndex(tmp_path / "ko", "ko")
    keyword.write([(doc, chunk_document(doc)) for doc in docs], [])
    keyword.open()

    def found(related: list[str] = ()) -> list[str]:
        """Article ids, best first."""
        hits = keyword.search("비번", limit=10, related=related)
        best = sorted(hits.scores.items(), key=lambda kv: kv[1], reverse=True)
        return list(dict.fromkeys(key.split("|")[0] for key, _ in best))

    assert found() == ["door-code"]
    assert found(GLOSSARY.equivalents("비번", "ko")) == ["door-code", "reset-password"]


def test_a_related_phrase_is_marked_whole_not_by_its_pieces(tmp_path):
    # The glossary relates "상품권" (gift certificate) to "기프트카드": its piece "상품"
    # (product) was marked wherever an article mentions products.
    text = "상품권과 기프트카드는 같은 상품 페이지에서 삽니다."
    keyword = KeywordIndex(tmp_path / "ko", "ko")
    doc = korean("gift", "기프트카드", text)
    keyword.write([(doc, chunk_document(doc))], [])
    keyword.open()
    hits = keyword.search("기프트카드", limit=10, related=["상품권"])
    snippet = make_snippet(text, hits.matched, "ko")
    assert "<mark>상품권</mark>" in snippet and "<mark>기프트카드</mark>" in snippet
    assert "같은 상품 페이지" in snippet


def test_the_site_searches_with_its_writers_glossary(tmp_path, articles_dir):
    """The loanword "리펀드", which no article uses, matches the refund article's "환불" through the
    glossary, and the result shows that word highlighted; editing the file changes it."""
    path = articles_dir / "glossary.yml"
    path.write_text("- en: [refund]\n  ko: [환불, 리펀드]\n", encoding="utf-8")
    store = ArticleStore(articles_dir).load()
    assert not store.problems
    service = SearchService(store, tmp_path / "index", TEST_EMBEDDER)
    service.build()

    def found() -> list[tuple[str, str]]:
        hits = service.search("리펀드", locale="ko", record=False, cross_lingual=False).hits
        return [(hit.id, hit.snippet) for hit in hits]

    first, snippet = found()[0]
    assert first == "refund-timelines"
    assert "<mark>환불</mark>" in snippet

    path.write_text("- en: [refund]\n  ko: [환불]\n", encoding="utf-8")
    store.load()
    assert "refund-timelines" not in [found_id for found_id, _ in found()]


def test_a_broken_glossary_is_reported_and_the_last_good_one_kept(articles_dir):
    path = articles_dir / "glossary.yml"
    path.write_text("- en: [refund]\n  ko: [환불, 리펀드]\n", encoding="utf-8")
    store = ArticleStore(articles_dir).load()
    path.write_text("- en: [refund\n", encoding="utf-8")
    store.load()
    assert [p.reason for p in store.problems if p.path == path]
    assert store.glossary.equivalents("리펀드", "en") == ["refund"]


def test_the_engine_accepts_no_glossary(tmp_path):
    engine = SearchEngine(tmp_path / "index", embedder=TEST_EMBEDDER)
    engine.build([korean("reset-password", "비밀번호 재설정", "재설정 메일을 받으세요.")])
    assert engine.search("비밀번호", locale="ko").hits
    assert engine.search("비밀번호", locale="ko", glossary=GLOSSARY).hits


def test_the_shipped_glossary_loads_without_problems():
    """Writers edit the shipped file by hand: every entry of it must be used."""
    glossary, problems = Glossary.load(ARTICLES / "glossary.yml")
    assert problems == []
    assert glossary.unfindable() == []
    assert len(glossary) > 100
    assert "password" in glossary.equivalents("비번 까먹었어요", "en")


def test_the_shipped_glossary_holds_the_sites_vocabulary_and_not_the_evaluation_kbs():
    """The evaluation KB's vocabulary (Adobe Commerce, developers, merchants) lives under
    bench/ and is passed by the bench; a site searching with the shipped file never meets it."""
    shipped, _ = Glossary.load(ARTICLES / "glossary.yml")
    vocabulary, problems = Glossary.load(EVAL_GLOSSARY)
    assert problems == []
    assert vocabulary.unfindable() == []
    assert not {repr(e) for e in shipped.entries} & {repr(e) for e in vocabulary.entries}
    shipped_terms = {
        term for entry in shipped.entries for terms in entry.values() for term in terms
    }
    assert not {"magento", "adobe commerce", "deployment", "cron", "composer"} & shipped_terms
    assert shipped.equivalents("마젠토 배포", "en") == []
    assert "magento" in eval_glossary().equivalents("마젠토 배포", "en")
    assert len(eval_glossary()) == len(shipped) + len(vocabulary)


def test_nothing_in_the_product_reads_the_evaluation_vocabulary():
    portal = Path(__file__).resolve().parent.parent / "portal"
    readers = [
        path
        for path in portal.rglob("*.py")
        if any(
            name in path.read_text(encoding="utf-8") for name in ("eval_glossary", "EVAL_GLOSSARY")
        )
    ]
    assert readers == []


def test_a_term_written_inside_a_longer_named_term_is_not_named():
    glossary, _ = Glossary.parse(
        [
            {"en": ["enable", "turn on"], "ko": ["활성화", "켜기"]},
            {"en": ["disable", "turn off"], "ko": ["비활성화", "끄기"]},
        ]
    )
    assert glossary.equivalents("계정이 비활성화됐어요", "en") == ["disable", "turn off"]
    assert glossary.equivalents("비활성화된 계정을 다시 활성화하려면", "en") == [
        "enable",
        "turn on",
        "disable",
        "turn off",
    ]


def test_the_words_of_a_named_phrase_are_named_too():
    glossary, _ = Glossary.parse(
        [
            {"en": ["cancel order"], "ko": ["주문 취소"]},
            {"en": ["cancel"], "ko": ["취소"]},
            {"en": ["order"], "ko": ["주문"]},
        ]
    )
    # "cancel order" on a Korean page: the Korean article says 주문을 취소하려면.
    assert glossary.equivalents("cancel order", "ko") == ["주문 취소", "취소", "주문"]


def test_one_syllable_words_are_terms_too():
    glossary, _ = Glossary.parse([{"en": ["app", "application"], "ko": ["앱", "어플"]}])
    assert glossary.equivalents("앱이 자꾸 꺼져요", "en") == ["app", "application"]
    assert glossary.equivalents("앱 설치", "ko") == ["어플"]


def test_each_concept_keeps_its_terms_together_preferred_first():
    assert GLOSSARY.concepts("비번이랑 장바구니", "en") == [
        ("password", "passcode"),
        ("shopping cart", "cart"),
    ]
    # The terms the query already has are left out, and so is a concept left empty.
    assert GLOSSARY.concepts("2fa 환불", "en") == [("two-step verification",), ("refund",)]
    assert GLOSSARY.concepts("password or passcode", "en") == []


def test_terms_written_as_a_verb_form_are_found():
    glossary, _ = Glossary.parse(
        [{"en": ["locked"], "ko": ["잠김"]}, {"en": ["crash"], "ko": ["튕김", "강제 종료"]}]
    )
    assert glossary.equivalents("계정 잠김 풀기", "en") == ["locked"]
    assert glossary.equivalents("앱 튕김", "en") == ["crash"]
    assert glossary.equivalents("문이 잠겼어요", "en") == []  # the term itself is not written


def test_verbs_in_dictionary_form_are_found_in_every_conjugation():
    glossary, _ = Glossary.parse(
        [
            {"en": ["locked"], "ko": ["잠김", "잠기다"]},
            {"en": ["slow"], "ko": ["느림", "느리다"]},
            {"en": ["forgot"], "ko": ["까먹다"]},
        ]
    )
    assert glossary.equivalents("문이 잠겼어요", "en") == ["locked"]
    assert glossary.equivalents("계정이 잠겨서 로그인이 안 돼요", "en") == ["locked"]
    assert glossary.equivalents("잠긴 계정 푸는 법", "en") == ["locked"]
    assert glossary.equivalents("사이트가 너무 느려요", "en") == ["slow"]
    assert glossary.equivalents("비번 까먹었어요", "en") == ["forgot"]
    # A verb or a noun sharing syllables with a term is not it (잠그다, to lock up; 느낌).
    assert glossary.equivalents("문을 잠그세요", "en") == []
    assert glossary.equivalents("느낌이 이상해요", "en") == []


def test_a_verb_the_analyser_does_not_read_as_one_is_reported():
    glossary, _ = Glossary.parse(
        [{"en": ["slow"], "ko": ["느림", "느려지다"]}, {"en": ["excess"], "ko": ["과다"]}]
    )
    # Read alone, 느려지다 is 느리다 + 지다: no conjugation names it ("과다" is a noun).
    assert glossary.unfindable() == [("ko", "느려지다")]
    assert glossary.equivalents("점점 느려졌어요", "en") == []
