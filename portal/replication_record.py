"""The shared record of article files (:class:`~portal.models.ArticleFile` rows) and this
node's manifest of it.

Writes are compare-and-set: :func:`write` changes a row only if it still holds a text the
writer based their change on, and bumps its ``version`` in an ``UPDATE ... WHERE version =``
so two nodes saving the same article at once cannot both win (the second one's update
matches no row and is refused, like the editor's check of the file on one node).

The **manifest** (``<instance>/articles-manifest.json``, path -> content hash) remembers what
this node last wrote or pulled for each path. It tells a file a writer changed on this
node's disk (its hash differs from the manifest's) from a file that is merely stale (its
hash is the manifest's while the record moved on). No manifest means a fresh node.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import ArticleFile, utcnow
from portal.store import GLOSSARY_FILE, atomic_write

MANIFEST_NAME = "articles-manifest.json"
SHARED_FILES = ("categories.yml", GLOSSARY_FILE)  # besides <locale>/<category>/<slug>.md
_ARTICLE_PATH = re.compile(r"^[^/.\\][^/\\]*/[^/.\\][^/\\]*/[^/.\\][^/\\]*\.md$")


class StaleRecord(Exception):
    """The record of ``path`` moved on since the writer's base; nothing was written."""

    def __init__(self, path: str, row: ArticleFile | None):
        super().__init__(f"the shared record of {path} changed")
        self.path = path
        self.row = row


def text_hash(text: str | None) -> str | None:
    """sha256 of the text's UTF-8 bytes (its first 20 digits are the editor's file version)."""
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_shared_path(rel: str) -> bool:
    """Whether ``rel`` names a file the record carries (never a path out of the folder)."""
    return rel in SHARED_FILES or bool(_ARTICLE_PATH.match(rel))


def disk_paths(root: Path) -> list[str]:
    """Every file of the articles folder the record carries, relative and POSIX-style."""
    root = Path(root)
    found = [p.relative_to(root).as_posix() for p in root.glob("*/*/*.md")]
    found += [name for name in SHARED_FILES if (root / name).is_file()]
    return sorted(rel for rel in found if is_shared_path(rel))


def relative(root: Path, path: Path) -> str:
    """``path`` relative to the articles folder ``root``."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()


def read_disk(root: Path, rel: str) -> str | None:
    """The file's text on this node, or ``None`` when it does not exist (or is not text)."""
    try:
        return (Path(root) / rel).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None


# -- the record --------------------------------------------------------------------------


def get(path: str) -> ArticleFile | None:
    """The row of ``path`` as the database has it now (never a cached copy)."""
    query = sa.select(ArticleFile).where(ArticleFile.path == path)
    return db.session.scalars(query.execution_options(populate_existing=True)).first()


def hashes() -> dict[str, str | None]:
    """Every path of the record with its content hash (no texts: cheap to compare)."""
    query = sa.select(ArticleFile.path, ArticleFile.content_hash)
    return dict(db.session.execute(query).all())


def changed_since(since) -> list[ArticleFile]:
    """Rows changed at or after ``since``."""
    query = sa.select(ArticleFile).where(ArticleFile.changed_at >= since)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def is_empty() -> bool:
    """True before the record was ever seeded."""
    return db.session.execute(sa.select(ArticleFile.id).limit(1)).first() is None


def write(path: str, text: str | None, *, base: set, node: str | None) -> ArticleFile | None:
    """Record ``text`` (``None``: the file was deleted) for ``path`` in the caller's
    transaction, if the record still holds one of the ``base`` hashes (``None`` in ``base``
    accepts no row or a deletion). Raises :class:`StaleRecord` otherwise."""
    if not is_shared_path(path):
        raise ValueError(f"not an article file path: {path!r}")
    row = get(path)
    current = row.content_hash if row is not None else None
    new_hash = text_hash(text)
    if current == new_hash:
        return row  # already recorded: no new version
    if current not in base:
        raise StaleRecord(path, row)
    if row is None:
        try:
            with db.session.begin_nested():
                row = ArticleFile(
                    path=path, content=text, content_hash=new_hash, version=1, changed_by=node
                )
                db.session.add(row)
        except IntegrityError:  # another node recorded this path first
            raise StaleRecord(path, get(path)) from None
        return row
    result = db.session.execute(
        sa.update(ArticleFile)
        .where(ArticleFile.id == row.id, ArticleFile.version == row.version)
        .values(
            content=text,
            content_hash=new_hash,
            version=row.version + 1,
            changed_at=utcnow(),
            changed_by=node,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleRecord(path, get(path))
    db.session.expire(row)
    return row


# -- the manifest ------------------------------------------------------------------------


class Manifest:
    """What this node last wrote or pulled, per path (see the module docstring)."""

    def __init__(self, path: Path, hashes: dict[str, str] | None):
        self.path = Path(path)
        self.exists = hashes is not None
        self.hashes = dict(hashes or {})

    @classmethod
    def load(cls, instance_dir: Path) -> Manifest:
        """The manifest of the node whose instance folder is ``instance_dir`` (an unreadable
        one counts as absent: the record then wins, which loses nothing it holds)."""
        path = Path(instance_dir) / MANIFEST_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found = data["paths"] if isinstance(data.get("paths"), dict) else None
        except (OSError, ValueError, AttributeError, KeyError):
            found = None
        return cls(path, found)

    def get(self, rel: str) -> str | None:
        """The hash this node last wrote or pulled for ``rel`` (None: none, or deleted)."""
        return self.hashes.get(rel)

    def set(self, rel: str, digest: str | None) -> None:
        """Remember ``digest`` for ``rel`` (None forgets it: the file is gone)."""
        if digest is None:
            self.hashes.pop(rel, None)
        else:
            self.hashes[rel] = digest

    def save(self) -> None:
        """Write the manifest atomically (this also ends the node's fresh state)."""
        text = json.dumps({"paths": dict(sorted(self.hashes.items()))}, indent=0)
        atomic_write(self.path, text)
        self.exists = True
