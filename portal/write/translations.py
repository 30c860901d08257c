"""Translation state per locale: missing, draft, outdated or up to date, and what readers ask for.

A translation saved as a draft is neither missing (the work exists, a writer continues it)
nor up to date (customers still read the source): it is listed as a draft.

The source of an article is the locale its translations name in ``source_locale`` (else the
site's default locale, see ``ArticleStore.source_of``). A translation is *outdated* when the
source changed after it, other than by a minor edit (see ``ArticleStore.is_outdated``): saves
record the versions that decision compares, see :func:`with_versions`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models import TranslationRequest
from portal.store import (
    SOURCE_LOCALE_KEY,
    SOURCE_VERSION_KEY,
    TEXT_VERSION_KEY,
    VERSION_KEYS,
    Article,
    ArticleStore,
    text_digest,
)
from portal.write.drafts import Draft

MISSING, DRAFT, OUTDATED, CURRENT, SOURCE = "missing", "draft", "outdated", "current", "source"
STATE_ORDER = {MISSING: 0, DRAFT: 1, OUTDATED: 2, CURRENT: 3}
STATE_LABELS = {
    MISSING: _l("Missing"),
    DRAFT: _l("Draft"),
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
    return store.source_of(article_id)


def state_of(store: ArticleStore, article_id: str, locale: str) -> str | None:
    """missing, draft, outdated or current for ``locale``; ``None`` when it is the source."""
    source = source_of(store, article_id)
    if source is None or source.locale == locale:
        return None
    translation = store.get(article_id, locale)
    if translation is None:
        return MISSING
    if translation.status != "published":
        return DRAFT
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
                requests=requests.get(article_id, 0),  # nosec B113 - a field
            )
        )
    rows.sort(key=lambda r: (-r.requests, STATE_ORDER[r.state], r.source.title.lower()))
    return rows


def start_translation(store: ArticleStore, article_id: str, locale: str) -> Draft | None:
    """A new draft in ``locale`` prefilled from the source: same id, category, tags, slug."""
    source = source_of(store, article_id)
    if source is None or source.locale == locale:
        return None
    skipped = (SOURCE_LOCALE_KEY, "source_ticket", *VERSION_KEYS)
    extra = {k: v for k, v in source.extra.items() if k not in skipped}
    if source.locale != store.default_locale:
        extra[SOURCE_LOCALE_KEY] = source.locale
    return replace(
        Draft.from_article(source), locale=locale, status="draft", updated=None, extra=extra
    )


def with_versions(store: ArticleStore, draft: Draft, original: Article | None, *, minor: bool):
    """``draft`` with the front-matter versions that tell whether translations are outdated.

    A minor edit changes no version: it freezes the article's ``text_version`` (so its
    translations stay current) and keeps the source version a translation recorded. Any other
    save of a translation records the source version it now matches.
    """
    extra = {k: v for k, v in draft.extra.items() if k not in VERSION_KEYS}
    if minor and original is not None:
        if original.text_version != text_digest(draft.title, draft.body):
            extra[TEXT_VERSION_KEY] = original.text_version
        if SOURCE_VERSION_KEY in original.extra:
            extra[SOURCE_VERSION_KEY] = original.extra[SOURCE_VERSION_KEY]
    else:
        candidates = {**store.translations(draft.article_id), draft.locale: draft}
        source = store.source_of(draft.article_id, candidates)
        if source is not None and source.locale != draft.locale:
            extra[SOURCE_VERSION_KEY] = source.text_version
    return replace(draft, extra=extra)
