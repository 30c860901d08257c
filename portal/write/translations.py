"""Translation state per locale: missing, outdated or up to date, and what readers ask for.

The source of an article is its version in the site's default locale (or, for an article
written elsewhere first, the first configured locale that has it). A translation is
*outdated* when the source's ``updated`` date is newer (see ``ArticleStore.is_outdated``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models import TranslationRequest
from portal.store import Article, ArticleStore
from portal.write.drafts import Draft

MISSING, OUTDATED, CURRENT, SOURCE = "missing", "outdated", "current", "source"
STATE_ORDER = {MISSING: 0, OUTDATED: 1, CURRENT: 2}
STATE_LABELS = {
    MISSING: _l("Missing"),
    OUTDATED: _l("Outdated"),
    CURRENT: _l("Up to date"),
    SOURCE: _l("Source"),
}


@dataclass(frozen=True)
class TranslationRow:
    """One article on the dashboard of one locale."""

    article_id: str
    source: Article
    translation: Article | None
    state: str
    requests: int


def source_of(store: ArticleStore, article_id: str) -> Article | None:
    """The article every translation of ``article_id`` is made from."""
    found = store.translations(article_id)
    for locale in (store.default_locale, *store.locales):
        if locale in found:
            return found[locale]
    return None


def state_of(store: ArticleStore, article_id: str, locale: str) -> str | None:
    """missing, outdated or current for ``locale``; ``None`` when it is the source."""
    source = source_of(store, article_id)
    if source is None or source.locale == locale:
        return None
    translation = store.get(article_id, locale)
    if translation is None:
        return MISSING
    return OUTDATED if store.is_outdated(translation) else CURRENT


def states(store: ArticleStore, article: Article) -> dict[str, str]:
    """The other locales of ``article`` for the article list: source or translation state."""
    source = source_of(store, article.id)
    found = {}
    for locale in store.locales:
        if locale == article.locale:
            continue
        if source is not None and locale == source.locale:
            found[locale] = SOURCE
        else:
            found[locale] = state_of(store, article.id, locale) or MISSING
    return found


def request_counts(locale: str) -> dict[str, int]:
    """How often a search in ``locale`` had to borrow each article from another locale."""
    query = (
        db.select(TranslationRequest.article_id, sa.func.count(TranslationRequest.id))
        .where(TranslationRequest.wanted_locale == locale)
        .group_by(TranslationRequest.article_id)
    )
    return {article_id: count for article_id, count in db.session.execute(query)}


def dashboard(store: ArticleStore, locale: str, requests: dict[str, int]) -> list[TranslationRow]:
    """Every article not written in ``locale`` first: most requested, then missing first."""
    rows = []
    for article_id in sorted({a.id for a in store.all()}):
        source = source_of(store, article_id)
        state = state_of(store, article_id, locale)
        if source is None or state is None:
            continue
        rows.append(
            TranslationRow(
                article_id=article_id,
                source=source,
                translation=store.get(article_id, locale),
                state=state,
                requests=requests.get(article_id, 0),
            )
        )
    rows.sort(key=lambda r: (-r.requests, STATE_ORDER[r.state], r.source.title.lower()))
    return rows


def start_translation(store: ArticleStore, article_id: str, locale: str) -> Draft | None:
    """A new draft in ``locale`` prefilled from the source: same id, category, tags, slug."""
    source = source_of(store, article_id)
    if source is None or source.locale == locale:
        return None
    extra = {k: v for k, v in source.extra.items() if k not in ("source_locale", "source_ticket")}
    if source.locale != store.default_locale:
        extra["source_locale"] = source.locale
    return replace(
        Draft.from_article(source), locale=locale, status="draft", updated=None, extra=extra
    )
