"""How good the widget's answer bot is, and where its "no good answer" line belongs.

``python -m bench.answer_bench [--sets a,b] [--with-adobe]``

Every question set under ``bench/data`` names the article that answers each question. The
bot is asked as the site asks it (:func:`portal.widget.answers.answer_question`: the
shipped embedder plan, Korean reader, cross-lingual results, similarity floors and the
site's glossary) over an index of the site's articles (``articles/``, both languages). A
question whose article is not on the site (the Adobe Commerce KB questions) has no good
answer there: the bot should say so. With ``--with-adobe`` the English Adobe KB is indexed
too, and every question has an answer.

Reported per group of sets (tuning: the sets written before the bot; held-out: the blind
sets) and for a grid of confidence lines:
* first-answer accuracy: of the answerable questions, how often the first hit's passage is
  from the relevant article (the sets judge articles, not sections);
* precision: of the questions the bot answers, how often with the relevant article;
* recall: of the answerable questions, how often the bot answers with the relevant article;
* abstention: of the unanswerable questions, how often the bot says it has no good answer.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import datasets as ds
from bench.embedcache import DEFAULT_CACHE, caching_plan
from indexer import SearchEngine
from portal.search import matched_passage
from portal.store import ArticleStore
from portal.widget.answers import AnswerConfig, is_confident

DATA_DIR = ds.REPO / "bench" / "data"
GRID = tuple(round(0.05 * step, 2) for step in range(0, 17))
DEPTH = AnswerConfig().depth


@dataclass(frozen=True)
class Asked:
    """One question and what the bot's search found first."""

    set_name: str
    relevant: str
    answerable: bool
    first: str | None  # the first public hit's article id
    confidence: float
    has_passage: bool


def question_sets(names: list[str] | None = None) -> dict[str, list[dict]]:
    """The question files under bench/data by name (without .jsonl)."""
    files = sorted(DATA_DIR.glob("*.jsonl"))
    sets = {path.stem: ds.read_questions(path) for path in files}
    if names:
        unknown = [n for n in names if n not in sets]
        if unknown:
            raise SystemExit(f"unknown set(s) {', '.join(unknown)}; known: {', '.join(sets)}")
        sets = {n: sets[n] for n in names}
    return sets


def is_held_out(set_name: str) -> bool:
    """Blind sets were written without running the engine: the held-out group."""
    return "blind" in set_name


def ask_all(sets, with_adobe: bool, cache_dir: Path | None, log=print) -> list[Asked]:
    """Ask every question of a fresh index of the site (plus the Adobe KB if asked)."""
    store = ArticleStore(ds.ARTICLES).load()
    documents = ds.sample_documents(ds.ARTICLES, "en") + ds.sample_documents(ds.ARTICLES, "ko")
    if with_adobe:
        documents += ds.adobe_documents(ds.DEFAULT_DATA)
    on_site = {doc.id for doc in documents}
    plan = caching_plan("auto", cache_dir, label="answer bench", namespace="answer_bench")
    asked: list[Asked] = []
    with tempfile.TemporaryDirectory(prefix="answer-bench-") as tmp:
        engine = SearchEngine(Path(tmp) / "index", embedder=plan)
        engine.build(documents)
        log(f"indexed {len(documents)} articles", file=sys.stderr)
        for name, rows in sets.items():
            for row in rows:
                results = engine.search(
                    row["query"], locale="ko", k=DEPTH, cross_lingual=True, glossary=store.glossary
                )
                hits = [hit for hit in results.hits if hit.visibility == "public"]
                first = hits[0] if hits else None
                passage = (
                    matched_passage(first, store)
                    if first and first.id in store_ids(store)
                    else None
                )
                asked.append(
                    Asked(
                        set_name=name,
                        relevant=row["relevant"],
                        answerable=row["relevant"] in on_site,
                        first=first.id if first else None,
                        confidence=float(first.score) if first else 0.0,
                        has_passage=passage is not None or (first is not None and with_adobe),
                    )
                )
            log(f"  {name}: {len(rows)} questions", file=sys.stderr)
    return asked


def store_ids(store: ArticleStore) -> set[str]:
    """The ids of the site's articles (passages are cut from the store's files)."""
    return {article.id for article in store.all()}


@dataclass(frozen=True)
class LineScores:
    """The bot's quality at one confidence line."""

    line: float
    answered: int
    correct: int
    precision: float
    recall: float
    abstention: float | None


def scores_at(asked: list[Asked], line: float) -> LineScores:
    """Precision, recall and abstention when the bot answers at ``line`` or above."""
    config = AnswerConfig(min_confidence=line)
    answered = [
        a for a in asked if a.first and a.has_passage and is_confident(a.confidence, config)
    ]
    correct = [a for a in answered if a.answerable and a.first == a.relevant]
    answerable = [a for a in asked if a.answerable]
    unanswerable = [a for a in asked if not a.answerable]
    abstained = [a for a in unanswerable if a not in answered]
    return LineScores(
        line=line,
        answered=len(answered),
        correct=len(correct),
        precision=len(correct) / len(answered) if answered else 1.0,
        recall=len(correct) / len(answerable) if answerable else 0.0,
        abstention=len(abstained) / len(unanswerable) if unanswerable else None,
    )


def f_beta(precision: float, recall: float, beta: float = 0.5) -> float:
    """F-beta; 0.5 weighs precision twice: a wrong answer costs more than a missing one."""
    if precision + recall == 0:
        return 0.0
    return (1 + beta**2) * precision * recall / (beta**2 * precision + recall)


def report(asked: list[Asked], title: str) -> float | None:
    """Print one group's table; the line with the best F0.5 (None without questions)."""
    if not asked:
        return None
    answerable = [a for a in asked if a.answerable]
    first_right = sum(1 for a in answerable if a.first == a.relevant)
    print(f"\n## {title}: {len(asked)} questions, {len(answerable)} answerable on the index")
    if answerable:
        print(
            f"first-answer accuracy (no line): {first_right}/{len(answerable)} = "
            f"{first_right / len(answerable):.3f}"
        )
    print("| line | answered | right | precision | recall | abstention | F0.5 |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    best, best_f = None, -1.0
    for line in GRID:
        s = scores_at(asked, line)
        f = f_beta(s.precision, s.recall)
        abstention = "-" if s.abstention is None else f"{s.abstention:.3f}"
        print(
            f"| {line:.2f} | {s.answered} | {s.correct} | {s.precision:.3f} | {s.recall:.3f} "
            f"| {abstention} | {f:.3f} |"
        )
        if f > best_f:
            best, best_f = line, f
    print(f"best F0.5 at line {best:.2f}")
    return best


def main(argv: list[str] | None = None) -> None:
    """Ask every set, print the tables (tuning group, held-out group, all)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="", help="comma-separated set names (default all)")
    parser.add_argument("--with-adobe", action="store_true", help="index the Adobe KB too")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.sets.split(",") if n.strip()] or None
    asked = ask_all(question_sets(names), args.with_adobe, args.cache_dir)
    corpus = "site + Adobe KB" if args.with_adobe else "site articles"
    print(f"# Answer bot on the {corpus} (shipped line {AnswerConfig().min_confidence:.2f})")
    report([a for a in asked if not is_held_out(a.set_name)], "tuning sets")
    report([a for a in asked if is_held_out(a.set_name)], "held-out (blind) sets")
    report(asked, "all sets")


if __name__ == "__main__":
    main()
