"""Snippets: the part of a chunk that best matches the query, escaped, terms in <mark>.

The engine picks the excerpt (:func:`make_snippet`) around the terms its keyword leg
matched, which include what it searched *besides* the query: the pieces of a Korean
compound (비밀번호 is also searched as 비밀 and 번호), the glossary's equivalents and the
model's translations of a word. Those find articles; marked, they told the reader that
인증**번호** (verification code), 재**설정**, "default", "restored" or "money back" were
what they asked for. :func:`QueryMarks` decides what a snippet marks, the rule being
*mark what the query says*:

1. A word of the query, in any inflection the analyzer folds into the same term
   ("passwords", "reset"; "비밀번호를"), written as the query writes it: a Korean term is
   marked only with the letters the query has before it in the same word, and with them
   (the query's "재설정" marks 재설정 whole, never the 설정 of 설정에서 nor 재**설정**; its
   "비밀번호" marks 비밀번호, never the 번호 of 인증번호, whose word the query does not name).
2. The glossary's one-word equivalents of the concepts the query names, as in rule 1: the
   same concept in another word ("비번" marks 비밀번호, "password" marks "passcode", "환불"
   marks "refund" and "refunds" on an English page).
3. Nothing else. Not an equivalent of several words: it is a paraphrase, looser or
   narrower than the word ("money back" for 환불, "reset to default" and "restore
   defaults" for "reset"), and its words alone mean other things ("money", "back",
   "default", "restored"); not the model's translations of a word ("언제" -> "soon"); not a
   one-syllable verb stem (the 되 of 돼요 lit up the 됩 of 됩니다).

:func:`remark` applies the rule to a snippet the engine made, given the query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape, unescape

from indexer.analyzers import dictionary_forms, normalize_text, term_spans

SNIPPET_CHARS = 220
MARK_TAG = re.compile(r"</?mark>")


def make_snippet(text: str, query_terms: set[str], locale: str, size: int = SNIPPET_CHARS) -> str:
    """HTML-safe excerpt of ``text`` around the densest run of ``query_terms``."""
    # In reading order, the longest first where several start together: a compound the
    # query names ("비밀번호" = 비밀 + 번호) is marked whole, not only its second noun.
    spans = sorted(
        ((s, e) for term, s, e in term_spans(text, locale, pieces=False) if term in query_terms),
        key=lambda span: (span[0], -span[1]),
    )
    start = 0
    if spans:
        # The window of `size` chars holding the most matches, starting a little before one.
        best, best_count = spans[0][0], 0
        for s, _ in spans:
            count = sum(1 for s2, _ in spans if s <= s2 < s + size)
            if count > best_count:
                best, best_count = s, count
        start = max(0, best - size // 5)
        if start:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space > start - 20 else start
    end = min(len(text), start + size)
    if end < len(text):
        space = text.rfind(" ", start + size // 2, end)
        end = space if space > 0 else end
    out, cursor = [], start
    for s, e in spans:
        if s < cursor or e > end:
            continue
        out.append(escape(text[cursor:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    out.append(escape(text[cursor:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + "".join(out).strip() + suffix


def _word_start(text: str, at: int) -> int:
    """Where the word holding ``text[at]`` starts (after the last non-word character)."""
    start = at
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return start


class QueryMarks:
    """What the snippets of one query mark in one locale (the rule in the module doc)."""

    def __init__(self, query: str, locale: str, equivalents: Iterable[str] = ()):
        self.locale = locale
        self.words: dict[str, set[str]] = {}  # term -> the letters written before it
        stems = {verb[:-1] for verb in dictionary_forms(query, locale) if len(verb) == 2}
        for text in (query, *(e for e in equivalents if len(e.split()) == 1)):
            text = normalize_text(text)
            for term, start, _end in term_spans(text, locale, pieces=False):
                if term not in stems:
                    self.words.setdefault(term, set()).add(text[_word_start(text, start) : start])

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of what to mark in ``text``, in reading order, never overlapping."""
        found = []
        for term, start, end in term_spans(text, self.locale, pieces=False):
            before = text[_word_start(text, start) : start]
            if before in self.words.get(term, ()):
                found.append((start - len(before), end))
        out, cursor = [], 0
        for start, end in sorted(set(found), key=lambda span: (span[0], -span[1])):
            if start >= cursor:
                out.append((start, end))
                cursor = end
        return out

    def mark(self, text: str) -> str:
        """``text`` HTML-escaped, with what the query says in ``<mark>``."""
        out, cursor = [], 0
        for start, end in self.spans(text):
            out.append(escape(text[cursor:start]))
            out.append(f"<mark>{escape(text[start:end])}</mark>")
            cursor = end
        out.append(escape(text[cursor:]))
        return "".join(out)


def remark(snippet: str, marks: QueryMarks) -> str:
    """A snippet from :func:`make_snippet` (the same excerpt) marked by ``marks`` instead."""
    return marks.mark(unescape(MARK_TAG.sub("", snippet)))
