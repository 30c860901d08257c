"""Markdown to safe HTML: the one renderer for articles, writer previews and agent replies.

Markdown is converted with Python-Markdown, then sanitized with nh3 so that raw HTML,
``<script>``, event handlers and ``javascript:`` links never reach a browser.
Links written as ``article:<id>`` (optionally ``#anchor``) are resolved to the
reader's locale by a caller-supplied function.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from indexer.chunking import section_slug

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "mark",
}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang", "class"},
    "code": {"class"},
    "div": {"class"},
    "img": {"src", "alt", "title", "width", "height"},
    "li": {"id"},
    "sup": {"id"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    **{tag: {"id"} for tag in HEADINGS},
}
# Only classes the renderer itself writes (fenced code, footnotes): a writer's own classes
# and ids could dress text up as the site's banners or clash with the page's ids.
ALLOWED_CLASSES = {
    "a": re.compile(r"footnote-ref|footnote-backref"),
    "code": re.compile(r"language-[\w+#.-]+"),
    "div": re.compile(r"footnote"),
}
FOOTNOTE_ID = re.compile(r"fn(ref\d*)?:[\w-]+")
URL_SCHEMES = {"http", "https", "mailto"}
ARTICLE_LINK = re.compile(r'href="article:([a-z0-9-]+)(#[^"]*)?"')


@dataclass(frozen=True)
class TocEntry:
    """One heading in an article's table of contents."""

    level: int
    anchor: str
    title: str


@dataclass(frozen=True)
class Rendered:
    """Sanitized HTML and the table of contents built from its headings."""

    html: str
    toc: tuple[TocEntry, ...]


class _DropHeadingIds(Treeprocessor):
    """Forget ids written on headings (``## Title {#main}``) so the toc extension gives every
    heading the anchor the indexer links to."""

    def run(self, root) -> None:
        for element in root.iter():
            if element.tag in HEADINGS:
                element.attrib.pop("id", None)


class _HeadingIdsExtension(Extension):
    """Registers :class:`_DropHeadingIds` between attr_list and toc."""

    def extendMarkdown(self, md) -> None:  # noqa: N802 - Python-Markdown's API
        md.treeprocessors.register(_DropHeadingIds(md), "drop_heading_ids", 6)


def _attribute_filter(heading_ids: set[str]) -> Callable[[str, str, str], str | None]:
    """Keep the ids and classes the renderer wrote; drop those a writer typed in."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "id":
            ours = value in heading_ids if tag in HEADINGS else FOOTNOTE_ID.fullmatch(value)
            return value if ours else None
        if attribute == "class":
            allowed = ALLOWED_CLASSES.get(tag)
            kept = [name for name in value.split() if allowed and allowed.fullmatch(name)]
            return " ".join(kept) or None
        return value

    return keep


def _flatten_toc(tokens: list, out: list) -> None:
    for token in tokens:
        out.append(TocEntry(level=token["level"], anchor=token["id"], title=token["name"]))
        _flatten_toc(token.get("children", []), out)


def render_markdown(
    text: str,
    resolve_article: Callable[[str], str | None] | None = None,
    *,
    heading_ids: bool = True,
) -> Rendered:
    """Render Markdown to sanitized HTML; ``resolve_article(id)`` maps ``article:`` links.

    Headings get the ids search results link to (:func:`indexer.chunking.section_slug`);
    without ``heading_ids`` they get none, for text shown among others on one page (ticket
    replies: two with "## Steps" would share an id).
    """
    md = markdown.Markdown(
        extensions=["extra", _HeadingIdsExtension(), "toc", "sane_lists"],
        extension_configs={"toc": {"slugify": section_slug, "permalink": False}},
        output_format="html",
    )
    html = md.convert(text)
    toc: list[TocEntry] = []
    _flatten_toc(getattr(md, "toc_tokens", []), toc)

    def _resolve(match: re.Match) -> str:
        url = resolve_article(match.group(1)) if resolve_article else None
        if not url:
            return 'href="#"'
        return f'href="{escape(url)}{escape(match.group(2) or "")}"'

    html = ARTICLE_LINK.sub(_resolve, html)
    safe = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter({e.anchor for e in toc} if heading_ids else set()),
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return Rendered(html=safe, toc=tuple(toc))


def plain_text(text: str, limit: int = 200) -> str:
    """A short plain-text excerpt of Markdown, for meta descriptions and listings."""
    stripped = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    stripped = re.sub(r"[#>*_`|\[\]()-]+", " ", stripped)
    stripped = re.sub(r"\s+", " ", stripped).strip()
    return stripped if len(stripped) <= limit else stripped[: limit - 1].rstrip() + "…"
