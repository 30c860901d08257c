"""Per-locale analysis: what makes a customer's words meet an article's words."""

from __future__ import annotations

import pytest

from indexer.analyzers import analyzer_for, term_spans, tokenize
from indexer.chunking import Document, chunk_document, markdown_to_text
from indexer.highlight import make_snippet
from indexer.keyword import KeywordIndex
from portal.rendering import render_markdown


@pytest.mark.parametrize(
    ("query", "text", "shared"),
    [
        ("비밀번호 재설정", "비밀번호를 재설정하려면 설정 메뉴를 여세요", {"비밀번호", "설정"}),
        ("비밀번호재설정", "비밀번호를 재설정하려면", {"비밀번호", "설정"}),
        ("비밀 번호 재설정", "비밀번호를 재설정하려면", {"비밀", "번호", "설정"}),
        ("환불 받기", "환불을 받으려면 주문 내역으로 가세요", {"환불", "받"}),
        ("새벽배송 취소", "새벽 배송은 오후 11시까지 취소할 수 있습니다", {"새벽", "배송", "취소"}),
    ],
)
def test_korean_particles_endings_and_spacing_do_not_block_a_match(query, text, shared):
    query_terms, text_terms = set(tokenize(query, "ko")), set(tokenize(text, "ko"))
    assert shared <= query_terms & text_terms


def test_korean_particles_and_endings_are_not_terms():
    terms = tokenize("비밀번호를 재설정하려면 설정에서 변경하세요", "ko")
    for particle_or_ending in ("를", "에서", "려면", "세요"):
        assert particle_or_ending not in terms


def test_english_words_are_stemmed():
    assert tokenize("refunds", "en") == tokenize("refund", "en")
    assert tokenize("Passwords", "en") == tokenize("password", "en")


def test_japanese_and_chinese_get_character_bigrams():
    assert "リセ" in tokenize("パスワードをリセット", "ja")
    assert "密码" in tokenize("重置密码", "zh")


def test_french_is_stemmed_with_its_own_rules():
    assert tokenize("remboursements", "fr") == tokenize("remboursement", "fr")


@pytest.mark.parametrize("locale", ["en", "fr", "ko", "ja", "xx"])
def test_highlight_spans_are_the_terms_the_index_holds(locale):
    text = (
        "Running the customer's RUNS: e-mail a.b@example.com, 1,000.50 KRW; café naïve STRASSE. "
        "비밀번호를 재설정하려면 설정을 여세요. パスワードを再設定する"
    )
    spans = term_spans(text, locale)
    assert [term for term, _, _ in spans] == tokenize(text, locale)
    analysed = analyzer_for(locale)(text, chars=True)
    assert spans == tuple((t.text, t.startchar, t.endchar) for t in analysed)


def test_a_snippet_marks_whole_korean_words_not_the_pieces_of_longer_ones():
    # "기프트카드" is indexed with its two-syllable pieces too (기프, 프트, 트카...), so that
    # "기프트 카드" finds it; marked in a snippet, its piece "프트" lit up in "소프트웨어".
    text = "소프트웨어 코드는 반품할 수 없습니다. 남은 기프트카드 잔액은 사라집니다."
    snippet = make_snippet(text, set(tokenize("기프트카드", "ko")), "ko")
    assert "<mark>기프트카드</mark>" in snippet
    assert "소프트웨어" in snippet


def test_a_snippet_marks_a_compound_the_query_names_whole():
    # Kiwi reads "비밀번호를" as 비밀 + 번호; the compound 비밀번호 is a term of its own.
    snippet = make_snippet("비밀번호를 바꾸세요", {"번호", "비밀번호"}, "ko")
    assert snippet.startswith("<mark>비밀번호</mark>를")


def test_a_snippet_does_not_mark_one_syllable_verb_stems_of_the_query(tmp_path):
    # "사려는데" (want to buy) holds the stem 사, which Kiwi also finds in 택배사 (courier);
    # "돼요" holds 되, the stem of every 됩니다.
    text = "기프트카드는 택배사에서 보내지 않습니다. 해외 카드로도 결제가 됩니다."
    doc = Document("gift", "ko", "기프트카드", text)
    keyword = KeywordIndex(tmp_path / "ko", "ko")
    keyword.write([(doc, chunk_document(doc))], [])
    keyword.open()
    hits = keyword.search("기프트카드 사려는데 안 돼요", limit=5)
    assert hits.scores  # found, by its words
    snippet = make_snippet(text, hits.matched, "ko")
    assert "<mark>기프트카드</mark>" in snippet
    assert "택배사에서" in snippet and "결제가 됩니다" in snippet


def test_chunks_follow_second_and_third_level_headings_but_not_code():
    body = (
        "Intro.\n\n## First step\n\nDo this.\n\n```\n## not a heading\n```\n\n### Detail\n\nMore."
    )
    chunks = chunk_document(Document("a", "en", "Title", body))
    assert [c.heading for c in chunks] == ["", "First step", "Detail"]
    assert "not a heading" in chunks[1].text


def test_chunk_anchors_are_the_ids_the_article_page_gives_headings():
    body = (
        "## 비밀번호 재설정 방법\n\ntext\n\n## Billing & refunds (EU)\n\ntext\n\n"
        "## Run `bin/magento` as **admin**\n\ntext\n\n## See [the FAQ](https://x.test/faq)\n\n"
        "text\n\n# Steps\n\ntext\n\n## Steps\n\ntext\n\n#### Steps\n\ntext\n\n### Steps\n\n"
        "text\n\n## Main\n\ntext"
    )
    anchors = [c.anchor for c in chunk_document(Document("a", "ko", "T", body))]
    page_ids = [entry.anchor for entry in render_markdown(body).toc if entry.level in (2, 3)]
    assert anchors == page_ids  # "# Steps" and "#### Steps" start no chunk, but count
    assert anchors[-3:] == ["steps_1", "steps_3", "main_1"]


def test_chunk_headings_are_plain_text_as_readers_see_them():
    body = "## Open **Settings** > [!UICONTROL Stores] and `bin/magento`\n\nDo this."
    (chunk,) = chunk_document(Document("a", "en", "T", body))
    assert chunk.heading == "Open Settings > Stores and bin/magento"


def test_markdown_syntax_is_not_indexed_as_words():
    text = markdown_to_text("1. Open **Settings** and [the page](https://x.example/a).\n\n|a|b|")
    assert "Settings" in text and "the page" in text
    assert "**" not in text and "https" not in text


def test_ranges_keep_their_tilde_while_strikethrough_marks_go():
    text = markdown_to_text("새 비밀번호는 8~20자로, 환불은 영업일 기준 3~5일. ~~old price~~")
    assert "8~20자" in text and "3~5일" in text
    assert "old price" in text and "~~" not in text


def test_an_endless_section_is_split_into_bounded_chunks():
    body = "## Long\n\n" + ("A sentence about refunds. " * 400)
    chunks = chunk_document(Document("a", "en", "T", body))
    assert len(chunks) > 1
    assert all(len(c.text) <= 1500 for c in chunks)
