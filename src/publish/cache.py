"""Cache: what each output was made from → whether a build must make it again.

Every output a build makes (a PDF, a web page, the site's shared files) is recorded in
`<out>/.cache/manifest.json` with a digest of each input it was made from:

    file:<path>     a file's content (Markdown, briefing.toml, data files, images, files the
                    typesetter fetched); "-" when the file does not exist
    tree:<folder>   every file of a folder, names and contents (a brand's layout, fonts/)
    stat:<path>     a file outside the project that is too big to read each time (the
                    native libraries WeasyPrint draws with): its size, time and inode
    <value>:<arg>   a value the build computes (publish's code, the installed packages, build
                    options, a briefing's date, what the site's navigation lists)

The next build computes the current digests (each at most once) and reuses an output only when
every digest is unchanged and the file is still the one written (size and time, else content).
Content decides, never times alone: a file saved again unchanged rebuilds nothing, a changed one
is always seen. A failed output is never recorded, so it is tried again and its error reported
again; the warnings an output's making logged are recorded with it and logged again when it is
reused, so `--strict` gives the same answer on every build.

Files read while a document is parsed are found by an audit hook on `open` (`reading()`), so a
new kind of data file needs no change here.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import logging
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .output import atomic_write_text

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
"""The manifest's file name, in `<out>/.cache/`."""
FORMAT = 1
"""Bump when the manifest's layout or the meaning of a digest changes: older manifests are ignored."""
MISSING = "-"
"""The digest of a file that does not exist."""


def digest_bytes(data: bytes) -> str:
    """Return the digest the cache uses for content."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def digest_text(*parts: object) -> str:
    """Return the digest of some values, as text."""
    return digest_bytes("\0".join(map(str, parts)).encode("utf-8", "surrogateescape"))


def file_digest(path: Path) -> str:
    """Return the digest of a file's content, or MISSING (also for a FIFO or device, which never end)."""
    if not path.is_file():
        return MISSING
    try:
        with path.open("rb") as f:
            return hashlib.file_digest(f, lambda: hashlib.blake2b(digest_size=16)).hexdigest()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return MISSING


RACY_NS = 2_000_000_000
"""A file modified less than this before it is read is not remembered by `Digests`: a second change
within the file system's clock tick could leave its size and times as they were."""


class Digests:
    """File digests remembered between builds (in the manifest's memo), by each file's size,
    modification and change times and inode: a file whose stat is unchanged is not read again.
    The change time cannot be set by tools (`touch -d`, `cp -p`), so any new content shows."""

    def __init__(self, known: object = None):
        self.known: dict[str, list] = known if isinstance(known, dict) else {}
        self.seen: dict[str, list] = {}

    def __call__(self, path: Path) -> str:
        """Return the digest of a file's content, or MISSING (as `file_digest`)."""
        try:
            info = os.stat(path)
        except OSError:
            return MISSING
        if not stat.S_ISREG(info.st_mode):
            return MISSING
        stamp = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        key = str(path)
        entry = self.known.get(key)
        digest = entry[4] if isinstance(entry, list) and len(entry) == 5 and entry[:4] == stamp else file_digest(path)
        if digest != MISSING and time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) > RACY_NS:
            self.seen[key] = [*stamp, digest]
        return digest

    def remembered(self, everything: bool) -> dict[str, list]:
        """What to keep for the next build: what this build read, and (unless it read `everything`
        the project has) what earlier builds read of the rest."""
        return dict(sorted(self.seen.items())) if everything else dict(sorted({**self.known, **self.seen}.items()))


@dataclass
class Record:
    """What one output was made from, what it wrote and what it logged."""

    inputs: dict[str, str]
    """Digest of each input, by input name (file:…, tree:…, …)."""
    files: dict[str, list]
    """Each file written, relative to the output folder: [size, mtime_ns, content digest]."""
    warnings: list[list] = field(default_factory=list)
    """[logger name, level, message, scope] of each warning logged while making it; the scope is
    "document" for what preparing its document logged (shared with its other outputs), else "output"."""
    extra: dict[str, str] = field(default_factory=dict)
    """What later builds need to know without making it again (the brand it used)."""


def _records(raw: object) -> dict[str, Record] | None:
    """Return the records of a manifest's JSON when every field has its type, else None."""
    if not isinstance(raw, dict):
        return None
    records = {}
    for unit, fields in raw.items():
        if not isinstance(fields, dict) or set(fields) - {"inputs", "files", "warnings", "extra"}:
            return None
        inputs, files = fields.get("inputs"), fields.get("files")
        warnings, extra = fields.get("warnings", []), fields.get("extra", {})
        if not (
            isinstance(inputs, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in inputs.items())
            and isinstance(files, dict)
            and all(
                isinstance(v, list)
                and len(v) == 3
                and isinstance(v[0], int)
                and isinstance(v[1], int)
                and isinstance(v[2], str)
                for v in files.values()
            )
            and isinstance(warnings, list)
            and all(isinstance(w, list) and len(w) == 4 and isinstance(w[1], int) for w in warnings)
            and isinstance(extra, dict)
            and all(isinstance(v, str) for v in extra.values())
        ):
            return None
        records[unit] = Record(inputs, files, warnings, extra)
    return records


class Inputs:
    """The current digest of each input of a build, each computed at most once.

    `values` computes the named values: `values["date"]("briefings/x")` and so on.
    """

    def __init__(self, root: Path, values: dict[str, Callable[[str], str]], digests: Digests | None = None):
        self.root = root
        self.values = values
        self.digests = digests or Digests()
        self._known: dict[str, str] = {}

    def name_of(self, path: Path) -> str:
        """Return the input name of a file: relative to the project when inside it."""
        path = Path(os.path.abspath(path))
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else path.as_posix()

    def path_of(self, name: str) -> Path:
        return self.root / name

    def digest(self, key: str) -> str:
        """Return the current digest of an input."""
        known = self._known.get(key)
        if known is None:
            kind, _, arg = key.partition(":")
            if kind == "file":
                known = self.digests(self.path_of(arg))
            elif kind == "tree":
                known = self._tree(self.path_of(arg))
            elif kind == "stat":
                known = stat_digest(Path(arg))
            else:
                known = self.values[kind](arg)
            self._known[key] = known
        return known

    def _tree(self, folder: Path) -> str:
        if not folder.is_dir():
            return MISSING
        parts = [
            f"{path.relative_to(folder).as_posix()}={self.digest('file:' + self.name_of(path))}"
            for path in tree_files(folder)
        ]
        return digest_text(*parts)

    def snapshot(self, keys: Iterable[str]) -> dict[str, str]:
        """Return the current digests of some inputs."""
        return {key: self.digest(key) for key in sorted(set(keys))}

    def forget(self, key: str) -> None:
        """Drop a digest computed earlier in this build (the file has been written since)."""
        self._known.pop(key, None)


def stat_digest(path: Path) -> str:
    """Return a file's size, modification time and inode, or MISSING: for files too big to read each build."""
    try:
        info = path.stat()
    except OSError:
        return MISSING
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"


class Manifest:
    """The records of one output folder: loaded at the start of a build, saved at its end."""

    def __init__(self, folder: Path, records: dict[str, Record] | None = None, memo: dict | None = None):
        self.folder = folder
        """The output folder the records describe."""
        self.records: dict[str, Record] = records or {}
        self.memo: dict = memo or {}
        """Facts worth keeping between builds that are not outputs (front matter by file digest)."""
        self.written: dict[str, list[str]] = {}
        """With --force: the files each unit of the last build wrote (the records are not trusted)."""

    def files_written(self) -> dict[str, list[str]]:
        """The files each recorded unit wrote (relative to the output folder), this build's or the last's."""
        return {**self.written, **{unit: list(r.files) for unit, r in self.records.items()}}

    @classmethod
    def load(cls, folder: Path, *, ignore: bool = False) -> Manifest:
        """Read the manifest of an output folder (and those sharded builds left there)."""
        manifest = cls(folder)
        if ignore:  # every output is made again; what the last build wrote is still known, for pruning
            manifest.written = {unit: r.files for unit, r in cls.load(folder).records.items()}
            return manifest
        cache = folder / ".cache"
        # Sharded builds each leave their own manifest; an unsharded build in the folder they
        # were merged into takes their records over.
        for path in [cache / MANIFEST, *sorted(cache.glob("manifest.*-of-*.json"))]:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                continue
            records = _records(data.get("records"))
            if records is None:
                # Damaged, or written by another version of publish: make everything again.
                logger.info("note: %s is not a manifest this publish can read; building as without a cache", path)
                continue
            for unit, record in records.items():
                manifest.records.setdefault(unit, record)
            if path.name == MANIFEST and isinstance(data.get("memo"), dict):
                manifest.memo = data["memo"]
        return manifest

    def save(self, shard: tuple[int, int] | None = None) -> None:
        """Write the manifest (a shard's own file when sharded) atomically."""
        cache = self.folder / ".cache"
        name = MANIFEST if shard is None else f"manifest.{shard[0]}-of-{shard[1]}.json"
        data = {
            "format": FORMAT,
            "records": {unit: vars(record) for unit, record in sorted(self.records.items())},
            "memo": self.memo,
        }
        atomic_write_text(cache / name, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        if shard is None:
            for absorbed in cache.glob("manifest.*-of-*.json"):
                absorbed.unlink(missing_ok=True)

    def fresh(self, unit: str, inputs: Inputs) -> Record | None:
        """Return the record of an output when it is up to date: same inputs, files as written."""
        record = self.records.get(unit)
        if record is None or not record.files:
            return None
        for key, value in record.inputs.items():
            if inputs.digest(key) != value:
                return None
        for name, (size, mtime, content) in record.files.items():
            path = self.folder / name
            try:
                info = path.stat()
            except OSError:
                return None
            if info.st_size != size:
                return None
            if info.st_mtime_ns != mtime:
                # Copied or touched (a merged shard, a restored artifact): compare the content.
                if file_digest(path) != content:
                    return None
                record.files[name] = [size, info.st_mtime_ns, content]
        return record

    def record(
        self,
        unit: str,
        inputs: dict[str, str],
        files: Iterable[Path],
        warnings: Iterable[list] = (),
        extra: dict[str, str] | None = None,
    ) -> Record:
        """Record an output just made, with the digests its inputs had when it was made."""
        written: dict[str, list] = {}
        for path in files:
            try:
                info = path.stat()
            except OSError:
                continue
            name = path.relative_to(self.folder).as_posix() if path.is_relative_to(self.folder) else str(path)
            written[name] = [info.st_size, info.st_mtime_ns, file_digest(path)]
        record = Record(dict(inputs), written, [list(w) for w in warnings], dict(extra or {}))
        self.records[unit] = record
        return record

    def forget(self, unit: str) -> None:
        """Drop an output's record: it failed, or must be made again."""
        self.records.pop(unit, None)

    def output_digest(self, name: str) -> str:
        """Return the digest of an output file's content (reading it only when it is not as recorded)."""
        path = self.folder / name
        try:
            info = path.stat()
        except OSError:
            return MISSING
        known = next((r.files[name] for r in self.records.values() if name in r.files), None)
        if known is not None and known[:2] == [info.st_size, info.st_mtime_ns]:
            return known[2]
        return file_digest(path)


def replay(record: Record) -> None:
    """Log again the warnings an output's making logged, for the build that reuses it."""
    for name, level, message, *_ in record.warnings:
        logging.getLogger(name).log(level, "%s", message)


# Which files are read while a document is parsed, rendered or typeset. An audit hook cannot be
# removed once added, so one is added per process, the first time it is needed, and it does
# nothing unless a `reading()` block is active in the current thread or task.
_reads: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("publish_reads", default=None)
_hooked = False


def _audit(event: str, args: tuple) -> None:
    if event == "open":
        reads = _reads.get()
        if reads is not None and isinstance(args[0], str | bytes | os.PathLike):
            mode = args[1]
            if not isinstance(mode, str) or "r" in mode:
                reads.add(os.path.abspath(os.fsdecode(args[0])))


@contextlib.contextmanager
def reading() -> Iterator[set[str]]:
    """Collect the absolute paths of the files opened for reading while the block runs."""
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    outer = _reads.get()
    reads: set[str] = set()
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)
        if outer is not None:
            outer.update(reads)


def code_digest(package: Path, digest: Callable[[Path], str] = file_digest) -> str:
    """Return the digest of publish's own files (its code, and any data shipped with it)."""
    return digest_text(*(f"{path.relative_to(package).as_posix()}={digest(path)}" for path in tree_files(package)))


def tree_files(folder: Path) -> Iterator[Path]:
    """Yield the files under a folder in a fixed order (sorted, depth first), Python's caches left out."""
    for base, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = Path(base, name)
            if path.is_file():  # a FIFO or device would block or never end; the build refuses them itself
                yield path


def environment_digest() -> str:
    """Return the digest of the Python and the packages installed beside publish (names and versions).

    Reads folder listings only (`*.dist-info` names carry the version), so WeasyPrint is not imported.
    """
    parts = [sys.version, sys.platform]
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            with contextlib.suppress(OSError):
                parts += sorted(n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info")))
    return digest_text(*parts)


NATIVE_LIBRARIES = ("libpango", "libharfbuzz", "libfontconfig", "libfreetype", "libfribidi", "libgobject")
"""The shared libraries whose versions change how WeasyPrint lays out and draws text."""


def native_libraries() -> list[str]:
    """Return the paths of the text libraries this process has loaded (Linux: /proc/self/maps)."""
    found = set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/maps").read_text().splitlines():
            path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
            if path.startswith("/") and os.path.basename(path).startswith(NATIVE_LIBRARIES):
                found.add(path)
    return sorted(found)
