"""Snippets: the part of a chunk that best matches the query, escaped, terms in <mark>."""

from __future__ import annotations

from html import escape

from indexer.analyzers import term_spans

SNIPPET_CHARS = 220


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
