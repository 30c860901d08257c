"""Revision history of article files: record, list, view, diff and restore.

A revision is the whole file text (front matter and body) at a moment, with its author.
Restoring never rewrites history: it saves the old text again as a new revision.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models import Revision, User
from portal.store import Article, ArticleError, parse_article

NOTE_LABELS = {
    "created": _l("Created"),
    "saved": _l("Saved"),
    "published": _l("Published"),
    "unpublished": _l("Unpublished"),
    "deleted": _l("Deleted"),
    "on-disk": _l("Changed outside the editor (file on disk)"),
}


@dataclass(frozen=True)
class DiffLine:
    """One line of a unified diff: ``kind`` is add, remove, context or hunk."""

    kind: str
    text: str


def record(article_id: str, locale: str, content: str, author: User | None, note: str) -> Revision:
    """Add a revision to the session (the caller commits with the file write)."""
    revision = Revision(
        article_id=article_id,
        locale=locale,
        author_id=author.id if author is not None else None,
        content=content,
        note=note[:200],
    )
    db.session.add(revision)
    return revision


def note_label(note: str | None) -> str:
    """What a revision's note code means, in the reader's language."""
    kind, _sep, number = (note or "").partition(":")
    if kind == "restored":
        return _("Restored from revision %(number)s", number=number)
    return str(NOTE_LABELS.get(kind, note or ""))


def history(article_id: str, locale: str) -> list[Revision]:
    """Every revision of one article in one locale, newest first."""
    query = (
        db.select(Revision)
        .filter_by(article_id=article_id, locale=locale)
        .order_by(Revision.id.desc())
    )
    return list(db.session.scalars(query))


def latest(article_id: str, locale: str) -> Revision | None:
    """The newest revision of one article in one locale, if any."""
    query = (
        db.select(Revision)
        .filter_by(article_id=article_id, locale=locale)
        .order_by(Revision.id.desc())
        .limit(1)
    )
    return db.session.scalars(query).first()


def default_comparison(found: list[Revision], current_text: str | None) -> tuple[str, str]:
    """The pair the history's Compare form opens on: the latest change, never a no-op.

    The editor records the text it writes, so the newest revision usually *is* the current
    file: comparing those two always said "No differences". The file is the newer side only
    when it differs from the newest revision (changed outside the editor); otherwise the newest
    revision is compared with the one before it. Values are revision ids or ``"current"``.
    """
    if not found:
        return "", "current"
    newest = found[0]
    if current_text is not None and current_text != newest.content:
        return str(newest.id), "current"
    if len(found) > 1:
        return str(found[1].id), str(newest.id)
    return str(newest.id), "current" if current_text is not None else str(newest.id)


def get(revision_id: int) -> Revision | None:
    """One revision by its number."""
    return db.session.get(Revision, revision_id)


def author_name(revision: Revision) -> str | None:
    """Who saved the revision; ``None`` for changes made outside the editor."""
    if revision.author_id is None:
        return None
    user = db.session.get(User, revision.author_id)
    return user.name if user else None


def diff(old: str, new: str, old_label: str = "a", new_label: str = "b") -> list[DiffLine]:
    """A unified line diff of two file texts (difflib), ready to display."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_label, new_label, n=3, lineterm=""
    )
    out = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            out.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            out.append(DiffLine("remove", line[1:]))
        else:
            out.append(DiffLine("context", line[1:]))
    return out


def restore(editor, revision: Revision, *, author: User | None, base_version: str):
    """Save an old revision's text again, as the newest revision (history stays intact).

    Only the text comes back: the article keeps its current status and visibility, so a
    restore never publishes an unpublished article. A deleted article comes back as a draft.
    """
    from portal.write.drafts import Draft, EditError

    store = editor.store
    current = store.get(revision.article_id, revision.locale)
    slug = current.slug if current else revision.article_id
    try:
        article = parse_article(revision.content, Path(f"{slug}.md"), store.locales)
    except ArticleError as exc:
        message = _("This revision is not a valid article: %(reason)s", reason=str(exc))
        raise EditError(message) from exc
    draft = replace(Draft.from_article(article), slug=slug, status="draft")
    if current is not None:
        draft = replace(draft, status=current.status, visibility=current.visibility)
    return editor.save(
        draft,
        author=author,
        base_version=base_version,
        editing=(revision.article_id, revision.locale) if current else None,
        note=f"restored:{revision.id}",
    )


def restored_message(revision_id: int, article: Article, *, recreated: bool) -> str:
    """What a restore did, including the publish state it kept."""
    if recreated:
        return _(
            "Restored revision %(number)s as a draft: customers see it once you publish it.",
            number=revision_id,
        )
    if article.status == "published":
        return _(
            "Restored revision %(number)s as a new revision. The article stays published.",
            number=revision_id,
        )
    return _(
        "Restored revision %(number)s as a new revision. The article stays unpublished: "
        "customers do not see it.",
        number=revision_id,
    )
