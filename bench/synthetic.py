"""Synthetic-but-realistic help centers for speed runs: the sample articles as they are,
then articles made of SciFact text shaped like help-center pages (a title, an intro and
3-5 ``##`` sections, some with lists), with categories, tags and a few internal ones.

Article ``i`` depends only on ``i`` and the seed, so a 1k corpus is a prefix of the 10k one
and their embeddings are shared in the cache.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from bench.datasets import ARTICLES, sample_documents
from indexer import Document

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
GENERIC_HEADINGS = (
    "Overview", "Before you start", "Steps", "What to expect", "Troubleshooting",
    "If this does not work", "Details", "Related settings", "Who this applies to",
    "Limits and fees", "Frequently asked questions", "Contact support",
)  # fmt: skip
STOPWORDS = frozenset(
    "a an and are as at be by for from in into is of on or than that the to with without "
    "across after among between during its not via".split()
)
GENERIC_TAGS = ("account", "billing", "delivery", "app", "security", "refund", "login", "order")


def _read_scifact(data: Path) -> list[tuple[str, str]]:
    with (Path(data) / "scifact" / "corpus.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [(r.get("title") or "", r.get("text") or "") for r in rows if r.get("text")]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(text) if len(s.strip()) > 20]


def _headings(samples: list[Document]) -> list[str]:
    found = {
        line[3:].strip()
        for doc in samples
        for line in doc.body.splitlines()
        if line.startswith("## ")
    }
    return sorted(found) + list(GENERIC_HEADINGS)


def synthetic_corpus(
    size: int, data: Path, articles: Path = ARTICLES, seed: int = 7
) -> list[Document]:
    """``size`` English articles: the sample ones first, then SciFact-based ones."""
    samples = sample_documents(articles, "en")
    docs = samples[:size]
    scifact = _read_scifact(data)
    headings = _headings(samples)
    categories = sorted({d.category for d in samples if d.category}) or ["general"]
    tags = sorted({t for d in samples for t in d.tags}) or list(GENERIC_TAGS)
    for i in range(len(docs), size):
        rng = random.Random(seed * 1_000_003 + i)
        title, text = scifact[i % len(scifact)]
        pool = _sentences(text)
        for _ in range(2):
            pool += _sentences(rng.choice(scifact)[1])
        intro, pool = pool[:2], pool[2:]
        sections = []
        for heading in rng.sample(headings, rng.randint(3, 5)):
            count = rng.randint(2, 4)
            chosen, pool = pool[:count], pool[count:]
            if not chosen:
                chosen = _sentences(rng.choice(scifact)[1])[:count]
            if rng.random() < 0.3:
                body = "\n".join(f"- {s}" for s in chosen)
            else:
                body = " ".join(chosen)
            sections.append(f"## {heading}\n\n{body}")
        docs.append(
            Document(
                id=f"syn-{i:05d}",
                locale="en",
                title=title if i < len(scifact) else f"{title} (part {i // len(scifact) + 1})",
                body=" ".join(intro) + "\n\n" + "\n\n".join(sections),
                category=rng.choice(categories),
                tags=tuple(rng.sample(tags, min(2, len(tags)))),
                visibility="internal" if rng.random() < 0.05 else "public",
            )
        )
    return docs


def _typo(text: str, rng: random.Random) -> str:
    words = text.split()
    longest = max(range(len(words)), key=lambda j: len(words[j]))
    word = words[longest]
    if len(word) >= 5:
        j = rng.randrange(1, len(word) - 2)
        words[longest] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def synthetic_queries(docs: list[Document], data: Path, count: int, seed: int = 11) -> list[str]:
    """``count`` distinct queries: SciFact claims, short title words, how-to questions from
    section headings and titles, and short queries with one typo."""
    rng = random.Random(seed)
    with (Path(data) / "scifact" / "queries.jsonl").open(encoding="utf-8") as handle:
        claims = [json.loads(line)["text"] for line in handle if line.strip()]
    titles = [d.title for d in docs]
    headings = _headings([d for d in docs if not d.id.startswith("syn-")])

    def short() -> str:
        words = re.findall(r"[A-Za-z][A-Za-z-]+", rng.choice(titles))
        words = [w for w in words if len(w) > 2 and w.lower() not in STOPWORDS]
        if not words:
            return "account"
        start = rng.randrange(len(words))
        return " ".join(words[start : start + rng.randint(2, 4)]).lower()

    def how_to() -> str:
        if rng.random() < 0.5:
            return f"how do I {rng.choice(headings).lower()}"
        return rng.choice(titles)

    makers = [lambda: rng.choice(claims), short, how_to, lambda: _typo(short(), rng)]
    weights = [2, 2, 1, 1]
    queries: dict[str, None] = {}
    attempts = 0
    while len(queries) < count and attempts < count * 50:
        attempts += 1
        queries.setdefault(rng.choices(makers, weights)[0](), None)
    return list(queries)
