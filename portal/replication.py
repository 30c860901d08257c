"""Several nodes: the database is the shared record of the article files; every node
mirrors it into its own ``articles/`` folder and builds its own index.

* **Recording.** Every write of an article file is recorded (:mod:`portal.replication_record`)
  in the same transaction as its revision: the browser editor's saves, publishes, deletes
  and restores, and ``portal articles sync`` for files a writer changed on this node's disk
  (in git, say). A version compare-and-set refuses the second of two concurrent saves, on
  any nodes, as the editor's version check does on one.
* **Mirroring.** Each node's worker runs :func:`mirror_articles` every ``MIRROR_SECONDS``: it
  pulls the rows changed since its last pull (minus a safety window; every
  ``MIRROR_FULL_SECONDS`` it compares the whole record), writes them atomically into the
  folder, deletes files the record marks deleted, then brings this node's index up to date.
  Web processes see the files (``ArticleStore.reload_if_changed``) and the new index
  generation (``SearchEngine.current``) without a restart.
* **Catching up.** :func:`index_catch_up` runs when the worker starts and every
  ``INDEX_CATCH_UP_SECONDS``: a crash during a publish, or a missing or damaged index, is
  repaired by the worker, never in a web request.

The rules for one path, with D the hash on this node's disk, M the manifest's and R the
record's: D = R is in sync; a fresh node (no manifest) or D = M (nothing changed here since
the last pull) takes R; otherwise a writer changed the file here: the mirror leaves it and
``portal articles sync`` records it (when R = M), or keeps R and puts the local text in the
article's history (when both changed). On a fresh node, or when the record is empty, files
the record lacks are recorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from portal.extensions import db
from portal.jobs.worker import node_duty
from portal.models import ArticleFile, utcnow
from portal.replication_record import (
    Manifest,
    StaleRecord,
    disk_paths,
    hashes,
    is_shared_path,
    read_disk,
    relative,
    text_hash,
    write,
)
from portal.replication_record import changed_since as rows_changed_since
from portal.replication_record import get as record_of
from portal.store import ArticleError, atomic_write, parse_article
from portal.write import files, revisions

__all__ = ["Outcome", "Replica", "ReplicationConfig", "StaleRecord", "replica_for", "text_hash"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplicationConfig:
    """How often a node pulls the record, compares all of it, and checks its index."""

    mirror_seconds: float = 2.0
    full_seconds: float = 60.0
    catch_up_seconds: float = 60.0
    # Rows are pulled from (last pull - this): a save whose transaction was still open at the
    # last pull, or a node whose clock runs a little behind, is not missed.
    safety_seconds: float = 30.0

    @classmethod
    def from_app(cls, app) -> ReplicationConfig:
        """The settings of ``app`` (``PORTAL_MIRROR_SECONDS`` ...)."""
        return cls(
            mirror_seconds=float(app.config.get("MIRROR_SECONDS", 2.0)),
            full_seconds=float(app.config.get("MIRROR_FULL_SECONDS", 60.0)),
            catch_up_seconds=float(app.config.get("INDEX_CATCH_UP_SECONDS", 60.0)),
        )


@dataclass
class Outcome:
    """What one reconciliation did, path by path."""

    pulled: list[str] = field(default_factory=list)  # written from the record
    deleted: list[str] = field(default_factory=list)  # removed: the record says deleted
    imported: list[str] = field(default_factory=list)  # recorded from this node's disk
    kept_local: list[str] = field(default_factory=list)  # changed here, left for `sync`
    conflicts: list[str] = field(default_factory=list)  # changed here and in the record
    seen: dict[str, str | None] = field(default_factory=dict)  # rows looked at: path -> hash

    @property
    def disk_changed(self) -> bool:
        """Whether this node's folder changed (then its index needs a look)."""
        return bool(self.pulled or self.deleted or self.conflicts)


class Replica:
    """This node's folder of article files as a mirror of the shared record."""

    def __init__(self, root: Path, instance_dir: Path, *, node: str | None = None, locales=()):
        self.root = Path(root)
        self.instance_dir = Path(instance_dir)
        self.node = node
        self.locales = tuple(locales)

    def lock(self):
        """The editor's lock on the folder: one writer of files and manifest at a time."""
        return files.article_lock(self.instance_dir)

    def relative(self, path: Path) -> str:
        """An article file's path as the record names it."""
        return relative(self.root, path)

    # -- the editor's side (the caller holds the lock and commits) ---------------------

    def pull(self, rel: str) -> bool:
        """Bring one path up to date with the record before a writer's change is checked;
        True when the file changed."""
        manifest = Manifest.load(self.instance_dir)
        row = record_of(rel)
        outcome = Outcome()
        if row is not None:
            self._apply_rules(rel, row.content_hash, manifest, outcome, lambda: row)
        if manifest.exists:
            manifest.save()
        return outcome.disk_changed

    def record(self, rel: str, text: str | None, *, based_on: str | None) -> None:
        """Record the writer's new text (None: deletion) for ``rel``, based on the file text
        ``based_on``; raises :class:`StaleRecord` when another node changed it meanwhile."""
        base = {text_hash(based_on), Manifest.load(self.instance_dir).get(rel)}
        if based_on is None:
            base.add(None)
        write(rel, text, base=base, node=self.node)

    def remember(self, written: dict[str, str | None]) -> None:
        """After the commit: these texts are what this node wrote (a fresh node's manifest
        is left to the worker's first reconciliation, which also records what it lacks)."""
        manifest = Manifest.load(self.instance_dir)
        if manifest.exists:
            for rel, text in written.items():
                manifest.set(rel, text_hash(text))
            manifest.save()

    # -- the worker's and `articles sync`'s side ---------------------------------------

    def reconcile(self, *, since: datetime | None = None, import_local: bool = False) -> Outcome:
        """Mirror the record (rows changed since ``since``; all of it when None) into the
        folder; with ``import_local``, also record the files a writer changed here.
        Takes the folder's lock; commits what it recorded."""
        with self.lock():
            return self._reconcile(since, import_local)

    def _reconcile(self, since, import_local) -> Outcome:
        manifest = Manifest.load(self.instance_dir)
        full = since is None or not manifest.exists
        outcome = Outcome()
        if full:
            recorded = hashes()
            seeding = not recorded
        else:
            rows = {row.path: row for row in rows_changed_since(since)}
            recorded = {path: row.content_hash for path, row in rows.items()}
            seeding = False
        outcome.seen = dict(recorded)
        for rel, digest in sorted(recorded.items()):
            if not is_shared_path(rel):
                log.warning("the shared record names an unsafe path %r; skipped", rel)
                continue
            load = (lambda rel=rel: rows[rel]) if not full else (lambda rel=rel: record_of(rel))
            self._apply_rules(rel, digest, manifest, outcome, load, import_local=import_local)
        if full:
            for rel in disk_paths(self.root):
                if rel in recorded:
                    continue
                if import_local:
                    self._import(rel, read_disk(self.root, rel), None, manifest, outcome)
                elif seeding or not manifest.exists:  # files the record lacks: no history
                    self._import(rel, read_disk(self.root, rel), None, manifest, outcome, False)
                else:
                    outcome.kept_local.append(rel)
        if outcome.imported or outcome.conflicts:
            try:
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
        if full or manifest.exists:
            manifest.save()
        return outcome

    def _apply_rules(self, rel, digest, manifest, outcome, load, *, import_local=False):
        """The rules of the module docstring for one path the record has."""
        text = read_disk(self.root, rel)
        here = text_hash(text)
        if here == digest:
            manifest.set(rel, digest)
        elif not manifest.exists or here == manifest.get(rel):
            self._apply(rel, load(), manifest, outcome)
        elif not import_local:
            outcome.kept_local.append(rel)
        elif digest == manifest.get(rel):
            self._import(rel, text, digest, manifest, outcome)
        else:
            self._history(rel, text, "on-disk")  # both changed: the record wins, nothing lost
            self._apply(rel, load(), manifest, Outcome())
            outcome.conflicts.append(rel)

    def _apply(self, rel: str, row: ArticleFile, manifest: Manifest, outcome: Outcome) -> None:
        """Write the record's text of ``rel`` into the folder (or delete the file)."""
        path = self.root / rel
        if row.content is None:
            files.remove_file(path)
            outcome.deleted.append(rel)
        else:
            atomic_write(path, row.content)
            outcome.pulled.append(rel)
        manifest.set(rel, row.content_hash)

    def _import(self, rel, text, based_on, manifest, outcome, history=True) -> None:
        """Record this node's text of ``rel`` (a writer changed it here; with ``history``
        its article's revisions say so, as the editor's do for a file changed in git)."""
        try:
            before = record_of(rel)
            old_text = before.content if before is not None else None
            write(rel, text, base={based_on}, node=self.node)
        except StaleRecord:
            outcome.kept_local.append(rel)  # another node wrote it meanwhile: next round
            return
        if history:
            self._history(
                rel, old_text if text is None else text, "deleted" if text is None else "on-disk"
            )
        manifest.set(rel, text_hash(text))
        outcome.imported.append(rel)

    def _history(self, rel: str, text: str | None, note: str) -> None:
        """Keep ``text`` of an article file in its revision history (nothing is lost)."""
        if text is None or not rel.endswith(".md"):
            return
        try:
            article = parse_article(text, self.root / rel, self.locales)
        except ArticleError:
            return
        last = revisions.latest(article.id, article.locale)
        if last is None or last.content != text or note == "deleted":
            revisions.record(article.id, article.locale, text, None, note)


def replica_for(app) -> Replica:
    """The replica of ``app``'s articles folder."""
    store = app.extensions["article_store"]
    return Replica(
        store.root,
        app.config["INSTANCE_DIR"],
        node=app.config.get("NODE_NAME"),
        locales=store.locales,
    )


# -- the worker's duties -----------------------------------------------------------------


@dataclass
class MirrorState:
    """When this worker last pulled (and compared all of) the record."""

    last_pull: datetime | None = None
    last_full: datetime | None = None
    # path -> the record's hash when this node's index was last brought up to date: a row
    # this node's own editor wrote is already on disk, but not yet in the index.
    indexed: dict[str, str | None] = field(default_factory=dict)


def update_index(app) -> None:
    """Bring this node's index in line with its folder: only articles whose content hash
    differs from the index's are embedded again; a missing or damaged index is rebuilt."""
    service = app.extensions["search"]
    report = service.build(only_if_stale=True)
    if report.added or report.updated or report.removed:
        log.info(
            "index: %s added, %s updated, %s removed", report.added, report.updated, report.removed
        )


@node_duty("mirror_articles", every="MIRROR_SECONDS")
def mirror_articles(app) -> Outcome:
    """Pull the shared record into this node's folder, then update this node's index."""
    config = ReplicationConfig.from_app(app)
    state = app.extensions.setdefault("replication", MirrorState())
    now = utcnow()
    full = state.last_full is None or now - state.last_full >= timedelta(
        seconds=config.full_seconds
    )
    since = None if full else state.last_pull - timedelta(seconds=config.safety_seconds)
    outcome = replica_for(app).reconcile(since=since)
    state.last_pull = now
    if full:
        state.last_full = now
    for rel in outcome.kept_local:
        log.info("%s changed on this node's disk; `portal articles sync` records it", rel)
    if outcome.disk_changed:
        log.info("mirrored %d file(s), deleted %d", len(outcome.pulled), len(outcome.deleted))
    unindexed = {rel: h for rel, h in outcome.seen.items() if state.indexed.get(rel, "") != h}
    if outcome.disk_changed or unindexed:
        update_index(app)  # reloads the store first
        state.indexed.update(unindexed)
    return outcome


@node_duty("index_catch_up", every="INDEX_CATCH_UP_SECONDS")
def index_catch_up(app) -> None:
    """On start and now and then: the index catches up with the folder (a publish cut
    short by a crash, an index missing or damaged)."""
    update_index(app)
