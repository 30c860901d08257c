"""A writer's submission: the front-matter fields and body, and how they are validated.

Validation gives one clear message per problem (bad id or slug, unknown locale or category,
a duplicate, a file over the size limit, front matter the store would reject), naming the
form field to blame, so the editor can show it next to the writer's unchanged text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from flask_babel import gettext as _

from portal.store import (
    ID_PATTERN,
    KNOWN_KEYS,
    MAX_ARTICLE_BYTES,
    SLUG_PATTERN,
    STATUSES,
    VISIBILITIES,
    Article,
    ArticleError,
    ArticleStore,
    parse_article,
    serialize_article,
)
from portal.write import frontmatter


class EditError(ValueError):
    """The submitted article is invalid; ``field`` names the form field to blame."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Draft:
    """What a writer submitted: the front-matter fields and the Markdown body."""

    article_id: str
    locale: str
    category: str
    title: str
    body: str
    slug: str = ""
    tags: tuple[str, ...] = ()
    status: str = "draft"
    visibility: str = "public"
    updated: date | None = None
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def from_article(cls, article: Article) -> Draft:
        """The draft that reproduces ``article``."""
        return cls(
            article_id=article.id,
            locale=article.locale,
            category=article.category,
            title=article.title,
            body=article.body,
            slug=article.slug,
            tags=article.tags,
            status=article.status,
            visibility=article.visibility,
            updated=article.updated,
            extra=dict(article.extra),
        )


def today() -> date:
    """Today's date in UTC: the ``updated`` stamp of a save."""
    return datetime.now(UTC).date()


def parse_tags(text: str | None) -> tuple[str, ...]:
    """``"a, b ,,c"`` → ``("a", "b", "c")``, without duplicates."""
    seen: dict[str, None] = {}
    for tag in (text or "").split(","):
        if tag.strip():
            seen.setdefault(tag.strip(), None)
    return tuple(seen)


def parse_extra(text: str | None) -> dict:
    """Extra front-matter keys written as YAML; known keys belong in their own fields."""
    if not (text or "").strip():
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _(" (line %(line)s)", line=mark.line + 1) if mark else ""
        message = _("Extra front matter is not valid YAML%(where)s.", where=where)
        raise EditError(message, "extra") from exc
    if not isinstance(data, dict):
        raise EditError(_("Extra front matter must be “key: value” lines."), "extra")
    clash = sorted(str(k) for k in data if str(k) in KNOWN_KEYS)
    if clash:
        raise EditError(
            _(
                "Set %(keys)s with the form fields, not as extra front matter.",
                keys=", ".join(clash),
            ),
            "extra",
        )
    return {str(k): v for k, v in data.items()}


def dump_extra(extra: dict) -> str:
    """Extra front-matter keys as the YAML the form shows."""
    if not extra:
        return ""
    return yaml.safe_dump(extra, allow_unicode=True, sort_keys=False)


def normalize_body(body: str) -> str:
    """Browser line endings to ``\\n``; no blank lines at the start, one newline at the end."""
    return body.replace("\r\n", "\n").replace("\r", "\n").lstrip("\n").rstrip() + "\n"


def validate(
    store: ArticleStore,
    draft: Draft,
    original: Article | None,
    original_text: str | None = None,
) -> tuple[Article, str, Path]:
    """The article, file text and path ``draft`` would be written as; EditError if not.

    With the ``original_text`` of the file being edited, the text changes only what the
    draft changes (:func:`portal.write.frontmatter.rewrite`)."""
    if not ID_PATTERN.match(draft.article_id):
        raise EditError(
            _("The id may use only lowercase letters, digits and hyphens (max. 80)."), "id"
        )
    if draft.locale not in store.locales:
        raise EditError(
            _(
                "Unknown locale “%(locale)s”. Known: %(known)s.",
                locale=draft.locale,
                known=", ".join(store.locales),
            ),
            "locale",
        )
    if store.category(draft.category) is None:
        raise EditError(_("Unknown category “%(category)s”.", category=draft.category), "category")
    slug = draft.slug or draft.article_id
    if not SLUG_PATTERN.match(slug):
        raise EditError(
            _("The slug may use only lowercase letters, digits and hyphens (max. 80)."),
            "slug",
        )
    if not draft.title.strip():
        raise EditError(_("The title is required."), "title")
    if draft.status not in STATUSES or draft.visibility not in VISIBILITIES:
        raise EditError(_("Unknown status or visibility."), "visibility")
    if original is None and store.get(draft.article_id, draft.locale) is not None:
        raise EditError(
            _(
                "An article with the id “%(id)s” already exists in %(locale)s.",
                id=draft.article_id,
                locale=draft.locale,
            ),
            "id",
        )
    for other in store.all():
        if other.locale == draft.locale and other.slug == slug and other.id != draft.article_id:
            raise EditError(
                _(
                    "The slug “%(slug)s” is already used by “%(title)s” in %(locale)s.",
                    slug=slug,
                    title=other.title,
                    locale=draft.locale,
                ),
                "slug",
            )
    path = store.path_for(draft.locale, draft.category, slug)
    if path.exists() and (original is None or original.path != path):
        raise EditError(
            _("A file already exists at %(path)s.", path=path.relative_to(store.root)), "slug"
        )
    article = Article(
        id=draft.article_id,
        locale=draft.locale,
        slug=slug,
        category=draft.category,
        title=draft.title.strip(),
        body=normalize_body(draft.body),
        tags=draft.tags,
        status=draft.status,
        visibility=draft.visibility,
        updated=draft.updated,
        extra=dict(draft.extra),
        path=path,
    )
    if original is not None and original_text is not None:
        text = frontmatter.rewrite(original_text, article, normalize_body=normalize_body)
    else:
        text = serialize_article(article)
    size = len(text.encode("utf-8"))
    if size > MAX_ARTICLE_BYTES:
        raise EditError(
            _(
                "The article is %(size)s KB; the limit is %(limit)s KB. "
                "Split it into shorter articles.",
                size=-(-size // 1024),
                limit=MAX_ARTICLE_BYTES // 1024,
            ),
            "body",
        )
    try:
        parsed = parse_article(text, path, store.locales)
    except ArticleError as exc:
        raise EditError(_("Invalid front matter: %(reason)s", reason=str(exc))) from exc
    return parsed, text, path


# -- writing -----------------------------------------------------------------
