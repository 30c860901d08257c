"""Korean typo tolerance of the keyword leg: a query word one jamo off finds the word meant."""

from __future__ import annotations

import pytest

from indexer import Document
from indexer.chunking import chunk_document
from indexer.keyword import KeywordIndex, correct
from indexer.typos import jamo, one_letter_apart

# The first article gives the index the spread of syllables a real help center has: the
# syllables the old typo variants were built from (the 64 most common) then miss 니, as
# they do on the site's own Korean articles, so "장바구미" needs the jamo lookup.
ARTICLES = {
    "membership": (
        "회원 등급별 혜택과 적립금 안내",
        "우수회원은 매월 할인쿠폰과 무료배송 혜택을 받습니다. 적립금은 구매확정 후 지급되며 "
        "유효기간은 일 년입니다. 회원등급은 최근 석 달 동안의 구매금액으로 정해지고 매월 첫날 "
        "갱신됩니다. 생일쿠폰, 신규가입 선물, 친구초대 보상, 상품리뷰 작성 포인트, 출석체크 "
        "이벤트, 시즌세일 기획전은 알림수신에 동의한 회원에게 안내합니다. 해외직구 상품은 "
        "통관절차와 관세기준에 따라 배송기간이 길어질 수 있고, 법인회원은 세금계산서와 "
        "현금영수증을 발급받을 수 있습니다. 휴면계정은 본인인증 후 복구되며, 회원탈퇴 후에는 "
        "한 달 동안 재가입이 제한됩니다. 고객센터 상담시간은 평일 오전 아홉 시부터 오후 여섯 "
        "시까지이며, 주말과 공휴일에는 챗봇상담과 이메일문의를 이용해 주세요. 선물포장, "
        "대량구매 견적문의, 정기구독 서비스, 구독해지 방법, 구독료 결제일 변경, 멤버십 연회비, "
        "제휴카드 청구할인, 간편로그인 연동, 개인정보 처리방침도 고객센터에서 안내합니다. "
        "배송지 변경, 배송메모 입력, 새벽배송 가능지역, 택배사 연락처, 교환신청 기간, "
        "반품비용 기준, 상품문의 답변시간, 재입고 알림신청도 확인해 보세요.",
    ),
    "refund": ("환불 신청", "주문을 취소하면 환불은 3영업일 안에 카드로 돌아갑니다."),
    "payment-cancel": (
        "결제 취소",
        "카드 결제를 되돌리려면 주문 내역에서 결제 내역의 버튼을 누르세요.",
    ),
    "order-cancel": ("주문 취소", "주문 취소는 배송 전에만 됩니다. 취소한 주문은 다시 주문하세요."),
    "cart": ("장바구니 비우기", "장바구니에 담은 상품은 30일 동안 보관됩니다."),
    "app": ("앱 설치", "앱은 스토어에서 받을 수 있습니다."),
}


@pytest.fixture(scope="module")
def keyword(tmp_path_factory) -> KeywordIndex:
    """A Korean keyword index of the articles above."""
    docs = [
        Document(id=doc_id, locale="ko", title=title, body=body)
        for doc_id, (title, body) in ARTICLES.items()
    ]
    index = KeywordIndex(tmp_path_factory.mktemp("index") / "ko", "ko")
    index.write([(doc, chunk_document(doc)) for doc in docs], [])
    index.open()
    return index


def found(keyword: KeywordIndex, query: str) -> list[str]:
    """Article ids, best first."""
    hits = keyword.search(query, limit=10)
    best = sorted(hits.scores.items(), key=lambda kv: kv[1], reverse=True)
    return list(dict.fromkeys(key.split("|")[0] for key, _ in best))


def test_a_misspelt_word_the_analyzer_cut_apart_finds_its_article(keyword):
    assert found(keyword, "환블")[:1] == ["refund"]


def test_a_typo_in_one_of_two_words_still_ranks_the_article_meant_first(keyword):
    assert found(keyword, "졀제 취소")[:1] == ["payment-cancel"]


def test_a_typo_in_a_long_word_finds_and_highlights_the_word_meant(keyword):
    hits = keyword.search("장바구미", limit=10)
    assert found(keyword, "장바구미")[:1] == ["cart"]
    assert "장바구니" in hits.matched


def test_a_correctly_spelt_query_is_not_widened(keyword):
    hits = keyword.search("결제 취소", limit=10)
    assert hits.matched == {"결제", "취소"}
    assert found(keyword, "결제 취소")[:1] == ["payment-cancel"]


def test_a_nonsense_word_finds_nothing(keyword):
    assert found(keyword, "뷁궯") == []


def test_a_one_syllable_word_is_not_widened(keyword):
    assert found(keyword, "엡") == []  # one vowel away from 앱 (app)


@pytest.mark.parametrize(
    ("typed", "meant", "apart"),
    [
        ("환블", "환불", True),  # a vowel replaced
        ("졀제", "결제", True),  # a consonant replaced
        ("겨제", "결제", True),  # a final consonant left out
        ("간아", "가나", True),  # the same key, read as the end of the first syllable
        ("줄제", "결제", False),  # two letters replaced
        ("결제", "결제", False),
    ],
)
def test_words_are_one_jamo_apart_letter_by_letter(typed, meant, apart):
    assert one_letter_apart(jamo(typed), jamo(meant)) is apart


def test_a_word_kiwi_cannot_read_is_written_as_the_word_meant_for_the_model(keyword):
    assert correct("환블 언제 돼요", keyword.corrections("환블 언제 돼요")) == "환불 언제 돼요"
    assert keyword.search("환블 언제 돼요", limit=10).corrections == {"환블": "환불"}
    # A word Kiwi reads (as an unknown noun) and a correct one are left as typed: on a
    # bilingual site the Korean index lacks many real words of English-only topics.
    assert correct("졀제 취소", keyword.corrections("졀제 취소")) == "졀제 취소"
    assert correct("환불 언제 돼요", keyword.corrections("환불 언제 돼요")) == "환불 언제 돼요"


def test_the_semantic_ranking_reads_a_korean_typo_as_the_word_meant(tmp_path):
    """On the sample site "환블 언제 돼요" put three English-only articles before the Korean
    refund article: e5 read the typo as another word. It now embeds "환불 언제 돼요"."""
    from indexer import SearchEngine
    from tests.conftest import TEST_EMBEDDER

    docs = [
        Document(id=doc_id, locale="ko", title=title, body=body)
        for doc_id, (title, body) in ARTICLES.items()
    ]
    engine = SearchEngine(tmp_path / "index", embedder=TEST_EMBEDDER)
    engine.build(docs)

    def meaning(query: str) -> list[tuple[str, float]]:
        hits = engine.search(query, locale="ko", mode="dense", floor=False).hits
        return [(hit.id, hit.score) for hit in hits]

    assert meaning("환블 언제 돼요") == meaning("환불 언제 돼요")
    assert meaning("환블 언제 돼요")[0][0] == "refund"
