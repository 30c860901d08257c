"""``article:<id>`` links in replies: where they lead for a ticket's locale, and rendering.

A link resolves when the reply is rendered: to the article in the ticket's locale, or to the
best other locale when that translation does not exist (the panel says so, and the inserted
text names the language). The customer still opens it under the ticket's locale, as customer
pages link it: the other language's text with a notice, in the customer's language around it.
Internal articles resolve only for agents.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup

from portal.help import service as help_service
from portal.i18n import locale_name
from portal.rendering import render_markdown
from portal.search import get_store


@dataclass(frozen=True)
class LinkTarget:
    """Where an ``article:<id>`` link in a ticket's locale leads."""

    article_id: str
    locale: str  # the locale the link opens
    wanted_locale: str  # the ticket's locale
    title: str
    internal: bool

    @property
    def fallback(self) -> bool:
        """True when the article has no translation in the ticket's locale."""
        return self.locale != self.wanted_locale

    @property
    def markdown(self) -> str:
        """The text "Insert link" puts into a reply; a fallback names its language, in the
        language of the reply ("(영어)" in a Korean one)."""
        title = self.title.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        text = f"[{title}](article:{self.article_id})"
        if not self.fallback:
            return text
        return f"{text} ({locale_name(self.locale, self.wanted_locale)})"

    @property
    def url(self) -> str:
        """The article page in the locale the link opens (agents' view of internal ones)."""
        return article_url(self.article_id, self.locale)

    def customer_url(self, *, external: bool = False) -> str | None:
        """The page a customer of the ticket's locale opens: the customer pages' link, under
        the ticket's locale even for a fallback; None for an internal article."""
        if self.internal:
            return None
        store = get_store()
        return help_service.article_url(
            store, self.article_id, self.wanted_locale, external=external
        )


def article_url(article_id: str, locale: str, *, external: bool = False) -> str:
    """The customer article page ``/<locale>/articles/<id>``."""
    return url_for("help.article", locale=locale, article_id=article_id, _external=external)


def link_for(article_id: str, ticket_locale: str) -> LinkTarget | None:
    """The published article ``article_id`` in ``ticket_locale``, else its best other locale."""
    store = get_store()
    published = {
        loc: a for loc, a in store.translations(article_id).items() if a.status == "published"
    }
    article = store.best_locale(article_id, ticket_locale, candidates=published)
    if article is None:
        return None
    return LinkTarget(
        article_id=article.id,
        locale=article.locale,
        wanted_locale=ticket_locale,
        title=article.title,
        internal=article.visibility == "internal",
    )


def linked_article_ids(body: str) -> list[str]:
    """The article ids a Markdown body links with ``article:<id>``, in order, once each."""
    seen: list[str] = []

    def spy(article_id: str) -> None:
        if article_id not in seen:
            seen.append(article_id)

    render_markdown(body, spy)
    return seen


def render_reply(body: str, locale: str, *, include_internal: bool = False) -> Markup:
    """A reply's Markdown as safe HTML, ``article:`` links resolved for ``locale``.

    Links to internal articles resolve only with ``include_internal`` (agents' own view);
    for customers they lead nowhere.
    """

    def resolve(article_id: str) -> str | None:
        target = link_for(article_id, locale)
        if target is None:
            return None
        if target.internal:
            return target.url if include_internal else None
        return target.customer_url()

    return Markup(render_markdown(body, resolve, heading_ids=False).html)  # nosec B704 - sanitized
