"""Saving, publishing, unpublishing and deleting articles from the browser.

Every change is an atomic file write plus a :class:`~portal.models.Revision` row and the
shared record of the file (:mod:`portal.replication`) in the same transaction, done under
:func:`~portal.write.files.article_lock` after a version check: of the file on this node
(first brought up to date with the record) and of the record's version (another node may
have saved a moment ago). The search index is not touched here: every node's worker
indexes what the record says within seconds (a web request never builds an index).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from flask_babel import gettext as _

from portal.extensions import db
from portal.models import User
from portal.replication import Replica, StaleRecord
from portal.store import (
    SOURCE_VERSION_KEY,
    Article,
    ArticleError,
    ArticleStore,
    atomic_write,
    parse_article,
    text_digest,
)
from portal.write import files, revisions, translations
from portal.write.drafts import Draft, EditError, normalize_body, today, validate

__all__ = ["Conflict", "Draft", "EditError", "Editor", "Loaded", "Saved"]

log = logging.getLogger(__name__)
MAX_DATED_REVISIONS = 200  # how far back a restored text finds the date it had


class Conflict(Exception):
    """The file changed on disk since the writer loaded it; nothing was written."""

    def __init__(self, message: str, current_text: str | None, current_version: str):
        super().__init__(message)
        self.current_text = current_text
        self.current_version = current_version


@dataclass(frozen=True)
class Loaded:
    """An article as read from disk for editing, with the version its form carries."""

    article: Article
    text: str
    version: str


@dataclass(frozen=True)
class Saved:
    """The outcome of a save: the article as written."""

    article: Article
    version: str
    revision_id: int | None  # the newest revision (None: a file with no history, unchanged)
    note: str  # what the save did: created, saved, published, unpublished, unchanged...


class Editor:
    """The writer's operations on one article store and its lock (instance) folder."""

    def __init__(self, store: ArticleStore, lock_dir: Path, *, node: str | None = None):
        self.store = store
        self.lock_dir = Path(lock_dir)
        self.replica = Replica(store.root, self.lock_dir, node=node, locales=store.locales)

    # -- reading -----------------------------------------------------------------

    def load(self, article_id: str, locale: str) -> Loaded | None:
        """The article as it is on disk now (not as cached), with its version token."""
        self.store.reload_if_changed(min_interval=0)
        article = self.store.get(article_id, locale)
        text = files.read_text(article.path) if article else None
        if article is None or text is None:
            return None
        try:
            fresh = parse_article(text, article.path, self.store.locales)
        except ArticleError:
            fresh = article
        return Loaded(article=fresh, text=text, version=files.file_version(article.path))

    def save(
        self,
        draft: Draft,
        *,
        author: User | None,
        base_version: str,
        editing: tuple[str, str] | None = None,
        minor: bool = False,
        note: str | None = None,
    ) -> Saved:
        """Write ``draft`` (new when ``editing`` is None); refuse if the file changed.

        A save that would leave the file as it is writes nothing (no revision either)."""
        with files.article_lock(self.lock_dir):
            self.store.load()
            if editing and self._pull(*editing):
                self.store.load()
            original = self.store.get(*editing) if editing else None
            if editing and original is None and base_version:
                raise Conflict(
                    _(
                        "This article was deleted, or its file became invalid, since you opened "
                        "it. Your text is below, not saved; save again to recreate it."
                    ),
                    None,
                    "",
                )
            if editing and original is not None:
                if (draft.article_id, draft.locale) != editing:
                    raise EditError(_("The id and locale of an article cannot change."), "id")
                current = files.file_version(original.path)
                if current != base_version:
                    raise Conflict(
                        _(
                            "Someone changed this article since you opened it. Your text is "
                            "below, not saved. Compare it with their version, then save again "
                            "to replace theirs with yours."
                        ),
                        files.read_text(original.path),
                        current,
                    )
            draft = translations.with_versions(self.store, draft, original, minor=minor)
            draft = replace(draft, updated=self._updated(draft, original, minor=minor))
            old_text = files.read_text(original.path) if original else None
            article, text, path = validate(self.store, draft, original, old_text)
            if original is not None and text == old_text and path == original.path:
                last = revisions.latest(original.id, original.locale)
                version = files.file_version(path)
                return Saved(original, version, last.id if last else None, "unchanged")
            note = note or _default_note(original, article)
            return self._write(article, text, path, original, author, note)

    def _updated(self, draft: Draft, original: Article | None, *, minor: bool):
        """The ``updated`` date of a save: when the text readers get last became what it is.

        It is what translations are compared with (:meth:`ArticleStore.is_outdated`) and what
        readers are told, so it moves only when the title or body does: a save that changes
        tags, visibility or nothing keeps the file's date, and a text put back as it was in an
        earlier revision (an edit undone by hand, or a restore) gets that revision's date, so
        its translations are not marked outdated by a change that is gone. A minor edit keeps
        the date; a translation saved against a newer source version is dated today (it was
        just brought up to date). Anything else is today."""
        if minor and draft.updated:
            return draft.updated
        if original is None:
            return today()
        if draft.extra.get(SOURCE_VERSION_KEY) != original.extra.get(SOURCE_VERSION_KEY):
            return today()
        wanted = text_digest(draft.title, normalize_body(draft.body))
        if wanted == text_digest(original.title, original.body):
            return original.updated
        slug = original.slug
        for revision in revisions.history(original.id, original.locale)[:MAX_DATED_REVISIONS]:
            try:
                earlier = parse_article(revision.content, Path(f"{slug}.md"), self.store.locales)
            except ArticleError:
                continue
            if earlier.updated and text_digest(earlier.title, earlier.body) == wanted:
                return earlier.updated
        return today()

    def _pull(self, article_id: str, locale: str) -> bool:
        """Bring this article's file up to date with the shared record (another node may
        have saved it a moment ago) before the writer's version is compared with it;
        True when the file changed."""
        current = self.store.get(article_id, locale)
        if current is None or current.path is None:
            return False
        return self.replica.pull(self.replica.relative(current.path))

    def _record(self, written: dict, message: str | None = None) -> dict[str, str | None]:
        """Record each written path's (new text, text it replaces); a path another node
        changed meanwhile refuses the whole change (:class:`Conflict`)."""
        recorded = {}
        for path, (new, old) in written.items():
            rel = self.replica.relative(path)
            try:
                self.replica.record(rel, new, based_on=old)
            except StaleRecord as exc:
                db.session.rollback()
                row = exc.row
                current = row.content if row is not None else None
                raise Conflict(
                    message
                    or _(
                        "Someone changed this article since you opened it. Your text is "
                        "below, not saved. Compare it with their version, then save again "
                        "to replace theirs with yours."
                    ),
                    current,
                    (row.content_hash or "")[:20] if row is not None else "",
                ) from exc
            recorded[rel] = new
        return recorded

    def _write(self, article, text, path, original, author, note) -> Saved:
        old_text = files.read_text(original.path) if original else None
        if original is not None and old_text is not None:
            self._keep_disk_version(original, old_text)
        revision = revisions.record(article.id, article.locale, text, author, note)
        written = {path: (text, old_text if original and original.path == path else None)}
        if original is not None and original.path != path:
            written[original.path] = (None, old_text)
        recorded = self._record(written)
        try:
            db.session.flush()
            files.replace_file(path, text, original.path if original else None)
        except BaseException:
            db.session.rollback()
            raise
        try:
            db.session.commit()
        except BaseException:
            db.session.rollback()
            self._undo(path, original, old_text)
            raise
        self.replica.remember(recorded)
        self.store.load()
        return Saved(
            article=self.store.get(article.id, article.locale) or article,
            version=files.file_version(path),
            revision_id=revision.id,
            note=note,
        )

    def _keep_disk_version(self, original: Article, old_text: str) -> None:
        """Record the file as found on disk when no revision has it (edits made in git)."""
        last = revisions.latest(original.id, original.locale)
        if last is None or last.content != old_text:
            revisions.record(original.id, original.locale, old_text, None, "on-disk")

    @staticmethod
    def _undo(path: Path, original: Article | None, old_text: str | None) -> None:
        """Put the old file back when the revision could not be stored."""
        if original is not None and old_text is not None:
            atomic_write(original.path, old_text)
            if original.path != path:
                files.remove_file(path)
        else:
            files.remove_file(path)

    def delete(
        self, article_id: str, locale: str, *, author: User | None, base_version: str
    ) -> Article:
        """Delete the file (its text stays in the history); refuse if it changed."""
        with files.article_lock(self.lock_dir):
            self.store.load()
            if self._pull(article_id, locale):
                self.store.load()
            original = self.store.get(article_id, locale)
            if original is None:
                raise Conflict(_("This article no longer exists."), None, "")
            current = files.file_version(original.path)
            if current != base_version:
                raise Conflict(
                    _("Someone changed this article since you opened it; nothing was deleted."),
                    files.read_text(original.path),
                    current,
                )
            old_text = files.read_text(original.path) or ""
            self._keep_disk_version(original, old_text)
            revisions.record(article_id, locale, old_text, author, "deleted")
            recorded = self._record(
                {original.path: (None, old_text)},
                _("Someone changed this article since you opened it; nothing was deleted."),
            )
            try:
                db.session.flush()
            except BaseException:
                db.session.rollback()
                raise
            files.remove_file(original.path)
            try:
                db.session.commit()
            except BaseException:
                db.session.rollback()
                atomic_write(original.path, old_text)
                raise
            self.replica.remember(recorded)
            self.store.load()
        return original


def _default_note(original: Article | None, article: Article) -> str:
    if original is None:
        return "published" if article.status == "published" else "created"
    if article.status != original.status:
        return "published" if article.status == "published" else "unpublished"
    return "saved"
