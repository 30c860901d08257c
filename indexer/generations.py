"""Index generations on disk: each build or update writes a new directory, then flips
``CURRENT`` with an atomic rename. Readers see the old generation or the new one, never a
half-written one; a crash mid-write leaves an unreferenced directory that is cleaned later.

    <index_dir>/CURRENT            "gen-000007"
    <index_dir>/gen-000007/manifest.json, chunks.jsonl, vectors/<model>/<locale>.npy,
                           keyword/<locale>/ (Whoosh), keyword/<locale>.terms.npz
    <index_dir>/.write.lock        flock: one writer at a time, across processes
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

FORMAT = 7
GENERATION = re.compile(r"^gen-(\d{6})$")
KEEP_OLD_GENERATIONS = 2


@dataclass(frozen=True)
class ChunkRecord:
    """What the engine keeps about each indexed chunk (for filters, grouping, snippets)."""

    key: str
    doc_id: str
    locale: str
    ordinal: int
    heading: str
    anchor: str
    text: str
    title: str
    category: str
    visibility: str
    tags: tuple[str, ...] = ()

    @cached_property
    def doc_key(self) -> str:
        """The article-and-locale this chunk belongs to (asked per candidate per search)."""
        return f"{self.doc_id}|{self.locale}"


def write_chunks(path: Path, records) -> None:
    """One JSON object per line."""
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")


def read_chunks(path: Path) -> dict[str, ChunkRecord]:
    """Chunk records by key."""
    records = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            data = json.loads(line)
            data["tags"] = tuple(data.get("tags") or ())
            record = ChunkRecord(**data)
            records[record.key] = record
    return records


def file_digest(path: Path) -> str:
    """sha256 of a file, to notice a damaged index before serving it."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_tree(root: Path) -> None:
    """Flush every file of a new generation to disk before it becomes current."""
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


class GenerationStore:
    """Names, creates, publishes and cleans up generation directories."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def current_file(self) -> Path:
        """The pointer to the served generation."""
        return self.root / "CURRENT"

    def current_name(self) -> str | None:
        """The served generation's directory name, if any."""
        try:
            name = self.current_file.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return name if GENERATION.match(name) else None

    def signature(self) -> tuple | None:
        """Changes whenever CURRENT is replaced (cheap enough to check on every search)."""
        try:
            st = self.current_file.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def numbers(self) -> list[int]:
        """Every generation number present on disk."""
        if not self.root.exists():
            return []
        return sorted(
            int(m.group(1)) for p in self.root.iterdir() if (m := GENERATION.match(p.name))
        )

    def new_directory(self, copy_from: Path | None = None) -> tuple[int, Path]:
        """A fresh generation directory (a copy of ``copy_from`` for incremental updates)."""
        self.root.mkdir(parents=True, exist_ok=True)
        number = max(self.numbers(), default=0) + 1
        path = self.root / f"gen-{number:06d}"
        if copy_from is not None:
            shutil.copytree(copy_from, path)
            (path / "manifest.json").unlink(missing_ok=True)
        else:
            path.mkdir()
        return number, path

    def publish(self, path: Path) -> None:
        """Make ``path`` the served generation: fsync it, then rename CURRENT over."""
        fsync_tree(path)
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(path.name, encoding="utf-8")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, self.current_file)
        self.cleanup()

    def cleanup(self) -> None:
        """Delete generations older than the last few (readers reopen on their next search)."""
        current = self.current_name()
        keep = set(self.numbers()[-(KEEP_OLD_GENERATIONS + 1) :])
        for number in self.numbers():
            name = f"gen-{number:06d}"
            if number not in keep and name != current:
                shutil.rmtree(self.root / name, ignore_errors=True)

    @contextlib.contextmanager
    def write_lock(self):
        """Exclusive across threads and processes for the duration of one write."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".write.lock", "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
