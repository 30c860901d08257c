"""Chunks longer than the model reads are embedded in windows, and found by their tail."""

from __future__ import annotations

import pytest

from indexer import Document, SearchEngine
from indexer.embeddings import make_plan, space_name
from indexer.windows import MAX_WINDOWS, WHOLE_PASSAGE_CHARS, passage_windows

HOURS = (
    "Our stores open at nine in the morning and close at eight in the evening from Monday "
    "to Saturday, and on Sundays they open at ten and close at six. "
)
HOLIDAYS = (
    "On public holidays the opening hours follow the Sunday schedule, except on New Year's "
    "Day and on the first day of the lunar new year, when every store stays closed. "
)
TAIL = (
    "To export your order history as a spreadsheet, open Orders, choose Download and pick "
    "the CSV format; the file lists every purchase with its date and amount."
)
LONG_SECTION = (HOURS + HOLIDAYS) * 4 + TAIL  # one chunk (under 1,500 characters)

CORPUS = [
    Document("store-hours", "en", "Store hours and holidays", LONG_SECTION, "stores"),
    Document(
        "track-order", "en", "Track your order",
        "Open Orders and choose the order to see where the parcel is and when it arrives.",
        "orders",
    ),
    Document(
        "payment-methods", "en", "Payment methods",
        "We accept cards, bank transfers and the wallet. Choose one at checkout.",
        "billing",
    ),
    Document(
        "receipts", "en", "Receipts for your purchases",
        "A receipt is e-mailed after each purchase. Print it from the e-mail if you need one.",
        "orders",
    ),
    Document(
        "gift-cards", "en", "Gift cards",
        "Gift cards can be bought in any amount and are sent to the recipient by e-mail.",
        "billing",
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def minilm():
    return make_plan("minilm").for_locale("en")


def test_a_chunk_that_fits_is_one_passage(minilm):
    windows = passage_windows(
        "Gift cards", CORPUS[4].body, minilm.window_tokens, minilm.token_offsets
    )
    assert windows == ["Gift cards\n" + CORPUS[4].body]


def test_a_long_chunk_becomes_overlapping_windows_that_each_fit_and_cover_the_text(minilm):
    head = "Store hours and holidays"
    assert len(minilm.token_offsets(head + "\n" + LONG_SECTION)) > minilm.window_tokens
    windows = passage_windows(head, LONG_SECTION, minilm.window_tokens, minilm.token_offsets)

    assert 2 <= len(windows) <= MAX_WINDOWS
    bodies = []
    for window in windows:
        assert window.startswith(head + "\n")
        assert len(minilm.token_offsets(window)) <= minilm.window_tokens
        bodies.append(window[len(head) + 1 :])
    assert bodies[0].startswith(HOURS[:40]) and bodies[-1].endswith(TAIL)
    for before, after in zip(bodies, bodies[1:], strict=False):
        start = LONG_SECTION.index(after)
        assert LONG_SECTION.index(before) < start < LONG_SECTION.index(before) + len(before)
        assert start == 0 or LONG_SECTION[start - 1] == " "  # no word is cut in two


def test_text_without_spaces_is_still_cut_into_a_bounded_number_of_windows(minilm):
    text = "漢字表記" * 2_000
    windows = passage_windows("", text, minilm.window_tokens, minilm.token_offsets)
    assert 2 <= len(windows) <= MAX_WINDOWS
    assert all(len(minilm.token_offsets(w)) <= minilm.window_tokens for w in windows)


def test_a_model_that_reads_any_length_gets_one_bounded_passage():
    assert passage_windows("Title", LONG_SECTION, None, None) == ["Title\n" + LONG_SECTION]
    (endless,) = passage_windows("Title", LONG_SECTION * 5, None, None)
    assert endless == ("Title\n" + LONG_SECTION * 5)[:WHOLE_PASSAGE_CHARS]


@pytest.fixture
def engine(tmp_path):
    engine = SearchEngine(tmp_path / "index", embedder="minilm")
    engine.build(CORPUS)
    return engine


def test_a_question_answered_past_the_models_window_finds_its_article_by_meaning(engine):
    results = engine.search("how do I get a CSV file of my orders", locale="en", mode="dense")
    assert [hit.id for hit in results.hits][:1] == ["store-hours"]
    assert [hit.id for hit in results.hits].count("store-hours") == 1


def test_a_chunk_keeps_one_row_per_window_and_an_update_drops_the_old_ones(engine):
    space = space_name(engine.plan.for_locale("en"))
    vectors = engine.current().vectors(space, "en")
    assert len(vectors.rows_of["store-hours|en|0"]) >= 2
    assert len(vectors.rows_of["gift-cards|en|0"]) == 1

    engine.upsert(Document("store-hours", "en", "Store hours and holidays", HOURS, "stores"))
    vectors = engine.current().vectors(space, "en")
    assert len(vectors.rows_of["store-hours|en|0"]) == 1
    assert len(vectors) == len(CORPUS)
