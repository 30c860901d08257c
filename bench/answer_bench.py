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

A first hit in the reader's language is scored by the fused score, a borrowed (cross-lingual)
one by a cosine: each kind has its own line (:class:`AnswerConfig`), so each gets its own
grid, over the questions whose first hit is of that kind. ``--dump file.json`` keeps what was
asked; ``--load file.json`` prints the tables again without searching.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import datasets as ds
from bench.embedcache import DEFAULT_CACHE, caching_plan
from indexer import SearchEngine
from portal.search import matched_passage
from portal.store import ArticleStore
from portal.widget.answers import AnswerConfig, is_confident

DATA_DIR = ds.REPO / "bench" / "data"
# Fused scores spread over [0, 1]; cross-lingual cosines of the bridging model sit in a
# narrow band (0.80-0.90 on these sets), so their grid is finer.
GRIDS = {
    "native": tuple(round(0.05 * step, 2) for step in range(0, 13)),
    "cross-lingual": tuple(round(0.80 + 0.01 * step, 2) for step in range(0, 13)),
}
DEPTH = AnswerConfig().depth


@dataclass(frozen=True)
class Asked:
    """One question and what the bot's search found first."""

    set_name: str
    relevant: str
    answerable: bool
    first: str | None  # the first public hit's article id
    confidence: float
    cross_lingual: bool
    has_passage: bool


def question_sets(names: list[str] | None = None) -> dict[str, list[dict]]:
    """The question files under bench/data by name (without .jsonl)."""
    sets = {path.stem: ds.read_questions(path) for path in sorted(DATA_DIR.glob("*.jsonl"))}
    if names:
        unknown = [n for n in names if n not in sets]
        if unknown:
            raise SystemExit(f"unknown set(s) {', '.join(unknown)}; known: {', '.join(sets)}")
        sets = {n: sets[n] for n in names}
    return sets


def is_held_out(set_name: str) -> bool:
    """Blind sets were written without running the engine: the held-out group."""
    return "blind" in set_name


def log(message: str) -> None:
    """Progress to stderr; tables to stdout."""
    print(message, file=sys.stderr, flush=True)


def ask_all(sets, with_adobe: bool, cache_dir: Path | None) -> list[Asked]:
    """Ask every question of a fresh index of the site (plus the Adobe KB if asked), as
    :meth:`portal.search.SearchService.search` asks the engine for the bot."""
    store = ArticleStore(ds.ARTICLES).load()
    site_ids = {article.id for article in store.all()}
    documents = ds.sample_documents(ds.ARTICLES, "en") + ds.sample_documents(ds.ARTICLES, "ko")
    if with_adobe:
        documents += ds.adobe_documents(ds.DEFAULT_DATA)
    on_index = {doc.id for doc in documents}
    plan = caching_plan("auto", cache_dir, label="answer bench", namespace="answer_bench")
    asked: list[Asked] = []
    with tempfile.TemporaryDirectory(prefix="answer-bench-") as tmp:
        engine = SearchEngine(Path(tmp) / "index", embedder=plan)
        engine.build(documents)
        log(f"indexed {len(documents)} articles")
        for name, rows in sets.items():
            for row in rows:
                results = engine.search(
                    row["query"], locale="ko", k=DEPTH, cross_lingual=True, glossary=store.glossary
                )
                hits = [hit for hit in results.hits if hit.visibility == "public"]
                first = hits[0] if hits else None
                on_site = first is not None and first.id in site_ids
                asked.append(
                    Asked(
                        set_name=name,
                        relevant=row["relevant"],
                        answerable=row["relevant"] in on_index,
                        first=first.id if first else None,
                        confidence=float(first.score) if first else 0.0,
                        cross_lingual=bool(first and first.cross_lingual),
                        # Adobe articles are not in the store: their chunk is the hit's own.
                        has_passage=matched_passage(first, store) is not None
                        if on_site
                        else first is not None,
                    )
                )
            log(f"  {name}: {len(rows)} questions")
    return asked


@dataclass(frozen=True)
class LineScores:
    """The bot's quality at one confidence line."""

    line: float
    answered: int
    correct: int
    precision: float
    recall: float
    abstention: float | None


def answers(asked: Asked, config: AnswerConfig) -> bool:
    """Whether the bot answers this question under ``config`` (the site's rule)."""
    return bool(asked.first and asked.has_passage) and is_confident(
        asked.confidence, asked.cross_lingual, config
    )


def scores_at(asked: list[Asked], config: AnswerConfig, line: float) -> LineScores:
    """Precision, recall and abstention of ``asked`` under ``config``."""
    answered = [a for a in asked if answers(a, config)]
    correct = [a for a in answered if a.answerable and a.first == a.relevant]
    answerable = [a for a in asked if a.answerable]
    unanswerable = [a for a in asked if not a.answerable]
    abstained = [a for a in unanswerable if not answers(a, config)]
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


def print_row(s: LineScores) -> float:
    """One table row; its F0.5."""
    f = f_beta(s.precision, s.recall)
    abstention = "-" if s.abstention is None else f"{s.abstention:.3f}"
    print(
        f"| {s.line:.2f} | {s.answered} | {s.correct} | {s.precision:.3f} | {s.recall:.3f} "
        f"| {abstention} | {f:.3f} |"
    )
    return f


HEADER = (
    "| line | answered | right | precision | recall | abstention | F0.5 |\n"
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def grid(asked: list[Asked], kind: str) -> float | None:
    """The table of one kind's line ("native" or "cross-lingual") over the questions whose
    first hit is of that kind; the line with the best F0.5."""
    borrowed = kind == "cross-lingual"
    part = [a for a in asked if a.cross_lingual == borrowed]
    if not part:
        return None
    answerable = sum(1 for a in part if a.answerable)
    print(f"\n### {kind} first hits: {len(part)} questions, {answerable} answerable")
    print(HEADER)
    best, best_f = None, -1.0
    for line in GRIDS[kind]:
        config = AnswerConfig(
            min_confidence=0.0 if borrowed else line, min_cross_lingual=line if borrowed else 0.0
        )
        f = print_row(scores_at(part, config, line))
        if f > best_f:
            best, best_f = line, f
    print(f"best F0.5 at {best:.2f}")
    return best


def report(asked: list[Asked], title: str, shipped: AnswerConfig) -> None:
    """One group's accuracy, the two grids, and the shipped lines' scores."""
    if not asked:
        return
    answerable = [a for a in asked if a.answerable]
    first_right = sum(1 for a in answerable if a.first == a.relevant)
    print(f"\n## {title}: {len(asked)} questions, {len(answerable)} answerable on the index")
    if answerable:
        print(
            f"first-answer accuracy (no line): {first_right}/{len(answerable)} = "
            f"{first_right / len(answerable):.3f}"
        )
    grid(asked, "native")
    grid(asked, "cross-lingual")
    s = scores_at(asked, shipped, shipped.min_confidence)
    abstention = "-" if s.abstention is None else f"{s.abstention:.3f}"
    print(
        f"\nshipped lines ({shipped.min_confidence:.2f} native, "
        f"{shipped.min_cross_lingual:.2f} cross-lingual): answered {s.answered}, right "
        f"{s.correct}, precision {s.precision:.3f}, recall {s.recall:.3f}, "
        f"abstention {abstention}, F0.5 {f_beta(s.precision, s.recall):.3f}"
    )


def main(argv: list[str] | None = None) -> None:
    """Ask every set (or load a dump), print the tables: tuning, held-out, all."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="", help="comma-separated set names (default all)")
    parser.add_argument("--with-adobe", action="store_true", help="index the Adobe KB too")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--dump", type=Path, help="write what was asked to this JSON file")
    parser.add_argument("--load", type=Path, help="read what was asked from this JSON file")
    args = parser.parse_args(argv)
    if args.load:
        asked = [Asked(**row) for row in json.loads(args.load.read_text())]
    else:
        names = [n.strip() for n in args.sets.split(",") if n.strip()] or None
        asked = ask_all(question_sets(names), args.with_adobe, args.cache_dir)
    if args.dump:
        args.dump.write_text(json.dumps([asdict(a) for a in asked], ensure_ascii=False))
    shipped = AnswerConfig()
    corpus = "site + Adobe KB" if args.with_adobe else "site articles"
    print(f"# Answer bot on the {corpus}")
    report([a for a in asked if not is_held_out(a.set_name)], "tuning sets", shipped)
    report([a for a in asked if is_held_out(a.set_name)], "held-out (blind) sets", shipped)
    report(asked, "all sets", shipped)


if __name__ == "__main__":
    main()
