"""Article files on disk, written safely: a version token, a cross-process lock, moves.

The editor's form carries the :func:`file_version` of the file it was loaded from. Saving
compares it with the file on disk *under* :func:`article_lock`, so two writers (or a writer
and a ``git pull``) can never silently overwrite each other.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from portal.store import atomic_write

try:  # POSIX: a real lock across web workers; elsewhere a lock within one process
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

_THREAD_LOCK = threading.RLock()
LOCK_NAME = "articles.lock"


def file_version(path: Path | None) -> str:
    """A short digest of the file's bytes; ``""`` when there is no file."""
    if path is None:
        return ""
    try:
        data = Path(path).read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return ""
    return hashlib.sha256(data).hexdigest()[:20]


def read_text(path: Path | None) -> str | None:
    """The file's text, or ``None`` when it does not exist."""
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


@contextmanager
def article_lock(lock_dir: Path) -> Iterator[None]:
    """Hold the store's write lock: one writer at a time, across threads and processes."""
    lock_dir = Path(lock_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    with _THREAD_LOCK:
        if fcntl is None:
            yield
            return
        with open(lock_dir / LOCK_NAME, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def replace_file(new_path: Path, text: str, old_path: Path | None = None) -> None:
    """Atomically write ``new_path``; when the article moved, remove ``old_path`` after."""
    atomic_write(new_path, text)
    if old_path is not None and Path(old_path) != Path(new_path):
        Path(old_path).unlink(missing_ok=True)
        _remove_empty_dir(Path(old_path).parent)


def remove_file(path: Path) -> None:
    """Delete an article file (and its category folder when that leaves it empty)."""
    Path(path).unlink(missing_ok=True)
    _remove_empty_dir(Path(path).parent)


def _remove_empty_dir(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty, or already gone: both fine
