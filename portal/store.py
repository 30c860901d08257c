"""The ArticleStore: Markdown articles on disk, one file per article per locale.

Layout: ``<root>/<locale>/<category>/<slug>.md`` with YAML front matter, plus
``<root>/categories.yml`` naming the categories and ``<root>/glossary.yml`` holding the
writers' equivalent search terms (:mod:`indexer.glossary`). The store is the one source of
articles for customers, agents, writers and the indexer. It never raises on a bad
file: the file is skipped and reported in :attr:`ArticleStore.problems`.

This module has no Flask imports so the CLI, tests and benchmarks can use it alone.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

from indexer import yamltext
from indexer.glossary import Glossary, GlossaryError

GLOSSARY_FILE = "glossary.yml"  # equivalent search terms, kept by writers
MAX_ARTICLE_BYTES = 256 * 1024
STATUSES = ("draft", "published")
VISIBILITIES = ("public", "internal")
REQUIRED_KEYS = ("id", "title", "locale", "category")
KNOWN_KEYS = ("id", "title", "locale", "category", "tags", "status", "visibility", "updated")
# Translation bookkeeping in the front matter (see ArticleStore.is_outdated):
SOURCE_LOCALE_KEY = "source_locale"  # on a translation: the locale it was translated from
SOURCE_VERSION_KEY = "source_version"  # on a translation: the source's text_version it matches
TEXT_VERSION_KEY = "text_version"  # on a source: its version, frozen across minor edits
VERSION_KEYS = (SOURCE_VERSION_KEY, TEXT_VERSION_KEY)  # kept by the editor, not by writers
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
SLUG_PATTERN = ID_PATTERN
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class ArticleError(ValueError):
    """A file or an edit that is not a valid article; the message says why."""


@dataclass(frozen=True)
class Category:
    """A category key with its localized names."""

    key: str
    names: dict = field(default_factory=dict, hash=False, compare=False)
    descriptions: dict = field(default_factory=dict, hash=False, compare=False)
    order: int = 100

    def name(self, locale: str) -> str:
        """Return the name in ``locale``, falling back to English, then the key."""
        return self.names.get(locale) or self.names.get("en") or self.key

    def description(self, locale: str) -> str:
        """Return the description in ``locale``, falling back to English."""
        return self.descriptions.get(locale) or self.descriptions.get("en") or ""


@dataclass(frozen=True)
class Article:
    """One article in one locale, as read from its Markdown file."""

    id: str
    locale: str
    slug: str
    category: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    status: str = "published"
    visibility: str = "public"
    updated: date | None = None
    extra: dict = field(default_factory=dict, hash=False, compare=False)
    path: Path | None = field(default=None, compare=False)

    @property
    def is_public(self) -> bool:
        """True when customers may see it: published and not internal."""
        return self.status == "published" and self.visibility == "public"

    @property
    def text_version(self) -> str:
        """The version translations are made from: what a minor edit froze, else the text."""
        return str(self.extra.get(TEXT_VERSION_KEY) or text_digest(self.title, self.body))

    @property
    def content_hash(self) -> str:
        """A digest of everything the search index depends on."""
        parts = [self.id, self.locale, self.category, self.title, self.body, ",".join(self.tags)]
        parts += [self.status, self.visibility]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Problem:
    """A file the store skipped, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def text_digest(title: str, body: str) -> str:
    """A short digest of an article's title and body, blind to line endings and edge spaces."""
    body = body.replace("\r\n", "\n").strip()
    return hashlib.sha256(f"{title.strip()}\x1f{body}".encode()).hexdigest()[:12]


def _duplicate(article: Article, kept: Article) -> Problem:
    return Problem(
        article.path,
        f"duplicate id {article.id!r} in locale {article.locale!r} "
        f"(already defined by {kept.path})",
    )


def parse_article(text: str, path: Path, locales: tuple[str, ...]) -> Article:
    """Parse one Markdown file with front matter; raise :class:`ArticleError` if invalid."""
    if len(text.encode("utf-8")) > MAX_ARTICLE_BYTES:
        raise ArticleError(f"file is larger than {MAX_ARTICLE_BYTES // 1024} KB")
    match = FRONT_MATTER.match(text)
    if not match:
        raise ArticleError("no YAML front matter (the file must start with a '---' block)")
    try:
        meta = yamltext.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise ArticleError(f"front matter is not valid YAML{where}") from exc
    if not isinstance(meta, dict):
        raise ArticleError("front matter must be a mapping of keys to values")
    missing = [key for key in REQUIRED_KEYS if not str(meta.get(key) or "").strip()]
    if missing:
        raise ArticleError(f"missing {', '.join(missing)} in front matter")
    article_id = str(meta["id"]).strip()
    if not ID_PATTERN.match(article_id):
        raise ArticleError(f"id {article_id!r} must be lowercase letters, digits and hyphens")
    locale = str(meta["locale"]).strip()
    if locale not in locales:
        raise ArticleError(f"unknown locale {locale!r} (known: {', '.join(locales)})")
    status = str(meta.get("status") or "published")
    if status not in STATUSES:
        raise ArticleError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    visibility = str(meta.get("visibility") or "public")
    if visibility not in VISIBILITIES:
        raise ArticleError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    if not isinstance(tags, list):
        raise ArticleError("tags must be a list")
    updated = meta.get("updated")
    if isinstance(updated, datetime):
        updated = updated.date()
    elif isinstance(updated, str):
        try:
            updated = date.fromisoformat(updated)
        except ValueError as exc:
            raise ArticleError(f"updated {updated!r} is not a date (YYYY-MM-DD)") from exc
    elif updated is not None and not isinstance(updated, date):
        raise ArticleError("updated must be a date (YYYY-MM-DD)")
    return Article(
        id=article_id,
        locale=locale,
        slug=path.stem,
        category=str(meta["category"]).strip(),
        title=str(meta["title"]).strip(),
        body=text[match.end() :],
        tags=tuple(str(t).strip() for t in tags if str(t).strip()),
        status=status,
        visibility=visibility,
        updated=updated,
        extra={k: v for k, v in meta.items() if k not in KNOWN_KEYS},
        path=path,
    )


def front_matter(article: Article) -> dict:
    """The front-matter mapping ``article`` is written with, in file order."""
    meta = {
        "id": article.id,
        "title": article.title,
        "locale": article.locale,
        "category": article.category,
        "tags": list(article.tags),
        "status": article.status,
        "visibility": article.visibility,
    }
    if article.updated:
        meta["updated"] = article.updated
    meta.update(article.extra)
    return meta


def serialize_article(article: Article) -> str:
    """Return the Markdown file text for ``article`` (front matter + body)."""
    front = yaml.safe_dump(front_matter(article), allow_unicode=True, sort_keys=False).strip()
    body = article.body if article.body.startswith("\n") else "\n" + article.body
    return f"---\n{front}\n---{body}"


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_categories(root: Path) -> dict[str, Category]:
    """Read ``categories.yml``; a missing or broken file yields no categories."""
    path = root / "categories.yml"
    try:
        data = yamltext.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    categories = {}
    for key, spec in data.items() if isinstance(data, dict) else []:
        spec = spec if isinstance(spec, dict) else {}
        categories[str(key)] = Category(
            key=str(key),
            names=dict(spec.get("names") or {}),
            descriptions=dict(spec.get("descriptions") or {}),
            order=int(spec.get("order", 100)),
        )
    return categories


class ArticleStore:
    """Loads, validates and lists the articles under one folder."""

    def __init__(self, root: Path, locales: tuple[str, ...] = ("en", "ko"), default_locale="en"):
        self.root = Path(root)
        self.locales = tuple(locales)
        self.default_locale = default_locale
        self._lock = threading.Lock()
        self._articles: dict[tuple[str, str], Article] = {}
        self._problems: list[Problem] = []
        self._categories: dict[str, Category] = {}
        self._glossary = Glossary()
        self._signature: tuple = ()
        self._checked_at = 0.0

    # -- loading -----------------------------------------------------------------

    def _files(self) -> list[Path]:
        return sorted(p for p in self.root.glob("*/*/*.md") if not p.name.startswith("."))

    def _misplaced_files(self) -> list[Problem]:
        """Every ``.md`` file the store will not serve because of where it lies: only
        ``<locale>/<category>/<slug>.md`` is read (a file directly under ``ko/``, at the top,
        or one folder too deep was ignored without a word)."""
        served = set(self._files())
        problems = []
        for path in sorted(self.root.rglob("*.md")):
            relative = path.relative_to(self.root)
            if path in served or any(part.startswith(".") for part in relative.parts):
                continue
            if relative.parts[0] in ("README.md",) and len(relative.parts) == 1:
                continue  # a note for writers at the top of the folder
            problems.append(
                Problem(
                    path,
                    "not served: an article must be at <locale>/<category>/<slug>.md "
                    f"(this file is at {relative.as_posix()})",
                )
            )
        return problems

    def _current_signature(self) -> tuple:
        stats = []
        for path in [*self._files(), self.root / "categories.yml", self.root / GLOSSARY_FILE]:
            try:
                st = path.stat()
            except OSError:
                continue
            stats.append((str(path), st.st_mtime_ns, st.st_size))
        return tuple(stats)

    def load(self) -> ArticleStore:
        """(Re)read every file; bad files are skipped and recorded as problems."""
        with self._lock:
            signature = self._current_signature()
            categories = load_categories(self.root)
            found: dict[tuple[str, str], list[Article]] = {}
            problems: list[Problem] = []
            if not categories:
                problems.append(Problem(self.root / "categories.yml", "no categories defined"))
            for path in self._files():
                try:
                    article = parse_article(path.read_text(encoding="utf-8"), path, self.locales)
                    self._check_placement(article, path, categories)
                except UnicodeDecodeError:
                    problems.append(Problem(path, "file is not UTF-8 text"))
                    continue
                except (ArticleError, OSError) as exc:
                    problems.append(Problem(path, str(exc)))
                    continue
                found.setdefault((article.id, article.locale), []).append(article)
            articles: dict[tuple[str, str], Article] = {}
            for key, candidates in found.items():
                kept = self._live_copy(key, candidates)
                articles[key] = kept
                problems += [_duplicate(other, kept) for other in candidates if other is not kept]
            problems += self._misplaced_files()
            glossary = self._load_glossary(problems)
            self._articles, self._problems = articles, problems
            self._categories, self._signature = categories, signature
            self._glossary = glossary
        return self

    def _load_glossary(self, problems: list[Problem]) -> Glossary:
        """``glossary.yml``: its valid entries; each skipped one, or an unreadable file, is
        a problem (an unreadable file keeps the glossary loaded before, if any)."""
        path = self.root / GLOSSARY_FILE
        try:
            glossary, skipped = Glossary.load(path)
        except GlossaryError as exc:
            problems.append(Problem(path, str(exc)))
            return self._glossary
        problems += [Problem(path, problem) for problem in skipped]
        return glossary

    def _live_copy(self, key: tuple[str, str], candidates: list[Article]) -> Article:
        """Which of several files with one id and locale to serve.

        A stray copy (a paste mistake in git) must never take over: keep the file the store
        already served, else the one named after the id (``<id>.md``), else the first path.
        """
        known = self._articles.get(key)
        served = [article for article in candidates if known and article.path == known.path]
        named = [article for article in candidates if article.slug == article.id]
        return (served or named or candidates)[0]

    def _check_placement(self, article: Article, path: Path, categories: dict) -> None:
        locale_dir, category_dir = path.parent.parent.name, path.parent.name
        if article.locale != locale_dir:
            raise ArticleError(f"locale {article.locale!r} does not match folder {locale_dir!r}")
        if article.category != category_dir:
            raise ArticleError(
                f"category {article.category!r} does not match folder {category_dir!r}"
            )
        if categories and article.category not in categories:
            raise ArticleError(f"unknown category {article.category!r}")
        if not SLUG_PATTERN.match(path.stem):
            raise ArticleError("file name must be lowercase letters, digits and hyphens")

    def reload_if_changed(self, min_interval: float = 2.0) -> bool:
        """Reload when a file was added, changed or removed; look at most every few seconds."""
        now = time.monotonic()
        if now - self._checked_at < min_interval:
            return False
        self._checked_at = now
        if self._current_signature() != self._signature:
            self.load()
            return True
        return False

    # -- reading -----------------------------------------------------------------

    @property
    def problems(self) -> list[Problem]:
        """Files skipped at the last load, with the reason."""
        return list(self._problems)

    @property
    def glossary(self) -> Glossary:
        """The writers' equivalent search terms (``glossary.yml``; :mod:`indexer.glossary`)."""
        return self._glossary

    @property
    def categories(self) -> list[Category]:
        """Categories in display order."""
        return sorted(self._categories.values(), key=lambda c: (c.order, c.key))

    def category(self, key: str) -> Category | None:
        """Return the category named ``key``, if it exists."""
        return self._categories.get(key)

    def all(self) -> list[Article]:
        """Every valid article, whatever its status or visibility."""
        return sorted(self._articles.values(), key=lambda a: (a.locale, a.category, a.id))

    def list(
        self,
        locale: str | None = None,
        *,
        category: str | None = None,
        include_internal: bool = False,
        include_drafts: bool = False,
    ) -> list[Article]:
        """Articles filtered for an audience; customers get the defaults."""
        found = []
        for article in self.all():
            if locale and article.locale != locale:
                continue
            if category and article.category != category:
                continue
            if article.visibility == "internal" and not include_internal:
                continue
            if article.status != "published" and not include_drafts:
                continue
            found.append(article)
        return found

    def get(self, article_id: str, locale: str) -> Article | None:
        """The article ``article_id`` in ``locale``, whatever its status."""
        return self._articles.get((article_id, locale))

    def translations(self, article_id: str) -> dict[str, Article]:
        """All locales of one article, keyed by locale."""
        return {loc: a for (aid, loc), a in self._articles.items() if aid == article_id}

    def best_locale(self, article_id: str, wanted: str, candidates=None) -> Article | None:
        """The article in ``wanted`` or else the best other locale (site default first)."""
        found = candidates if candidates is not None else self.translations(article_id)
        for loc in (wanted, self.default_locale, *self.locales):
            if loc in found:
                return found[loc]
        return None

    def source_of(self, article_id: str, candidates: dict | None = None) -> Article | None:
        """The original that the other locales of ``article_id`` are translated from.

        A translation names its source in ``source_locale`` (the Translate button writes it);
        the first locale, site default first, that names no other present locale is the source.
        ``candidates`` (locale → article) replaces the stored locales, e.g. to include a draft.
        """
        found = candidates if candidates is not None else self.translations(article_id)
        locales = dict.fromkeys((self.default_locale, *self.locales))
        ordered = [found[locale] for locale in locales if locale in found]
        for article in ordered:
            named = article.extra.get(SOURCE_LOCALE_KEY)
            if not named or named == article.locale or named not in found:
                return article
        return ordered[0] if ordered else None

    def is_outdated(self, article: Article) -> bool:
        """True when the source changed (other than by a minor edit) after this translation.

        A translation saved in the editor records the source's ``text_version`` it was made
        from. The ``updated`` dates count too: for files without that key (written in git)
        they are all there is.
        """
        source = self.source_of(article.id)
        if source is None or source.locale == article.locale:
            return False
        recorded = article.extra.get(SOURCE_VERSION_KEY)
        if recorded and str(recorded) != source.text_version:
            return True
        if not source.updated or not article.updated:
            return False
        return source.updated > article.updated

    def path_for(self, locale: str, category: str, slug: str) -> Path:
        """Where an article file lives."""
        return self.root / locale / category / f"{slug}.md"
