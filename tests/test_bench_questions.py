"""The hand-written Korean question sets ask about articles the site really serves, in the
language each set promises (an answer in a draft could never be found, and would count as
a miss of the engine)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.cli import eval_command
from bench.datasets import (
    ARTICLES,
    CROSSLINGUAL_SETS,
    read_question_halves,
    record_question_halves,
    sample_documents,
)

PUBLISHED = {locale: {d.id for d in sample_documents(ARTICLES, locale)} for locale in ("en", "ko")}


@pytest.mark.parametrize("name", sorted(CROSSLINGUAL_SETS))
def test_every_sample_answer_is_published_in_the_promised_language_only(name):
    path, _, answers = CROSSLINGUAL_SETS[name]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert len(rows) >= 16
    for row in rows:
        assert row["query"].strip() and row["corpus"] in ("sample", "adobe_commerce_kb")
        if row["corpus"] != "sample":
            continue
        assert row["relevant"] in PUBLISHED[answers], row
        if answers == "en":  # the point of the set: no Korean version exists
            assert row["relevant"] not in PUBLISHED["ko"], row


def test_every_question_has_its_recorded_half_and_recording_again_moves_none(tmp_path):
    """A change is chosen on the "tune" halves and accepted on the "held-out" ones: the
    split is recorded once, so no later edit of the sets or the hash can move a question."""
    recorded = read_question_halves()
    for path, _, _ in CROSSLINGUAL_SETS.values():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        halves = {recorded[(path.name, row["query"])] for row in rows if row}
        assert halves == {"tune", "held-out"}, path.name
    copy = tmp_path / "halves.tsv"
    copy.write_text("set\tquery\thalf\ncrosslingual_ko.jsonl\tnot a question\ttune\n")
    assert record_question_halves(copy) == len(recorded)
    again = read_question_halves(copy)
    assert {key: again[key] for key in recorded} == recorded
    assert again[("crosslingual_ko.jsonl", "not a question")] == "tune"


# `portal eval --questions`: a reviewer's own Korean questions, asked of the same bilingual
# site as the sets above. MiniLM keeps the run short: the file's handling is under test here,
# the models' quality is what the evaluation itself reports.
DATA = Path(__file__).parent / "data"
GIFT_CARDS = "gift-cards-overseas-cards"  # an English-only sample article
INT_OVERFLOW = "help/troubleshooting/database/int-biginit-schema-update-request.md"


def run_eval(tmp_path, lines: list[str]):
    questions = tmp_path / "mine.jsonl"
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["--data", str(DATA), "--backends", "minilm", "--cache-dir", str(tmp_path / "cache")]
    return CliRunner().invoke(eval_command, [*args, "--questions", str(questions)])


def test_own_questions_are_evaluated_against_the_site_and_reported_by_file_name(tmp_path):
    rows = [
        {"query": "해외 카드로 기프트카드 결제", "relevant": GIFT_CARDS, "style": "short"},
        {"query": "상품 등록하는데 DB id 값이 int 범위 넘음", "relevant": INT_OVERFLOW},
    ]
    result = run_eval(tmp_path, [json.dumps(row, ensure_ascii=False) for row in rows])
    assert result.exit_code == 0, result.output
    site = [line for line in result.output.splitlines() if "site: ko search" in line]
    assert len(site) == 1 and "ko→en mine.jsonl" in site[0]
    assert site[0].rstrip(" |").endswith("| 2"), site[0]  # both questions asked
    assert "scifact" not in result.output  # only the file: no public set was run


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"query": "환불", "relevant": "no-such-article"}'], "no article 'no-such-article'"),
        (['{"query": "환불"}'], 'line 1 needs a "query" and a "relevant" article'),
        (
            ['{"query": "비번", "relevant": "gift-cards-overseas-cards"}', "{oops"],
            "line 2 is not JSON",
        ),
        (
            [
                f'{{"query": "기프트카드", "relevant": "{GIFT_CARDS}"}}',
                '{"query": "비번", "relevant": "reset-password"}',
            ],
            "mixes answers in English only and in Korean",
        ),
    ],
)
def test_a_question_file_that_cannot_be_used_is_refused_with_the_reason(tmp_path, lines, message):
    result = run_eval(tmp_path, lines)
    assert result.exit_code == 1
    assert message in result.output and "mine.jsonl" in result.output


def test_the_articles_a_question_file_may_name_are_listed_with_their_titles():
    result = CliRunner().invoke(eval_command, ["--data", str(DATA), "--list-answers", "en"])
    assert result.exit_code == 0, result.output
    listed = dict(line.split("\t") for line in result.output.splitlines())
    assert listed[GIFT_CARDS] == "Buy gift cards with a card issued outside Korea"
    assert INT_OVERFLOW in listed  # the Adobe KB's English articles too
    assert "reset-password" not in listed  # the site has it in Korean
