"""Build: the public `build()` (and `lint()`, which checks as a build would), and the orchestration
of a build's stages, each in a module of its own:

    plan      which outputs, from the folders alone, nothing parsed              plan.py
    reuse     every output the cache has up to date: a build with nothing         freshness.py
              changed stops here, without importing the parser, the templates
              or WeasyPrint
    prepare   load → parse → check → images, for the documents with an output    prepare.py
              to make
    make      render → typeset the PDFs in worker processes, and meanwhile        pdf_stage.py
              write the web pages and the site's shared files                     web_stage.py
    record    what each output was made from, for the next build                 freshness.py

Every output is written atomically; an error in one language file or briefing is recorded with
its location and the build goes on with the others. The result says what was made, what was
reused and what failed; the caller (the CLI, CI, a test) decides what to do about it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import Manifest, reading
from .config import load_project, output_folder
from .errors import PublishError
from .freshness import Context, reuse
from .logcapture import capture_warnings
from .model import DEFAULT_PDF_VARIANT, OutputFormat
from .plan import Options, Planned, plan, unit
from .prepare import Brands, Prepared, load_briefings, prepare_document, prepare_documents, prepare_images
from .progress import Output, ProgressCallback
from .progress import Planned as PlannedOutputs
from .result import BuildResult, collecting_warnings

if TYPE_CHECKING:
    from .workers import Workers

__all__ = ["DEFAULT_PDF_VARIANT", "BuildResult", "build", "lint"]

logger = logging.getLogger(__name__)


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
    workers: Workers | None = None,
) -> BuildResult:
    """Build the given briefing folders (all when none) into PDFs and web pages.

    With `strict`, any warning (a missing alt text, a WeasyPrint complaint…) fails the build.
    Outputs whose inputs have not changed since they were made are reused, unless `force`.
    `jobs` PDFs are typeset at once (default: one per core, as memory allows; 1: in this process).
    `shard=(i, n)` builds the i-th of n slices of the PDFs and briefing pages (1-based), for a
    build split across machines; an unsharded build in the merged folder then adds the site's
    shared files (lists, fonts, sitemap), reusing everything the shards made.
    `progress` is told which outputs are planned, then each one as it is made or reused.
    `workers`: a pool the caller keeps across builds (`Workers(persistent=True)`, see warm.py),
    instead of one started for this build; `jobs` is then ignored.
    """
    result = BuildResult()
    with collecting_warnings(result, strict):
        options = Options(frozenset(formats), tuple(langs), pdf_variant, force, jobs, shard)
        project = load_project(Path(project_root) if project_root else None)
        out_dir = output_folder(project, out, "build")
        manifest = Manifest.load(out_dir, ignore=options.force)
        web = (out_dir / ".cache" / "images", options.force)  # a WebCache once an image is parsed
        ctx = Context(project, out_dir, options, manifest, result, Brands(project, web), progress)
        _build(ctx, [Path(p) for p in paths] if paths else None, workers)
    return result


def _build(ctx: Context, paths: list[Path] | None, kept: Workers | None = None) -> None:
    from .pdf_stage import PdfStage, start_workers
    from .web_stage import finish_site, index_search, write_site

    planned = plan(ctx.project, paths, ctx.options)
    if ctx.progress is not None:
        formats = [f for f in (OutputFormat.PDF, OutputFormat.HTML) if f in ctx.options.formats]
        ctx.progress(PlannedOutputs(tuple(Output(p.slug, p.lang, f) for p in planned for f in formats)))
    stale = reuse(ctx, planned)

    pdfs = sum(kind == "pdf" for kind, _, _ in stale) if OutputFormat.PDF in ctx.options.formats else 0
    make_site = OutputFormat.HTML in ctx.options.formats
    # One pool for the build's CPU-bound work: the PDFs, each handed over as soon as its document
    # is parsed, then the site's font subsets and cards, queued behind them while this process
    # writes the pages. It starts now, so the workers load WeasyPrint while documents are parsed.
    workers = kept or start_workers(ctx, pdfs, make_site)
    try:
        if pdfs:
            workers.start()
        typesetting = PdfStage(ctx, workers) if pdfs else None
        prepared = []
        for item in _prepare(ctx, planned, stale):
            prepared.append(item)
            if typesetting is not None and ("pdf", *item.key) in stale:
                typesetting.add(item)
        site = None
        if make_site:
            pages = [p for p in prepared if ("page", *p.key) in stale]
            pending_pdfs = set(typesetting.made_keys) if typesetting else set()
            site = write_site(ctx, pages, pending_pdfs, workers)
        if typesetting is not None:
            typesetting.finish()
        if site is not None:
            finish_site(ctx, site)
        if make_site:
            index_search(ctx)
    finally:
        workers.close()
    if paths is None and not ctx.options.langs and ctx.options.shard is None:
        _prune(ctx, planned)
    if planned or ctx.manifest.records:
        everything = paths is None and not ctx.options.langs and ctx.options.shard is None
        ctx.manifest.memo["digests"] = ctx.inputs.digests.remembered(everything)
        ctx.manifest.save(ctx.options.shard)


def _prune(ctx: Context, planned: list[Planned]) -> None:
    """Delete what earlier builds wrote for language files that are gone (a briefing deleted or renamed).

    Only after a build of everything (no folders, languages or shard named), only outputs of the
    formats built, and only files the manifest says publish wrote: nothing else is ever touched.
    """
    kinds = {kind for kind, f in (("pdf", OutputFormat.PDF), ("page", OutputFormat.HTML)) if f in ctx.options.formats}
    wanted = {unit(kind, p.slug, p.lang) for p in planned for kind in kinds}
    root = ctx.out_dir.resolve()
    for name, files in ctx.manifest.files_written().items():
        if name.partition(":")[0] not in kinds or name in wanted:
            continue
        for relative in files:
            path = (ctx.out_dir / relative).resolve()
            if path.is_relative_to(root) and path.is_file():
                path.unlink()
                logger.info("removed %s: its source is gone", ctx.project.relative(path))
                for folder in path.parents:  # the page's folder, once empty
                    if folder == root or not folder.is_relative_to(root) or any(folder.iterdir()):
                        break
                    folder.rmdir()
        ctx.manifest.forget(name)


def _prepare(ctx: Context, planned: list[Planned], stale: set[tuple[str, str, str]]) -> Iterator[Prepared]:
    """Prepare the documents that have an output to make, one by one, with what each read and warned."""
    wanted = {(p.slug, p.lang) for p in planned if any((k, p.slug, p.lang) in stale for k in ("pdf", "page"))}
    if not wanted:
        return
    files = {p.path.resolve() for p in planned if (p.slug, p.lang) in wanted}
    folders = list(dict.fromkeys(p.folder for p in planned if (p.slug, p.lang) in wanted))
    for briefing in load_briefings(ctx.project, ctx.result, folders, ctx.options.langs, only=files):
        for source in briefing.sources:
            if (source.slug, source.lang) not in wanted:
                continue
            with capture_warnings() as warnings, reading() as reads:
                try:
                    doc = prepare_document(briefing, source, ctx.brands)
                    layouts = ctx.brands.for_source(briefing, source)
                    images = prepare_images(doc, ctx.project, ctx.out_dir, layouts, ctx.options.force, ctx.brands.web)
                except PublishError as exc:
                    ctx.failed(exc, *(unit(kind, source.slug, source.lang) for kind in ("pdf", "page")))
                    continue
            inputs = {ctx.file(source.path), ctx.file(briefing.folder / "briefing.toml"), *ctx.project_reads(reads)}
            yield Prepared(briefing, doc, images, inputs, [[*w, "document"] for w in warnings])


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
    with collecting_warnings(result, strict):
        project = load_project(Path(project_root) if project_root else None)
        briefings = load_briefings(project, result, [Path(p) for p in paths] if paths else None, tuple(langs))
        checked = list(prepare_documents(briefings, Brands(project), result))
        for _, doc in checked:
            try:
                locate_images(doc, project.root)
            except PublishError as exc:
                result.fail(exc)
        for briefing in briefings:
            for warning in compare_translations([d for b, d in checked if b is briefing], project.root):
                logger.warning("%s", warning)
    return result
