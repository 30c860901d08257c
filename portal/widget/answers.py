"""The answer bot: a question in the customer's words answered with a passage of our own
articles, found by the one search service, never invented.

The best hit's section (its heading and text, the chunk the engine matched) is the
answer; the next articles are offered beside it. The best hit's score is the confidence:
the fused score for an article in the reader's language, the cosine in the bridging model
for one borrowed from another language (the two scales differ, see the README's JSON API,
so each has its own line). Below the line the bot says it has no good answer rather than
quoting noise, and offers a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.i18n import locale_name
from portal.search import get_search, hit_url, matched_passage
from portal.store import ArticleStore

MAX_QUESTION_CHARS = 500

# Measured with ``python -m bench.answer_bench`` (bench/RESULTS.md, "Answer bot"): the
# lines with the best F0.5 (precision weighed twice) on the tuning sets, 2026-12-07.
# Native 0.35: precision 0.97, recall 0.46 there (held-out: 0.56 / 0.64); cross-lingual
# 0.86: 0.93 / 0.57 (held-out 0.37 / 0.73: borrowed answers are the weak part).
DEFAULT_MIN_CONFIDENCE = 0.35
DEFAULT_MIN_CROSS_LINGUAL = 0.86


@dataclass(frozen=True)
class AnswerConfig:
    """How the bot answers; the two lines are the measured "no good answer" thresholds."""

    min_confidence: float = DEFAULT_MIN_CONFIDENCE  # fused score, reader's language
    min_cross_lingual: float = DEFAULT_MIN_CROSS_LINGUAL  # cosine, a borrowed article
    more_articles: int = 2
    depth: int = 6  # hits asked of the search service (internal ones are dropped)
    max_passage_chars: int = 900

    @classmethod
    def from_settings(cls, config) -> AnswerConfig:
        """The app's configuration: ``PORTAL_ANSWER_MIN_CONFIDENCE`` and
        ``PORTAL_ANSWER_MIN_CROSS_LINGUAL`` override the lines."""
        lines = {
            "min_confidence": config.get("ANSWER_MIN_CONFIDENCE"),
            "min_cross_lingual": config.get("ANSWER_MIN_CROSS_LINGUAL"),
        }
        return cls(**{k: float(v) for k, v in lines.items() if v not in (None, "")})


@dataclass(frozen=True)
class AnswerArticle:
    """An article the bot offers; ``locale_name`` labels one in another language."""

    id: str
    locale: str
    locale_name: str | None
    title: str
    url: str

    def as_json(self) -> dict:
        """The API's shape."""
        return {
            "id": self.id,
            "locale": self.locale,
            "locale_name": self.locale_name,
            "title": self.title,
            "url": self.url,
        }


@dataclass(frozen=True)
class BestPassage:
    """The answer: a section of an article, quoted."""

    article: AnswerArticle
    heading: str
    anchor: str
    passage: str

    def as_json(self) -> dict:
        """The API's shape."""
        return {
            **self.article.as_json(),
            "heading": self.heading,
            "anchor": self.anchor,
            "passage": self.passage,
        }


@dataclass(frozen=True)
class BotAnswer:
    """What the bot says to one question."""

    question: str
    locale: str
    answered: bool
    confidence: float
    best: BestPassage | None  # set only when answered
    more: tuple[AnswerArticle, ...]
    mode: str
    degraded: str | None

    def as_json(self) -> dict:
        """The API's shape."""
        return {
            "question": self.question,
            "locale": self.locale,
            "answered": self.answered,
            "confidence": round(self.confidence, 4),
            "answer": self.best.as_json() if self.best else None,
            "more": [article.as_json() for article in self.more],
            "mode": self.mode,
            "degraded": self.degraded,
        }


def trim_passage(text: str, limit: int) -> str:
    """``text`` cut at the last sentence (or word) end before ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    ends = [m.end() for m in re.finditer(r"[.!?。다요][)\"'”’]?(?=\s)", cut)]
    end = ends[-1] if ends and ends[-1] > limit // 2 else cut.rfind(" ")
    return cut[: end if end > 0 else limit].rstrip() + " …"


def is_confident(confidence: float, cross_lingual: bool, config: AnswerConfig) -> bool:
    """The rule: a first hit at or above its kind's line is an answer."""
    line = config.min_cross_lingual if cross_lingual else config.min_confidence
    return confidence >= line


def answer_question(
    store: ArticleStore, question: str, locale: str, config: AnswerConfig, *, record: bool = True
) -> BotAnswer:
    """The bot's answer to ``question`` for a reader of ``locale`` (public articles only;
    one search, logged on the "widget" side)."""
    results = get_search().search(
        question, locale=locale, side="widget", k=config.depth, record=record
    )
    hits = [hit for hit in results.hits if hit.visibility == "public"]

    def offered(hit) -> AnswerArticle:
        other = hit.locale != locale
        return AnswerArticle(
            id=hit.id,
            locale=hit.locale,
            locale_name=locale_name(hit.locale, locale) if other else None,
            title=hit.title,
            url=hit_url(hit, locale, external=True),
        )

    confidence = float(hits[0].score) if hits else 0.0
    best = None
    if hits and is_confident(confidence, hits[0].cross_lingual, config):
        passage = matched_passage(hits[0], store)
        if passage is not None and (passage.text or passage.heading):
            best = BestPassage(
                article=offered(hits[0]),
                heading=passage.heading or hits[0].title,
                anchor=passage.anchor,
                passage=trim_passage(passage.text, config.max_passage_chars),
            )
    # Without a good answer the weak hits are noise too: the customer is offered a person.
    rest = hits[1:] if best else []
    return BotAnswer(
        question=results.query,
        locale=locale,
        answered=best is not None,
        confidence=confidence,
        best=best,
        more=tuple(offered(hit) for hit in rest[: config.more_articles]),
        mode=results.mode,
        degraded=results.degraded,
    )
