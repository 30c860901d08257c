"""Split an article into sections by heading: the unit that is indexed, embedded and shown.

The anchor of a chunk is the id the article page gives the heading (Python-Markdown's
``toc`` extension slugifying with :func:`section_slug`), so a result can link to its section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown.extensions.toc import slugify_unicode, unique

from indexer.documents import Document

HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
SECTION_LEVELS = (2, 3)  # the headings that start a chunk
# Ids the article page gives its own parts (skip link target, search box, feedback form...):
# a heading slugified to one of them gets a suffix, or "## Main" would capture the skip link.
PAGE_IDS = frozenset(
    {
        "main",
        "search-box",
        "search-suggestions",
        "toc-heading",
        "related-heading",
        "feedback",
        "feedback-heading",
        "reason",
    }
)
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


def section_slug(text: str, separator: str = "-") -> str:
    """A heading's id before de-duplication: ``slugify_unicode``, kept clear of
    :data:`PAGE_IDS` ("Main" -> "main_1")."""
    slug = slugify_unicode(text, separator)
    return f"{slug}_1" if slug in PAGE_IDS else slug


def _sections(body: str) -> list[tuple[str, str, str]]:
    """(heading, anchor, Markdown) triples; the text before the first heading has heading
    and anchor ''. Anchors are unique within the article, as the ``toc`` extension makes
    them: every heading counts, at any level ("## Steps" twice: "steps", "steps_1")."""
    sections: list[tuple[str, str, list[str]]] = [("", "", [])]
    used: set[str] = set()
    in_fence = False
    for line in body.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else HEADING.match(line)
        if match:
            heading = match.group(2).strip()
            anchor = unique(section_slug(markdown_to_text(heading)), used)
            if len(match.group(1)) in SECTION_LEVELS:
                sections.append((heading, anchor, []))
                continue
        sections[-1][2].append(line)
    return [(heading, anchor, "\n".join(lines)) for heading, anchor, lines in sections]


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
    for heading, anchor, markdown in _sections(doc.body):
        text = markdown_to_text(markdown)
        if not text and not heading:
            continue
        plain_heading = markdown_to_text(heading)
        for piece in _split_long(text) or [""]:
            chunks.append(Chunk(doc.id, doc.locale, len(chunks), plain_heading, anchor, piece))
    if not chunks:
        chunks.append(Chunk(doc.id, doc.locale, 0, "", "", ""))
    return chunks
