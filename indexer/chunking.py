"""Split an article into sections by heading: the unit that is indexed, embedded and shown.

The anchor of a chunk is the id the article page gives the heading (Python-Markdown's
``toc`` extension with ``slugify_unicode``), so a result can link to its section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown.extensions.toc import slugify_unicode

from indexer.documents import Document

HEADING = re.compile(r"^(#{2,3})[ \t]+(.+?)[ \t#]*$")
FENCE = re.compile(r"^\s*(```|~~~)")
MAX_CHUNK_CHARS = 1500


@dataclass(frozen=True)
class Chunk:
    """One section of one article in one locale."""

    doc_id: str
    locale: str
    ordinal: int
    heading: str
    anchor: str
    text: str  # plain text of the section (Markdown syntax removed)

    @property
    def key(self) -> str:
        """Unique across the index: article, locale and section number."""
        return f"{self.doc_id}|{self.locale}|{self.ordinal}"


def markdown_to_text(markdown: str) -> str:
    """Plain text of a Markdown fragment, keeping words, code and link texts."""
    text = re.sub(r"^\s*(```|~~~).*$", " ", markdown, flags=re.MULTILINE)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images -> alt text
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links -> link text
    text = re.sub(r"\[!(?:DNL|UICONTROL)\s+([^\]]*)\]", r"\1", text)  # common KB macros
    text = re.sub(r"</?[A-Za-z][^<>]{0,200}>", " ", text)  # inline HTML tags
    text = re.sub(r"^\s{0,3}(?:[>#]+|[-*+]|\d+[.)])\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*\|?\s*:?-{3,}.*$", " ", text, flags=re.MULTILINE)  # table rules
    # Emphasis, code and strikethrough marks; a lone "~" is text ("8~20자": 8 to 20 characters).
    text = re.sub(r"(?<!\w)[*_]+|[*_]+(?!\w)|`+|~~", "", text)
    text = text.replace("|", " ")
    return re.sub(r"[ \t]+", " ", re.sub(r"\n\s*\n+", "\n", text)).strip()


def _sections(body: str) -> list[tuple[str, str]]:
    """(heading, Markdown) pairs; the text before the first heading has heading ''."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    in_fence = False
    for line in body.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else HEADING.match(line)
        if match:
            sections.append((match.group(2).strip(), []))
        else:
            sections[-1][1].append(line)
    return [(heading, "\n".join(lines)) for heading, lines in sections]


def _split_long(text: str, limit: int = MAX_CHUNK_CHARS) -> list[str]:
    """Cut a long section at paragraph (or sentence) boundaries into pieces under ``limit``."""
    if len(text) <= limit:
        return [text]
    parts = re.split(r"(?<=[.!?。다요])\s+|\n", text)
    pieces, current = [], ""
    for part in parts:
        while len(part) > limit:  # one endless sentence: hard cut
            pieces.append(part[:limit])
            part = part[limit:]
        if current and len(current) + len(part) + 1 > limit:
            pieces.append(current)
            current = part
        else:
            current = f"{current} {part}".strip()
    if current:
        pieces.append(current)
    return pieces


def chunk_document(doc: Document) -> list[Chunk]:
    """The sections of ``doc``; an article without headings is one chunk."""
    chunks: list[Chunk] = []
    for heading, markdown in _sections(doc.body):
        text = markdown_to_text(markdown)
        if not text and not heading:
            continue
        anchor = slugify_unicode(heading, "-") if heading else ""
        plain_heading = markdown_to_text(heading)
        for piece in _split_long(text) or [""]:
            chunks.append(Chunk(doc.id, doc.locale, len(chunks), plain_heading, anchor, piece))
    if not chunks:
        chunks.append(Chunk(doc.id, doc.locale, 0, "", "", ""))
    return chunks
