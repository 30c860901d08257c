"""The parts of an index generation that a damage is confined to.

A flipped byte in one file should cost that file's part, not the whole index: a generation
opens without its damaged parts, searches answer from the others (saying so), and the next
sync rebuilds just those parts (:meth:`indexer.engine.SearchEngine.sync`).

    keyword/<locale>           Whoosh segments (keyword/<locale>/*) and the term matrix
                               (keyword/<locale>.terms.npz, .terms.json)
    vectors/<space>/<locale>   one model's chunk vectors of one locale (<locale>.npy, .keys.json)
    lexicon/<space>/<locale>   one locale's words in one model's space (<locale>.words.*)

``manifest.json`` and ``chunks.jsonl`` belong to no part: every part is derived from the
chunks, so without them there is nothing to serve or to rebuild from.

Every file of every part is in the manifest's ``files`` checksums, the Whoosh segments
included (indexes written before checksummed only the term matrix: such a keyword part is
*unverified*, served as before and rewritten by the next sync). A part a publish could not
rebuild is recorded in the manifest's ``damaged`` and left out of the new generation, so a
damaged file is never copied forward.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from indexer.generations import file_digest
from indexer.lexicon import Lexicon

KEYWORD, VECTORS, LEXICON = "keyword", "vectors", "lexicon"
KINDS = (KEYWORD, VECTORS, LEXICON)
WHOLE = ("manifest.json", "chunks.jsonl")  # no part: nothing can be served without them


@dataclass(frozen=True, order=True)
class Part:
    """One separately rebuildable piece of a generation."""

    kind: str  # KEYWORD | VECTORS | LEXICON
    locale: str
    space: str = ""  # the model space of vectors and lexicons

    @property
    def name(self) -> str:
        """As written in a manifest and shown by ``status()``: "vectors/<space>/<locale>"."""
        return "/".join(p for p in (self.kind, self.space, self.locale) if p)

    @classmethod
    def parse(cls, name: str) -> Part:
        """The part a manifest names (see :attr:`name`)."""
        kind, *rest = name.split("/")
        if kind == KEYWORD and len(rest) == 1:
            return cls(KEYWORD, rest[0])
        if kind in (VECTORS, LEXICON) and len(rest) == 2:
            return cls(kind, rest[1], rest[0])
        raise ValueError(f"not an index part: {name!r}")

    @property
    def segments(self) -> str:
        """The folder of a keyword part's Whoosh segments (relative to the generation)."""
        return f"keyword/{self.locale}"

    def fixed_files(self) -> list[str]:
        """The files this part always has (relative to the generation)."""
        if self.kind == KEYWORD:
            return [f"keyword/{self.locale}{ext}" for ext in (".terms.npz", ".terms.json")]
        if self.kind == VECTORS:
            return [f"vectors/{self.space}/{self.locale}{ext}" for ext in (".npy", ".keys.json")]
        return [f"vectors/{self.space}/{name}" for name in Lexicon.files(self.locale)]

    def segment_files(self, root: Path) -> list[str]:
        """The Whoosh files of a keyword part as they are on disk (lock files aside: Whoosh
        leaves an empty ``MAIN_WRITELOCK`` behind, which no reader needs)."""
        if self.kind != KEYWORD:
            return []
        folder = Path(root) / self.segments
        if not folder.is_dir():
            return []
        return sorted(
            path.relative_to(root).as_posix()
            for path in folder.rglob("*")
            if path.is_file() and not path.name.endswith("LOCK")
        )

    def files(self, root: Path, *, segments: bool = True) -> list[str]:
        """Every file of this part to checksum."""
        return self.fixed_files() + (self.segment_files(root) if segments else [])


def planned(manifest: dict) -> list[Part]:
    """Every part a generation's manifest says it has."""
    parts = [Part(KEYWORD, locale) for locale in manifest.get("locales", [])]
    for space, about in manifest.get("spaces", {}).items():
        parts += [Part(VECTORS, locale, space) for locale in about.get("locales", [])]
        parts += [Part(LEXICON, locale, space) for locale in about.get("words", [])]
    return parts


@dataclass
class Verdict:
    """What the checksums of one generation say."""

    fatal: list[str] = field(default_factory=list)  # damaged files of no part
    damaged: dict[Part, str] = field(default_factory=dict)  # part -> why
    unverified: set[Part] = field(default_factory=set)  # keyword parts without segment sums


def verify(root: Path, manifest: dict) -> Verdict:
    """Check every file the manifest lists; a part is damaged when one of its files is
    missing, differs, or (for Whoosh segments) is there unlisted."""
    root = Path(root)
    verdict = Verdict()
    for name, reason in manifest.get("damaged", {}).items():
        try:
            verdict.damaged[Part.parse(name)] = reason  # left out by the publish that wrote it
        except ValueError:
            verdict.fatal.append(f"manifest.json names {name!r}")
    owners = {f: part for part in planned(manifest) for f in part.fixed_files()}
    listed = manifest.get("files", {})
    for relative, digest in listed.items():
        path = root / relative
        problem = "missing" if not path.exists() else None
        if problem is None and file_digest(path) != digest:
            problem = "checksum differs"
        if problem is None:
            continue
        part = owners.get(relative) or _segment_owner(relative, manifest)
        if part is None:
            verdict.fatal.append(relative)
        else:
            verdict.damaged.setdefault(part, f"{relative} is damaged ({problem})")
    for part in planned(manifest):
        if part.kind != KEYWORD or part in verdict.damaged:
            continue
        mine = {f for f in listed if f.startswith(part.segments + "/")}
        if not mine:
            verdict.unverified.add(part)
            continue
        extra = [f for f in part.segment_files(root) if f not in mine]
        if extra:
            verdict.damaged[part] = f"{extra[0]} is damaged (not in the manifest)"
    return verdict


def _segment_owner(relative: str, manifest: dict) -> Part | None:
    """The keyword part a Whoosh segment file belongs to, if it is one."""
    folder, _, rest = relative.partition("/")
    locale, _, name = rest.partition("/")
    if folder == KEYWORD and name and locale in manifest.get("locales", []):
        return Part(KEYWORD, locale)
    return None
