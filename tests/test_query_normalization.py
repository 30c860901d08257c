"""Invisible characters pasted into a query: neither searched nor logged.

A zero-width space separates words, so it searches as a space; the other format characters
(bidi controls, byte order mark, soft hyphen, word joiner, ZWJ, ZWNJ) are dropped.
"""

from __future__ import annotations

import pytest

from portal.search import normalize_query
from tests.test_analytics_search_noise import logged_queries

CLEAN = "비밀번호 재설정"
PASTED = [
    "비밀번호\u200b재설정",  # zero-width space between the words
    "\u202e비밀번호 재설정\u202c",  # right-to-left override ... pop directional formatting
    "\ufeff비밀번호\u00ad \u2066재\u2060설정\u2069\u200e",  # BOM, soft hyphen, isolates, WJ
]


@pytest.mark.parametrize(
    ("pasted", "clean"),
    [
        ("비밀번호\u200b재설정", "비밀번호 재설정"),
        ("\u202eresetpassword", "resetpassword"),
        ("pass\u00adword", "password"),
        ("\u200ereset\u200f \u200b password\u2061", "reset password"),
        ("\u202agift\u202b\u202d wrap\u202c", "gift wrap"),
        ("\u2066\u2067refund\u2068\u2069\u2062\u2063\u2064", "refund"),
        ("\ufeffpass\u2060word\ufeff", "password"),
        ("로그인\u200c\u200d", "로그인"),
        ("👩\u200d💻 sign in", "👩💻 sign in"),  # ZWJ sequences fall apart; the words stay
        ("\u200b\u200c\u200d\u2060\ufeff\u00ad\u202e", ""),
    ],
)
def test_invisible_format_characters_are_spaces_or_nothing(pasted, clean):
    assert normalize_query(pasted) == clean


def test_a_long_pasted_query_is_cut_after_its_invisible_characters_are_gone():
    assert normalize_query("\u200e" * 600 + "refund") == "refund"


@pytest.mark.parametrize("pasted", PASTED)
def test_a_query_with_invisible_characters_searches_and_logs_as_the_clean_one(
    search_app, search_client, pasted
):
    clean = search_client.get("/api/v1/search", query_string={"q": CLEAN, "locale": "ko"})
    dirty = search_client.get("/api/v1/search", query_string={"q": pasted, "locale": "ko"})
    clean, dirty = clean.get_json(), dirty.get_json()
    assert clean["results"][0]["id"] == "reset-password"
    assert dirty["results"] == clean["results"]
    assert dirty["query"] == CLEAN
    assert search_client.get("/ko/search", query_string={"q": pasted}).status_code == 200
    assert logged_queries(search_app) == [CLEAN, CLEAN, CLEAN]
