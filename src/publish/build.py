"""Build: orchestration only. Which outputs to make, which to reuse, in which order, and what failed.

    plan      which outputs, from the folders alone (nothing parsed)
    reuse     every output the cache has up to date (`cache.py`): a build with nothing changed
              stops here, without importing the parser, the templates or WeasyPrint
    prepare   load → parse → check → images, for the documents with an output to make
    make      render → typeset the PDFs in worker processes (`workers.py`), and meanwhile
              write the web pages and the site's shared files
    record    what each output was made from, for the next build

Every output is written atomically; an error in one language file or briefing is recorded with
its location and the build goes on with the others. The result says what was made, what was
reused and what failed; the caller (the CLI, CI, a test) decides what to do about it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import Inputs, Manifest, Record, capture_warnings, digest_text, reading, replay
from .config import Project, load_project, output_folder
from .errors import ConfigError, PublishError
from .load import Briefing, discover, load_briefing, load_briefing_config, load_source
from .model import Document, OutputFormat, Source, SourceLocation
from .progress import Delivered, Output, Planned, ProgressCallback
from .sourcedate import epoch_from_environment, git_head, last_commit_time

if TYPE_CHECKING:
    from .check import Coverage
    from .images import PreparedImage
    from .render import Layouts
    from .site import Catalogue, Site, WebPage
    from .workers import Typesetting, Workers

logger = logging.getLogger(__name__)

DEFAULT_PDF_VARIANT = "pdf/ua-1"
"""Tagged PDF for assistive technology: it works for all three shipped languages."""


@dataclass
class BuildResult:
    """What a build produced and what went wrong."""

    outputs: list[Path] = field(default_factory=list)
    """Files the build delivers (PDFs and web pages), made now or reused, in the order they were done."""
    errors: list[PublishError] = field(default_factory=list)
    """Problems that stopped an output from being made, each with its location."""
    warnings: list[str] = field(default_factory=list)
    """Warnings logged during the build (each with its location); failures under strict."""
    made: list[Path] = field(default_factory=list)
    """The outputs this build wrote."""
    reused: list[Path] = field(default_factory=list)
    """The outputs an earlier build made from the same inputs, left as they were."""
    peak_memory: int = 0
    """The highest resident memory of a process that typeset a PDF, in bytes (0 when none was made)."""

    @property
    def ok(self) -> bool:
        """True when everything asked for was built."""
        return not self.errors


def build(
    paths: Iterable[Path | str] | None = None,
    *,
    langs: Iterable[str] = (),
    formats: Iterable[OutputFormat] = (OutputFormat.PDF, OutputFormat.HTML),
    out: Path | str | None = None,
    project_root: Path | str | None = None,
    pdf_variant: str | None = DEFAULT_PDF_VARIANT,
    strict: bool = False,
    force: bool = False,
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Build the given briefing folders (all when none) into PDFs and web pages.

    With `strict`, any warning (a missing alt text, a WeasyPrint complaint…) fails the build.
    Outputs whose inputs have not changed since they were made are reused, unless `force`.
    `jobs` PDFs are typeset at once (default: one per core, as memory allows; 1: in this process).
    `shard=(i, n)` builds the i-th of n slices of the PDFs and briefing pages (1-based), for a
    build split across machines; an unsharded build in the merged folder then adds the site's
    shared files (lists, fonts, sitemap), reusing everything the shards made.
    `progress` is told which outputs are planned, then each one as it is made or reused.
    """
    result = BuildResult()
    with _collecting_warnings(result, strict):
        options = _Options(frozenset(formats), tuple(langs), pdf_variant, force, jobs, _check_shard(shard))
        _build(result, paths, out, project_root, options, progress)
    return result


def lint(
    paths: Iterable[Path | str] | None = None,
    *,
    langs: Iterable[str] = (),
    project_root: Path | str | None = None,
    strict: bool = False,
) -> BuildResult:
    """Check briefings as a build would (front matter, Markdown, scripts, glyphs, images), writing
    nothing, and compare each translation with its original (drift is a warning)."""
    from .check import compare_translations
    from .images import locate_images

    result = BuildResult()
    with _collecting_warnings(result, strict):
        project = load_project(Path(project_root) if project_root else None)
        briefings = _load(project, [Path(p) for p in paths] if paths else None, tuple(langs), result)
        layouts = _Layouts(project)
        checked = _check(_parse(briefings, layouts, result), project, result)
        for _, doc in checked:
            try:
                locate_images(doc, project.root)
            except PublishError as exc:
                _fail(result, exc)
        for briefing in briefings:
            for warning in compare_translations([d for b, d in checked if b is briefing], project.root):
                logger.warning("%s", warning)
    return result


def build_pair(
    path: Path | str,
    langs: tuple[str, str],
    *,
    out: Path | str | None = None,
    project_root: Path | str | None = None,
    pdf_variant: str | None = DEFAULT_PDF_VARIANT,
) -> BuildResult:
    """Build one PDF with two language versions of a briefing side by side, block beside block.

    Written to <out>/pdf/<slug>.<lang>+<lang>.pdf; a right-to-left language takes the right column.
    """
    result = BuildResult()
    with _collecting_warnings(result, strict=False):
        try:
            _build_pair(result, path, langs, out, project_root, pdf_variant)
        except PublishError as exc:
            _fail(result, exc)
    return result


def _build_pair(
    result: BuildResult,
    path: Path | str,
    langs: tuple[str, str],
    out: Path | str | None,
    project_root: Path | str | None,
    pdf_variant: str | None,
) -> None:
    from .bilingual import render_pair_page
    from .images import prepare_images
    from .typeset import Typesetter

    project = load_project(Path(project_root) if project_root else None)
    out_dir = output_folder(project, out, "build")
    (folder,) = discover(project, [Path(path)])
    briefing = load_briefing(folder, project, tuple(langs))
    for exc in briefing.errors:
        _fail(result, exc)
    missing = [lang for lang in langs if lang not in {s.lang for s in briefing.sources}]
    if missing or result.errors:
        if missing:
            _fail(result, PublishError(f"{folder.name} has no {' or '.join(missing)} version to pair"))
        return
    layouts = _Layouts(project)
    by_lang = {s.lang: s for s in briefing.sources}
    docs = []
    for lang in langs:
        doc = _parse_source(briefing, by_lang[lang], layouts)
        _check_document(doc, _coverage(project), project)
        docs.append(doc)
    substitutes: dict[Path, Path] = {}
    for doc in docs:
        for image in prepare_images(doc, out_dir / ".cache" / "images", project.root):
            substitutes[image.original] = image.print_path
    target = out_dir / "pdf" / f"{briefing.slug}.{langs[0]}+{langs[1]}.pdf"
    page = render_pair_page(docs[0], docs[1], layouts.for_document(briefing, docs[0]), target)
    roots = [project.layouts_dir, project.fonts_dir, project.briefings_dir]
    typesetter = Typesetter(roots, project.root, pdf_variant, frozenset(project.allow_hosts))
    if typesetter.text_layer_fallback:
        _warn_text_layer_fallback(typesetter.text_layer_fallback)
    typesetter.typeset(page, substitutes)
    result.outputs.append(target)
    logger.info("built %s", project.relative(target))


@contextlib.contextmanager
def _collecting_warnings(result: BuildResult, strict: bool) -> Iterator[None]:
    """Keep every warning publish logs meanwhile in `result`; with `strict`, fail on any."""
    collector = _WarningCollector(result.warnings)
    package_logger = logging.getLogger("publish")
    package_logger.addHandler(collector)
    try:
        yield
    finally:
        package_logger.removeHandler(collector)
    if strict and result.warnings:
        result.errors.append(
            PublishError(f"{len(result.warnings)} warning(s), and warnings are errors here (--strict)")
        )


class _WarningCollector(logging.Handler):
    """Keeps the text of every warning publish logs during one build."""

    def __init__(self, into: list[str]):
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING:
            self.into.append(record.getMessage())


@dataclass(frozen=True, slots=True)
class _Options:
    """What a build was asked for, besides which briefings."""

    formats: frozenset[OutputFormat]
    langs: tuple[str, ...]
    pdf_variant: str | None
    force: bool
    jobs: int | None
    shard: tuple[int, int] | None


def _check_shard(shard: tuple[int, int] | None) -> tuple[int, int] | None:
    if shard is None:
        return None
    index, count = shard
    if not (count >= 1 and 1 <= index <= count):
        raise ConfigError(f"there is no shard {index}/{count}", hint="write --shard I/N with 1 ≤ I ≤ N, e.g. 2/3")
    return (index, count) if count > 1 else None


@dataclass(frozen=True, slots=True)
class _Planned:
    """A language file to build, known from the folders alone (nothing parsed yet)."""

    slug: str
    lang: str
    path: Path
    folder: Path


@dataclass
class _Prepared:
    """A document ready to render: parsed, checked, its images made, and what that read."""

    briefing: Briefing
    doc: Document
    images: list[PreparedImage]
    inputs: set[str]
    """Input names (file:…) the document was made from."""
    warnings: list[list]
    """Warnings logged while preparing it, recorded with each of its outputs."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc.source.slug, self.doc.source.lang)


class _Catalogue:
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
                for path in _language_files(folder, self.project, wanted):
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
        found = {lang for _, lang, _ in self.entries(inputs)}
        order = self.project.languages
        return [lang for lang in order if lang in found] + sorted(found - set(order))

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


@dataclass
class _Context:
    """What every step of one build shares."""

    project: Project
    out_dir: Path
    options: _Options
    manifest: Manifest
    result: BuildResult
    layouts: _Layouts
    catalogue: _Catalogue
    progress: ProgressCallback | None = None
    inputs: Inputs = field(init=False)
    started_ns: int = field(default_factory=time.time_ns)
    """When this build started: an input modified after it may not match what was made."""

    COMMON = ("code:", "env:", "file:publish.toml", "tree:fonts")
    """Inputs of every output: publish's code, the installed packages, publish.toml, the fonts."""

    def __post_init__(self) -> None:
        from . import cache

        dates = _Dates(self.project, self.manifest)
        values = {
            "code": lambda _: cache.code_digest(Path(__file__).parent),
            "env": lambda _: cache.environment_digest(),
            "option": lambda name: str({"pdf_variant": self.options.pdf_variant}[name]),
            "date": dates.value,
            "catalogue": lambda arg: self.catalogue.value(self.inputs, arg),
            "output": self.manifest.output_digest,
        }
        self.inputs = Inputs(self.project.root, values)

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


def _build(
    result: BuildResult,
    paths: Iterable[Path | str] | None,
    out: Path | str | None,
    project_root: Path | str | None,
    options: _Options,
    progress: ProgressCallback | None = None,
) -> None:
    project = load_project(Path(project_root) if project_root else None)
    out_dir = output_folder(project, out, "build")
    manifest = Manifest.load(out_dir, ignore=options.force)
    ctx = _Context(
        project, out_dir, options, manifest, result, _Layouts(project), _Catalogue(project, manifest), progress
    )

    planned = _plan(project, [Path(p) for p in paths] if paths else None, options)
    if progress is not None:
        formats = [f for f in (OutputFormat.PDF, OutputFormat.HTML) if f in options.formats]
        progress(Planned(tuple(Output(p.slug, p.lang, f) for p in planned for f in formats)))
    stale = _reuse(ctx, planned)

    make_pdfs = OutputFormat.PDF in options.formats and any(kind == "pdf" for kind, _, _ in stale)
    make_site = OutputFormat.HTML in options.formats
    # One pool for the build's CPU-bound work: the PDFs, each handed over as soon as its document
    # is parsed, then the site's font subsets and cards, queued behind them while this process
    # writes the pages. It starts now, so the workers load WeasyPrint while documents are parsed.
    workers = _workers(ctx, sum(kind == "pdf" for kind, _, _ in stale) if make_pdfs else 0, make_site)
    try:
        if make_pdfs:
            workers.start()
        typesetting = _Typesetting(ctx, workers) if make_pdfs else None
        prepared = []
        for item in _prepare(ctx, planned, stale):
            prepared.append(item)
            if typesetting is not None and ("pdf", *item.key) in stale:
                typesetting.add(item)
        site = None
        if make_site:
            pages = [p for p in prepared if ("page", *p.key) in stale]
            pending_pdfs = set(typesetting.made_keys) if typesetting else set()
            site = _write_site(ctx, planned, pages, pending_pdfs, workers)
        if typesetting is not None:
            typesetting.finish()
        if site is not None:
            _finish_site(ctx, site)
    finally:
        workers.close()
    if planned or manifest.records:
        manifest.save(options.shard)


# Plan and reuse


def _plan(project: Project, paths: list[Path] | None, options: _Options) -> list[_Planned]:
    """List the language files to build, from the folders alone; a shard keeps every n-th."""
    planned = []
    for folder in discover(project, paths):
        try:
            wanted = options.langs or tuple(load_briefing_config(folder, project).get("languages", ()))
        except PublishError:
            wanted = options.langs  # loading the briefing reports the problem
        planned += [_Planned(folder.name, f.stem, f, folder) for f in _language_files(folder, project, wanted)]
    if options.shard:
        index, count = options.shard
        ordered = sorted(planned, key=lambda p: (p.slug, p.lang, str(p.path)))
        kept = {(p.slug, p.lang, p.path) for n, p in enumerate(ordered) if n % count == index - 1}
        planned = [p for p in planned if (p.slug, p.lang, p.path) in kept]
    return planned


def _language_files(folder: Path, project: Project, wanted: tuple[str, ...]) -> list[Path]:
    """Return a briefing's language files in the project's language order, as `load.load_briefing` takes them."""
    order = project.languages
    files = sorted(folder.glob("*.md"), key=lambda p: (order.index(p.stem) if p.stem in order else len(order), p.stem))
    return [f for f in files if f.stem in wanted] if wanted else files


def _unit(kind: str, slug: str, lang: str) -> str:
    return f"{kind}:{slug}.{lang}"


def _reuse(ctx: _Context, planned: list[_Planned]) -> set[tuple[str, str, str]]:
    """Reuse every planned output the cache has up to date; return the (kind, slug, lang) still to make."""
    kinds = [k for k, f in (("pdf", OutputFormat.PDF), ("page", OutputFormat.HTML)) if f in ctx.options.formats]
    stale = set()
    for item in planned:
        fresh: list[Record] = []
        for kind in kinds:
            record = ctx.manifest.fresh(_unit(kind, item.slug, item.lang), ctx.inputs)
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
            _replay(record, document)
            document = False
    return stale


def _replay(record: Record, document: bool) -> None:
    kept = [w for w in record.warnings if document or w[3:] != ["document"]]
    replay(Record(record.inputs, record.files, kept))


# Prepare


def _prepare(ctx: _Context, planned: list[_Planned], stale: set[tuple[str, str, str]]) -> Iterator[_Prepared]:
    """Load, parse and check the documents that have an output to make, and make their images: one by one."""
    wanted = {(p.slug, p.lang) for p in planned if any((k, p.slug, p.lang) in stale for k in ("pdf", "page"))}
    if not wanted:
        return
    from .images import prepare_images

    files = {p.path.resolve() for p in planned if (p.slug, p.lang) in wanted}
    folders = list(dict.fromkeys(p.folder for p in planned if (p.slug, p.lang) in wanted))
    briefings = []
    for folder in folders:
        try:
            briefing = load_briefing(folder, ctx.project, ctx.options.langs)
        except PublishError as exc:
            _fail(ctx.result, exc)
            continue
        for exc in briefing.errors:
            if exc.location is None or (ctx.project.root / exc.location.path).resolve() in files:
                _fail(ctx.result, exc)
        briefings.append(briefing)

    coverage = None
    for briefing in briefings:
        for source in briefing.sources:
            if (source.slug, source.lang) not in wanted:
                continue
            with capture_warnings() as warnings, reading() as reads:
                try:
                    doc = _parse_source(briefing, source, ctx.layouts)
                    if coverage is None:
                        coverage = _coverage(ctx.project)
                    _check_document(doc, coverage, ctx.project)
                    images = prepare_images(doc, ctx.out_dir / ".cache" / "images", ctx.project.root)
                except PublishError as exc:
                    _fail(ctx.result, exc)
                    for kind in ("pdf", "page"):
                        ctx.manifest.forget(_unit(kind, source.slug, source.lang))
                    continue
            inputs = {ctx.file(source.path), ctx.file(briefing.folder / "briefing.toml"), *ctx.project_reads(reads)}
            yield _Prepared(briefing, doc, images, inputs, [[*w, "document"] for w in warnings])


def _coverage(project: Project) -> Coverage:
    from .check import Coverage

    return Coverage.of_fonts(project.fonts_dir)


# PDFs


def _workers(ctx: _Context, pdfs: int, site: bool) -> Workers:
    """Return the build's worker pool (started when first used): --jobs, else sized to cores, memory and tasks."""
    from .workers import SITE_MODULES, TYPESETTER_MODULES, Workers, default_jobs

    preload = (TYPESETTER_MODULES if pdfs else ()) + (SITE_MODULES if site else ())
    tasks = pdfs + (64 if site else 0)  # a site has dozens of font subsets and cards to make
    return Workers(ctx.options.jobs or default_jobs(tasks), preload)


class _Typesetting:
    """The PDFs of a build: each print page rendered here and handed to the typesetters as it comes."""

    def __init__(self, ctx: _Context, workers: Workers):
        from .workers import TypesetterSettings, Typesetting, job_environment

        project = ctx.project
        settings = TypesetterSettings(
            (project.layouts_dir, project.fonts_dir, project.briefings_dir),
            project.root,
            ctx.options.pdf_variant,
            frozenset(project.allow_hosts),
        )
        self.ctx = ctx
        self.typesetting = Typesetting(settings, workers)
        self.made: dict[str, tuple[_Prepared, set[str], list[list]]] = {}
        """Each job's document, inputs and warnings, by its key."""
        self.environment = job_environment()

    @property
    def made_keys(self) -> list[tuple[str, str]]:
        return [item.key for item, _, _ in self.made.values()]

    def add(self, item: _Prepared) -> None:
        """Render a document's print page and start typesetting it."""
        from .render import render_print_page
        from .workers import TypesetJob

        ctx, doc = self.ctx, item.doc
        key = f"{doc.source.slug}.{doc.source.lang}"
        out_path = ctx.out_dir / "pdf" / f"{key}.pdf"
        with capture_warnings() as warnings, reading() as reads:
            try:
                layouts = ctx.layouts.for_document(item.briefing, doc)
                page = render_print_page(doc, layouts, out_path)
            except PublishError as exc:
                _fail(ctx.result, exc)
                ctx.manifest.forget(_unit("pdf", *item.key))
                return
        inputs = item.inputs | ctx.layout_inputs(layouts) | ctx.project_reads(reads)
        inputs |= {"option:pdf_variant", f"date:{ctx.inputs.name_of(item.briefing.folder)}"}
        self.made[key] = (item, inputs, item.warnings + [[*w, "output"] for w in warnings])
        substitutes = {i.original: i.print_path for i in item.images}
        self.typesetting.submit(key, TypesetJob(page, substitutes, self.environment))

    def finish(self) -> None:
        _finish_typesetting(self.ctx, self.typesetting, self.made)


def _finish_typesetting(ctx: _Context, typesetting: Typesetting, made: dict) -> None:
    """Collect each PDF as its worker finishes it; record it, or its error."""
    fallback_told = False
    try:
        for outcome in typesetting.results():
            item, inputs, warnings = made[outcome.key]
            unit = _unit("pdf", *item.key)
            if outcome.relayed:  # logged in a worker: log it here, for the command line and --strict
                for name, level, message in outcome.warnings:
                    logging.getLogger(name).log(level, "%s", message)
            ctx.result.peak_memory = max(ctx.result.peak_memory, outcome.peak_memory)
            if outcome.text_layer_fallback and not fallback_told:
                _warn_text_layer_fallback(outcome.text_layer_fallback)
                fallback_told = True
            if outcome.error is not None or outcome.path is None:
                _fail(ctx.result, outcome.error or PublishError(f"no PDF for {outcome.key}"))
                ctx.manifest.forget(unit)
                continue
            inputs = inputs | ctx.project_reads(outcome.reads) | {f"stat:{lib}" for lib in outcome.libraries}
            ctx.record(unit, inputs, [outcome.path], warnings + [[*w, "output"] for w in outcome.warnings])
            ctx.deliver(outcome.path, made=True)
            logger.info("built %s", ctx.project.relative(outcome.path))
    finally:
        typesetting.close()


def _warn_text_layer_fallback(version: str) -> None:
    from .pdftext import WEASYPRINT_VERSION

    logger.warning(
        "WeasyPrint %s is installed, but publish's PDF text layer is written for WeasyPrint %s: the PDFs are"
        " built with WeasyPrint's own text layer, so Arabic text copied out of them may come out in the wrong"
        " order or with wrong characters; install weasyprint==%s (`make setup` installs the locked versions)",
        version,
        WEASYPRINT_VERSION,
        WEASYPRINT_VERSION,
    )


# Web site


@dataclass
class _MadePage:
    """A web page written before the PDFs were done, and what it was made from."""

    unit: str
    page: WebPage
    inputs: set[str]
    warnings: list[list]
    prepared: _Prepared | None = None
    """The briefing page's document; None for index pages."""
    links_pdf: bool = False
    """The page links its PDF, expecting it to be made or kept."""


@dataclass
class _SiteWork:
    """The site as far as it was written before the PDFs were done."""

    site: Site
    pages: list[_MadePage] = field(default_factory=list)
    finished: bool = False
    """The shared files were written: the pages may be recorded."""


def _write_site(
    ctx: _Context,
    planned: list[_Planned],
    prepared: list[_Prepared],
    pending_pdfs: set[tuple[str, str]],
    workers: Workers,
) -> _SiteWork | None:
    """Write the briefing pages to make, the index pages, then the files pages share (fonts, cards, sitemap).

    The shared files are written by unsharded builds only; a sharded one writes its pages and their cards.
    """
    site_fresh = ctx.options.shard is not None or ctx.manifest.fresh("site", ctx.inputs) is not None
    index_units = [] if ctx.options.shard else _stale_index_units(ctx)
    if not prepared and not index_units and site_fresh:
        return None
    from . import site as web

    cache = web.font_cache(ctx.out_dir / ".cache" / "fonts")
    site = web.Site(ctx.out_dir / "site", ctx.project.title, ctx.project.base_url, cache)
    catalogue = web.load_catalogue(ctx.project)
    work = _SiteWork(site)
    for item in prepared:
        doc = item.doc
        existing = ctx.out_dir / "pdf" / f"{doc.source.slug}.{doc.source.lang}.pdf"
        # With --format html, link the PDF an earlier build left in the same output folder.
        pdf = existing if item.key in pending_pdfs or existing.is_file() else None
        unit = _unit("page", *item.key)
        with capture_warnings() as warnings, reading() as reads:
            try:
                layouts = ctx.layouts.for_document(item.briefing, doc)
                page = web.render_briefing_page(doc, layouts, site, catalogue, pdf)
                web.write_page(page)
                _copy_web_images(item, site.root)
            except PublishError as exc:
                _fail(ctx.result, exc)
                ctx.manifest.forget(unit)
                continue
        inputs = item.inputs | ctx.layout_inputs(layouts) | ctx.project_reads(reads)
        inputs |= {"catalogue:languages", f"catalogue:of/{doc.source.slug}"}
        warnings = item.warnings + [[*w, "output"] for w in warnings]
        work.pages.append(_MadePage(unit, page, inputs, warnings, item, pdf is not None))
    layouts = ctx.layouts.default()
    for unit in index_units:
        with capture_warnings() as warnings:
            try:
                page = _render_index_page(unit, catalogue, layouts, site)
                web.write_page(page)
            except PublishError as exc:
                _fail(ctx.result, exc)
                ctx.manifest.forget(unit)
                continue
        inputs = ctx.layout_inputs(layouts) | {"catalogue:languages"}
        if unit.startswith("list:"):
            inputs.add(f"catalogue:list/{unit.removeprefix('list:')}")
        work.pages.append(_MadePage(unit, page, inputs, [[*w, "output"] for w in warnings]))
    # When the shared files are made again, they are made for every brand the site's pages use,
    # not only the brands of the pages made now.
    brands = {made.page.layouts.brand for made in work.pages}
    if not site_fresh:
        brands |= {r.extra["brand"] for r in ctx.manifest.records.values() if "brand" in r.extra}
    try:
        web.finish_site(
            [made.page for made in work.pages],
            catalogue,
            site,
            brands=_brand_layouts(ctx.layouts, brands),
            mapper=workers.map,
        )
        work.finished = True
    except PublishError as exc:
        _fail(ctx.result, exc)
    logger.info("built site in %s", ctx.project.relative(site.root))
    return work


def _brand_layouts(layouts: _Layouts, brands: set[str]) -> list[Layouts]:
    found = []
    for brand in sorted(brands):
        try:
            found.append(layouts.for_brand(brand))
        except PublishError:
            continue  # a brand an earlier build used that is gone: its pages are made again anyway
    return found


def _index_units(ctx: _Context) -> list[str]:
    return [f"list:{lang}" for lang in ctx.catalogue.languages(ctx.inputs)] + ["home", "404"]


def _stale_index_units(ctx: _Context) -> list[str]:
    """Return the index pages to make again; reuse the others."""
    stale = []
    for unit in _index_units(ctx):
        record = ctx.manifest.fresh(unit, ctx.inputs)
        if record is None:
            stale.append(unit)
        else:
            ctx.deliver(ctx.out_dir / next(iter(record.files)), made=False)
            replay(record)
    return stale


def _render_index_page(unit: str, catalogue: Catalogue, layouts: Layouts, site: Site) -> WebPage:
    from . import site as web

    if unit.startswith("list:"):
        return web.render_list_page(unit.removeprefix("list:"), catalogue, layouts, site)
    if unit == "home":
        return web.render_home_page(catalogue, layouts, site)
    return web.render_not_found_page(catalogue, layouts, site)


def _copy_web_images(item: _Prepared, site_dir: Path) -> list[Path]:
    """Put each web rendition where the page's relative src expects it."""
    from .output import copy_file

    page_dir = site_dir / item.doc.source.lang / item.doc.source.slug
    copied = []
    for image in item.images:
        target = (page_dir / image.src).resolve()
        if target.is_relative_to(page_dir.resolve()):
            copy_file(image.web_path, target)
            copied.append(target)
    return copied


def _finish_site(ctx: _Context, work: _SiteWork) -> None:
    """Once the PDFs are done: put each briefing's PDF beside its page; record the pages and shared files."""
    from . import site as web

    for made in work.pages:
        page, files = made.page, [made.page.rendered.out_path]
        if made.prepared is not None:
            doc = made.prepared.doc
            pdf = ctx.out_dir / "pdf" / f"{doc.source.slug}.{doc.source.lang}.pdf"
            if pdf.is_file():
                web.copy_pdf(pdf, doc, work.site)
                files.append(work.site.root / doc.source.lang / doc.source.slug / pdf.name)
            elif made.links_pdf:  # its PDF failed, and none was left from before: do not link it
                catalogue = web.load_catalogue(ctx.project)
                page = web.render_briefing_page(doc, page.layouts, work.site, catalogue, None)
                web.write_page(page)
            files += _copy_web_images(made.prepared, work.site.root)
            made.inputs.add(f"output:pdf/{pdf.name}")
        if page.card is not None:
            files.append(work.site.root / page.card.path)
        ctx.deliver(page.rendered.out_path, made=True)
        if work.finished:
            ctx.record(made.unit, made.inputs, files, made.warnings, brand=page.layouts.brand)
    if work.finished and not ctx.options.shard:
        shared = [work.site.root / "sitemap.xml"]
        assets = work.site.root / web.ASSETS
        shared += sorted(p for p in assets.rglob("*") if p.is_file()) if assets.is_dir() else []
        ctx.record("site", ["tree:layouts", "catalogue:all", "catalogue:languages"], shared, [])


# The stages, one document at a time (the build) or for a list of them (lint)


def _load(project: Project, paths: list[Path] | None, langs: tuple[str, ...], result: BuildResult) -> list[Briefing]:
    briefings = []
    for folder in discover(project, paths):
        try:
            briefing = load_briefing(folder, project, langs)
        except PublishError as exc:
            _fail(result, exc)
            continue
        for exc in briefing.errors:
            _fail(result, exc)
        briefings.append(briefing)
    return briefings


def _parse(briefings: list[Briefing], layouts: _Layouts, result: BuildResult) -> list[tuple[Briefing, Document]]:
    documents = []
    for briefing in briefings:
        for source in briefing.sources:
            try:
                documents.append((briefing, _parse_source(briefing, source, layouts)))
            except PublishError as exc:
                _fail(result, exc)
    return documents


def _parse_source(briefing: Briefing, source: Source, layouts: _Layouts) -> Document:
    """Parse one language file with its brand's digits and strings; errors name the file's line."""
    from .parse import parse

    try:
        # The brand decides the digits and words of what parsing generates (notes, counts).
        brand = layouts.for_source(briefing, source)
        digits = brand.settings.digits_for(source.lang)
        return parse(source, layouts.parser(), digits, brand.strings(source.lang))
    except PublishError as exc:
        if exc.location is not None:  # the parser knows files by absolute path
            exc.location = SourceLocation(layouts.project.relative(exc.location.path), exc.location.line)
        else:  # a brand problem: point at where this file (or its briefing) chose the brand
            exc.location = _brand_location(briefing, source, layouts.project)
        raise


def _brand_location(briefing: Briefing, source: Source, project: Project) -> SourceLocation:
    """Return the line that chose a language file's brand: its front matter, else briefing.toml."""
    candidates = [source.path] if source.meta.brand else [briefing.folder / "briefing.toml"]
    for path in candidates:
        if path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
                if line.split(":")[0].split("=")[0].strip() == "brand":
                    return SourceLocation(project.relative(path), number)
    return SourceLocation(project.relative(source.path))


def _check(
    documents: list[tuple[Briefing, Document]], project: Project, result: BuildResult
) -> list[tuple[Briefing, Document]]:
    """Drop documents a reader would see broken (wrong script, characters no font can draw)."""
    if not documents:
        return documents
    coverage = _coverage(project)
    kept = []
    for briefing, doc in documents:
        try:
            _check_document(doc, coverage, project)
        except PublishError as exc:
            _fail(result, exc)
            continue
        kept.append((briefing, doc))
    return kept


def _check_document(doc: Document, coverage: Coverage, project: Project) -> None:
    from .check import check_document

    check_document(doc, coverage, project.relative(doc.source.path))


class _Layouts:
    """Layouts by brand, and the Markdown parser, each made once per build."""

    def __init__(self, project: Project):
        self.project = project
        self._loaded: dict[str, Layouts] = {}
        self._parser = None

    def parser(self):
        """Return the project's Markdown parser."""
        if self._parser is None:
            from .parse import make_parser

            self._parser = make_parser(self.project.allow_html)
        return self._parser

    def for_document(self, briefing: Briefing, doc: Document) -> Layouts:
        """Return the layouts of the brand a document asks for (front matter, briefing, project)."""
        return self.for_source(briefing, doc.source)

    def for_source(self, briefing: Briefing, source: Source) -> Layouts:
        """Return the layouts of the brand a language file asks for."""
        return self.for_brand(source.meta.brand or briefing.brand or self.project.default_brand)

    def default(self) -> Layouts:
        return self.for_brand(self.project.default_brand)

    def for_brand(self, brand: str) -> Layouts:
        if brand not in self._loaded:
            from .render import load_layouts

            self._loaded[brand] = load_layouts(self.project, brand)
        return self._loaded[brand]


class _Dates:
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


def _fail(result: BuildResult, exc: PublishError) -> None:
    result.errors.append(exc)
    logger.error("%s", exc)
