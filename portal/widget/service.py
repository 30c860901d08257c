"""What the widget's panel lists before the customer types: popular articles of the
page's locale, or the articles matching the context the host page passes (a category key,
or a few words such as the page's topic)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.help.service import article_url, popular_articles
from portal.i18n import locale_name
from portal.search import get_search, hit_url
from portal.store import ArticleStore

MAX_CONTEXT_CHARS = 200
LIST_LENGTH = 5


@dataclass(frozen=True)
class ListedArticle:
    """One article in the widget's list, as JSON shows it."""

    id: str
    locale: str
    locale_name: str | None  # set when the article is in another language than the reader's
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


def _label(article_locale: str, reader: str) -> str | None:
    return None if article_locale == reader else locale_name(article_locale, reader)


def starting_articles(
    store: ArticleStore, locale: str, context: str | None, limit: int = LIST_LENGTH
) -> tuple[str, list[ListedArticle]]:
    """("popular" | "category" | "context", articles) for the panel's first view.

    A context naming a category lists that category's most viewed articles; any other
    context is searched (not logged: nobody typed it); no context, or a context that finds
    nothing, gives the locale's popular articles.
    """
    context = (context or "").strip()[:MAX_CONTEXT_CHARS]
    if context and store.category(context):
        ranked = popular_articles(store, locale, limit=100)
        listed = [a for a in ranked if a.category == context]
        listed += [a for a in store.list(locale) if a.category == context and a not in listed]
        if listed:
            return "category", [_from_article(store, a, locale) for a in listed[:limit]]
    if context:
        results = get_search().search(context, locale=locale, side="api", k=limit, record=False)
        hits = [hit for hit in results.hits if hit.visibility == "public"]
        if hits:
            return "context", [
                ListedArticle(
                    hit.id,
                    hit.locale,
                    _label(hit.locale, locale),
                    hit.title,
                    hit_url(hit, locale, external=True),
                )
                for hit in hits
            ]
    articles = popular_articles(store, locale, limit=limit)
    return "popular", [_from_article(store, a, locale) for a in articles]


def _from_article(store: ArticleStore, article, locale: str) -> ListedArticle:
    return ListedArticle(
        article.id,
        article.locale,
        _label(article.locale, locale),
        article.title,
        article_url(store, article.id, locale, external=True),
    )
