"""What a snippet marks: what the query says, not what the engine searched besides it
(issue 25.12; the rule is in :mod:`indexer.highlight`)."""

from __future__ import annotations

import re

import yaml

from indexer.glossary import Glossary
from indexer.highlight import QueryMarks, remark
from portal.search import SearchService
from portal.store import ArticleStore
from tests.conftest import TEST_EMBEDDER

GLOSSARY = """
- en: [password, passcode]
  ko: [비밀번호, 비번, 패스워드]
- en: [reset, reset to default, restore defaults]
  ko: [초기화]
- en: [restore, recovery, recover]
- en: [refund, refunds, money back]
  ko: [환불, 환급]
"""


def glossary() -> Glossary:
    return Glossary.parse(yaml.safe_load(GLOSSARY))[0]


def marked(query: str, locale: str, text: str) -> list[str]:
    marks = QueryMarks(query, locale, glossary().equivalents(query, locale))
    return re.findall(r"<mark>(.*?)</mark>", marks.mark(text))


def test_a_korean_compound_is_marked_whole_and_never_by_a_piece_of_another_word():
    text = "비밀번호를 재설정하려면 인증번호를 입력하세요. 설정에서 번호를 바꿀 수 있어요."
    assert marked("비밀번호 재설정", "ko", text) == ["비밀번호", "재설정"]


def test_the_glossarys_one_word_equivalents_are_marked_in_korean():
    text = "비밀번호를 잊었다면 패스워드 찾기를 누르세요. 인증번호가 옵니다."
    assert marked("비번 까먹었어요", "ko", text) == ["비밀번호", "패스워드"]


def test_reset_password_marks_its_words_and_inflections_not_loose_synonyms():
    text = (
        "Passwords can be reset from the sign-in page. Your settings are restored to "
        "default, and the passcode is sent by text. Resetting takes a minute."
    )
    assert marked("reset password", "en", text) == ["Passwords", "reset", "passcode"]


def test_a_korean_question_on_an_english_page_marks_the_glossarys_word_only():
    text = "Your refund is on its way: the money comes back soon. Refunds take 3 days."
    assert marked("환불 언제 돼요", "en", text) == ["refund", "Refunds"]


def test_remark_keeps_the_excerpt_and_its_escaping():
    snippet = "…<mark>인증</mark><mark>번호</mark>와 &lt;b&gt; <mark>비밀번호</mark>를…"
    marks = QueryMarks("비밀번호", "ko")
    assert remark(snippet, marks) == "…인증번호와 &lt;b&gt; <mark>비밀번호</mark>를…"


def test_search_results_mark_what_the_query_says(tmp_path, articles_dir):
    (articles_dir / "glossary.yml").write_text(GLOSSARY, encoding="utf-8")
    store = ArticleStore(articles_dir).load()
    service = SearchService(store, tmp_path / "index", TEST_EMBEDDER)
    service.build()

    def marks(query: str, locale: str) -> set[str]:
        hits = service.search(query, locale=locale, record=False, k=10).hits
        return {m for hit in hits for m in re.findall(r"<mark>(.*?)</mark>", hit.snippet)}

    korean = marks("비밀번호 재설정", "ko")
    assert "비밀번호" in korean and not korean & {"번호", "설정", "비밀"}
    english = marks("reset password", "en")
    assert "password" in {m.lower() for m in english}
    assert not {m.lower() for m in english} & {"default", "restored", "restore"}
    borrowed = {m.lower() for m in marks("환불 언제 돼요", "en")}
    assert "refund" in borrowed and not borrowed & {"money", "back", "soon"}
