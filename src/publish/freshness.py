"""Freshness: what each output is made from, and which outputs an earlier build left up to date.

Every output (a unit: `pdf:<slug>.<lang>`, `page:<slug>.<lang>`, the index pages, the site's
shared files) is recorded in the cache's manifest (`cache.py`) with the digests of its inputs:

    file:<path>        a file of the project the output read (Markdown, briefing.toml, images…)
    tree:<folder>      a folder whose every file counts (a brand's layouts, the fonts)
    code: env:         publish's own code, the installed packages
    option:<name>      a build option that changes the output (the PDF variant)
    date:<folder>      the date the PDFs of a briefing carry (`sourcedate.py`)
    catalogue:<what>   what a page lists of the other briefings (`Catalogue` below)
    output:<file>      another output a page copies (a page holds its PDF)

An output is reused when every input's digest is what it was; a build with nothing changed stops
after `reuse()`, without importing the parser, the templates or WeasyPrint.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import Inputs, Manifest, Record, digest_text, replay
from .config import Project
from .errors import PublishError
from .load import discover, language_files, load_briefing_config, load_source
from .model import OutputFormat
from .plan import Options, Planned, unit
from .progress import Delivered, ProgressCallback
from .result import BuildResult
from .sourcedate import epoch_from_environment, git_head, last_commit_time

if TYPE_CHECKING:
    from .prepare import Brands
    from .render import Layouts

logger = logging.getLogger("publish.build")


@dataclass
class Context:
    """What every step of one build shares: the project, the options, the result, and the ledger of
    inputs (with their digests) and outputs (delivered, recorded)."""

    project: Project
    out_dir: Path
    options: Options
    manifest: Manifest
    result: BuildResult
    brands: Brands
    progress: ProgressCallback | None = None
    inputs: Inputs = field(init=False)
    catalogue: Catalogue = field(init=False)
    started_ns: int = field(default_factory=time.time_ns)
    """When this build started: an input modified after it may not match what was made."""

    COMMON = ("code:", "env:", "file:publish.toml", "tree:fonts")
    """Inputs of every output: publish's code, the installed packages, publish.toml, the fonts."""

    def __post_init__(self) -> None:
        from . import cache

        digests = cache.Digests(self.manifest.memo.get("digests"))
        dates = Dates(self.project, self.manifest)
        self.catalogue = Catalogue(self.project, self.manifest)
        values = {
            "code": lambda _: cache.code_digest(Path(__file__).parent, digests),
            "env": lambda _: cache.environment_digest(),
            "option": lambda name: str({"pdf_variant": self.options.pdf_variant}[name]),
            "date": dates.value,
            "catalogue": lambda arg: self.catalogue.value(self.inputs, arg),
            "output": self.manifest.output_digest,
        }
        self.inputs = Inputs(self.project.root, values, digests)

    def file(self, path: Path) -> str:
        return "file:" + self.inputs.name_of(path)

    def project_reads(self, reads: Iterable[str]) -> set[str]:
        """Return the input names of files read inside the project (outputs and caches excluded)."""
        names = set()
        for read in reads:
            path = Path(read)
            if path.is_relative_to(self.project.root) and not path.is_relative_to(self.out_dir):
                names.add(self.file(path))
        return names

    def layout_inputs(self, layouts: Layouts) -> set[str]:
        return {"tree:" + self.inputs.name_of(folder) for folder in layouts.dirs}

    def deliver(self, path: Path, made: bool) -> None:
        """Count an output as done (made now, or reused) and tell the progress display."""
        self.result.outputs.append(path)
        (self.result.made if made else self.result.reused).append(path)
        if self.progress is not None:
            self.progress(Delivered(path, made))

    def record(self, unit: str, inputs: Iterable[str], files: list[Path], warnings: list[list], **extra: str) -> None:
        """Record an output just made, unless an input changed while it was being made."""
        for name in files:
            self.inputs.forget("output:" + name.relative_to(self.out_dir).as_posix())
        keys = [*self.COMMON, *inputs]
        if any(self._modified_since_start(key) for key in keys):
            # Digests are taken now; the output may hold the older text. Leave it unrecorded so
            # the next build makes it again rather than reusing it.
            logger.debug("not caching %s: an input changed during the build", unit)
            self.manifest.forget(unit)
            return
        self.manifest.record(unit, self.inputs.snapshot(keys), files, warnings, extra)

    def failed(self, exc: PublishError, *units: str) -> None:
        """Record an error that stopped these outputs; the next build makes them again."""
        self.result.fail(exc)
        for name in units:
            self.manifest.forget(name)

    def _modified_since_start(self, key: str) -> bool:
        kind, _, arg = key.partition(":")
        if kind == "file":
            paths = [self.inputs.path_of(arg)]
        elif kind == "tree":
            folder = self.inputs.path_of(arg)
            paths = [Path(base, name) for base, _, names in os.walk(folder) for name in names]
        else:
            return False
        for path in paths:
            try:
                if path.stat().st_mtime_ns >= self.started_ns:
                    return True
            except OSError:
                continue
        return False


def reuse(ctx: Context, planned: list[Planned]) -> set[tuple[str, str, str]]:
    """Reuse every planned output the cache has up to date; return the (kind, slug, lang) still to make."""
    kinds = [k for k, f in (("pdf", OutputFormat.PDF), ("page", OutputFormat.HTML)) if f in ctx.options.formats]
    stale = set()
    for item in planned:
        fresh: list[Record] = []
        for kind in kinds:
            record = ctx.manifest.fresh(unit(kind, item.slug, item.lang), ctx.inputs)
            # A page shows its PDF: when the PDF is made again, so is the page (and its copy of the PDF).
            if record is None or (kind == "page" and ("pdf", item.slug, item.lang) in stale):
                stale.add((kind, item.slug, item.lang))
            else:
                fresh.append(record)
        # The document's own warnings (a missing alt text) are logged again once: by preparing it
        # again when one of its outputs is made, else from the first record.
        document = len(fresh) == len(kinds)
        for record in fresh:
            ctx.deliver(ctx.out_dir / next(iter(record.files)), made=False)
            kept = [w for w in record.warnings if document or w[3:] != ["document"]]
            replay(Record(record.inputs, record.files, kept))
            document = False
    return stale


class Catalogue:
    """What the site's navigation lists, from the front matter of every language file.

    The same values the site's `load_catalogue` makes, read again only from files whose content
    changed since the last build (the rest comes from the manifest).
    """

    def __init__(self, project: Project, manifest: Manifest):
        self.project = project
        self.manifest = manifest
        self._entries: list[tuple[str, str, str]] | None = None

    def entries(self, inputs: Inputs) -> list[tuple[str, str, str]]:
        """Return (slug, lang, digest of the front matter) of every language file that loads."""
        if self._entries is None:
            memo = self.manifest.memo.get("front_matter", {})
            used: dict[str, str] = {}
            entries = []
            for folder in discover(self.project, None):
                try:
                    wanted = tuple(load_briefing_config(folder, self.project).get("languages", ()))
                except PublishError:
                    continue
                for path in language_files(folder, self.project, wanted):
                    digest = inputs.digest("file:" + inputs.name_of(path))
                    meta = memo.get(digest)
                    if meta is None:
                        try:
                            source = load_source(path, folder.name, self.project)
                            meta = f"{source.lang}\0{digest_text(*sorted(asdict(source.meta).items()))}"
                        except PublishError:
                            meta = ""
                    used[digest] = meta
                    if meta:
                        lang, _, summary = meta.partition("\0")
                        entries.append((folder.name, lang, summary))
            self.manifest.memo["front_matter"] = used
            self._entries = entries
        return self._entries

    def languages(self, inputs: Inputs) -> list[str]:
        return self.project.in_language_order(lang for _, lang, _ in self.entries(inputs))

    def value(self, inputs: Inputs, arg: str) -> str:
        """Return the digest of one thing pages show: `languages`, `of/<slug>`, `list/<lang>`, `all`."""
        what, _, name = arg.partition("/")
        entries = self.entries(inputs)
        if what == "languages":
            return digest_text(*self.languages(inputs))
        if what == "of":
            present = {lang for slug, lang, _ in entries if slug == name}
            return digest_text(*(lang for lang in self.languages(inputs) if lang in present))
        if what == "list":
            return digest_text(*(f"{slug}\0{meta}" for slug, lang, meta in entries if lang == name))
        return digest_text(*(f"{slug}\0{lang}" for slug, lang, _ in entries))


class Dates:
    """What dates each briefing's PDFs (see `sourcedate.source_date`): SOURCE_DATE_EPOCH, else git.

    Git is asked once per build for its HEAD; a briefing's last commit is asked again only after
    HEAD moved. Outside git, PDFs are dated when they are made: the date is then no input.
    """

    def __init__(self, project: Project, manifest: Manifest):
        self.project = project
        self.manifest = manifest
        self._head: str | None = None

    def value(self, folder: str) -> str:
        epoch = epoch_from_environment()
        if epoch is not None:
            return f"epoch:{epoch}"
        if self._head is None:
            self._head = git_head(self.project.root) or ""
            if self.manifest.memo.get("dates", {}).get("head") != self._head:
                self.manifest.memo["dates"] = {"head": self._head}
        if not self._head:
            return "unstamped"
        dates = self.manifest.memo["dates"]
        if folder not in dates:
            committed = last_commit_time(self.project.root / folder)
            dates[folder] = f"git:{int(committed.timestamp())}" if committed else "unstamped"
        return dates[folder]
