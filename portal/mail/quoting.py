"""The new part of a reply: quoted history and signatures cut off.

No reply-parsing library is installed here (``mail-parser-reply`` or ``email-reply-parser``
would be the candidates), so this is a small stripper for what customers' clients actually
write: Gmail's ``On ... wrote:`` and its Korean ``...님이 작성:``, Outlook's
``-----Original Message-----`` and ``From:/Sent:`` (``보낸 사람:/보낸 날짜:``) blocks, Naver's
``-----Original Message-----``, ``>`` quotes, the ``-- `` signature line and "Sent from my
phone" lines. A forwarded message is content, not history: it is kept. The full original
always stays with the raw mail for agents.
"""

from __future__ import annotations

import re

# A line that starts the quoted history: everything from it on is dropped.
QUOTE_HEADERS = [
    re.compile(r"^-{2,}\s*(original message|원본 메시지|원래 메시지)\s*-{2,}\s*$", re.I),
    re.compile(r"^_{10,}\s*$"),  # Outlook on the web's rule above the From: block
    re.compile(r"^(on|le|am)\s.+(wrote|a écrit|schrieb)\s*:\s*$", re.I),
    re.compile(r"^.{4,200}(님이|님께서)\s*(작성|쓴 글|씀)\s*:?\s*$"),
    re.compile(r"^\d{4}[.년\-/]\s*\d{1,2}[.월\-/].{0,120}(작성|wrote)\s*:?\s*$", re.I),
]
# Outlook's header block: "From:" followed within two lines by "Sent:"/"Date:" (or Korean).
FROM_LINE = re.compile(r"^\*?(from|보낸 사람|보낸사람)\s*:\*?\s*\S", re.I)
SENT_LINE = re.compile(
    r"^\*?(sent|date|보낸 날짜|보낸날짜|날짜|to|받는 사람|받는사람)\s*:\*?\s*", re.I
)
SIGNATURE_START = re.compile(r"^-- ?$")
MOBILE_SIGNATURES = re.compile(
    r"^(sent from my \w+.*|get outlook for \w+.*|sent from (mail|outlook) for \w+.*|"
    r"(iphone|ipad|galaxy|갤럭시|삼성|samsung|android|네이버 메일 앱|모바일)\S*\s*에서 보냄.*|"
    r".*스마트폰에서 보냈습니다\.?)\s*$",
    re.I,
)
FORWARD_MARKER = re.compile(
    r"^-{2,}\s*(forwarded message|전달된 메시지|전달 메시지)\s*-{2,}\s*$|^begin forwarded message:",
    re.I,
)


def _joined_wrote_line(lines: list[str], i: int) -> bool:
    """Gmail wraps a long ``On <date>, <name> <addr> wrote:`` over two lines."""
    if i + 1 >= len(lines):
        return False
    joined = f"{lines[i].strip()} {lines[i + 1].strip()}"
    return any(p.match(joined) for p in QUOTE_HEADERS[2:4])


def _history_starts(lines: list[str]) -> int | None:
    """Index of the first line of the quoted history, or None."""
    for i, raw in enumerate(lines):
        line = raw.strip()
        if FORWARD_MARKER.match(line):
            return None  # what follows is forwarded content, kept whole
        if any(p.match(line) for p in QUOTE_HEADERS) or _joined_wrote_line(lines, i):
            return i
        if FROM_LINE.match(line) and any(SENT_LINE.match(n.strip()) for n in lines[i + 1 : i + 3]):
            return i
        if line.startswith(">") and all(
            not rest.strip() or rest.lstrip().startswith(">") for rest in lines[i:]
        ):
            return i  # a trailing block of quoted lines
    return None


def strip_reply(text: str, *, whole_if_empty: bool = True) -> str:
    """The text the sender wrote in this message; if nothing is left, the whole text (a
    customer's mail is never lost) or, with ``whole_if_empty=False``, "" (an agent's empty
    answer must not send the quoted notification to the customer)."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    cut = _history_starts(lines)
    kept = lines if cut is None else lines[:cut]
    for i, line in enumerate(kept):
        if SIGNATURE_START.match(line):
            kept = kept[:i]
            break
    while kept and (not kept[-1].strip() or MOBILE_SIGNATURES.match(kept[-1].strip())):
        kept.pop()
    result = "\n".join(kept).strip()
    return result or ((text or "").strip() if whole_if_empty else "")
