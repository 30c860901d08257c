"""What the customer pages show: public articles, their best locale, popular and recent lists.

Every customer-facing surface (pages, sitemap, API, ticket suggestions, agent links) asks
this module which articles a customer may see and where they live, so visibility rules are
written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import url_for

from indexer.analyzers import has_words_of, written_in_script_of
from portal.extensions import db
from portal.models import ArticleView, utcnow
from portal.store import Article, ArticleStore

POPULAR_WINDOW = timedelta(days=30)


def public_translations(store: ArticleStore, article_id: str) -> dict[str, Article]:
    """The locales in which customers may read ``article_id``."""
    return {loc: a for loc, a in store.translations(article_id).items() if a.is_public}


def resolve_public(store: ArticleStore, article_id: str, locale: str) -> Article | None:
    """The public article in ``locale``, else in the best other locale, else None."""
    return store.best_locale(article_id, locale, public_translations(store, article_id))


def article_url(
    store: ArticleStore, article_id: str, locale: str, *, external: bool = False
) -> str | None:
    """The customer URL of ``article_id`` for a reader of ``locale`` (None if not public).

    The link stays in the reader's locale even when the article is only written in another:
    the page shows it with a notice, in the reader's language, with their contact form.
    """
    target = resolve_public(store, article_id, locale)
    if target is None:
        return None
    return url_for("help.article", locale=locale, article_id=target.id, _external=external)


def related_articles(store: ArticleStore, hits, locale: str) -> list[Article]:
    """Related articles as a reader of ``locale`` should see them: in their language where
    published (a fallback page's neighbours are found among the articles of its own)."""
    found = []
    for hit in hits:
        article = resolve_public(store, hit.id, locale)
        if article is not None and article not in found:
            found.append(article)
    return found


@dataclass(frozen=True)
class ArticlePage:
    """One article as a customer of ``requested_locale`` gets it."""

    article: Article
    requested_locale: str
    translations: dict[str, Article]

    @property
    def is_fallback(self) -> bool:
        """True when the reader's language has no public version of this article."""
        return self.article.locale != self.requested_locale


def locale_of_query(query: str, reader_locale: str, locales) -> str | None:
    """Another locale of the site whose script ``query`` is written in when the reader's is
    not ("배송조회" on /en/): where an empty search may find something."""
    if not query or written_in_script_of(query, reader_locale):
        return None
    return next((loc for loc in locales if loc != reader_locale and has_words_of(query, loc)), None)


def article_page(store: ArticleStore, article_id: str, locale: str) -> ArticlePage | None:
    """The article for a customer reading in ``locale``, or None when none is public."""
    translations = public_translations(store, article_id)
    found = store.best_locale(article_id, locale, translations)
    if found is None:
        return None
    return ArticlePage(article=found, requested_locale=locale, translations=translations)


def recent_articles(store: ArticleStore, locale: str, limit: int = 5) -> list[Article]:
    """The most recently updated public articles in ``locale``."""
    articles = store.list(locale)
    articles.sort(key=lambda a: (a.updated is not None, a.updated, a.title), reverse=True)
    return articles[:limit]


def popular_articles(
    store: ArticleStore, locale: str, limit: int = 5, *, top_up: bool = True
) -> list[Article]:
    """Most viewed public articles in ``locale`` over the last 30 days, topped up by recency.

    ``top_up=False`` gives only articles customers viewed: the home page, which lists the
    recent articles next to it, would otherwise repeat "Recently updated" on a fresh site.
    """
    since = utcnow() - POPULAR_WINDOW
    try:
        rows = db.session.execute(
            sa.select(ArticleView.article_id, sa.func.count().label("views"))
            .where(ArticleView.locale == locale, ArticleView.created_at >= since)
            .group_by(ArticleView.article_id)
            .order_by(sa.desc("views"), ArticleView.article_id)
            .limit(limit * 3)
        ).all()
    except sa.exc.SQLAlchemyError:  # a busy or unreachable database: the files still answer
        db.session.rollback()
        rows = []
    popular: list[Article] = []
    for article_id, _views in rows:
        article = store.get(article_id, locale)
        if article is not None and article.is_public:
            popular.append(article)
    if not top_up:
        return popular[:limit]
    for article in recent_articles(store, locale, limit):
        if article not in popular:
            popular.append(article)
    return popular[:limit]


def record_view(article: Article) -> None:
    """Count one customer view of ``article`` (never breaks the page)."""
    try:
        db.session.add(ArticleView(article_id=article.id, locale=article.locale))
        db.session.commit()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
