"""The PDF stage of a build: each prepared document rendered to its print page here, then typeset
into a PDF by the worker pool (`workers.py`), collected and recorded as each worker finishes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .cache import reading
from .errors import PublishError
from .freshness import Context
from .logcapture import capture_warnings
from .plan import unit
from .prepare import Prepared

if TYPE_CHECKING:
    from .workers import Workers

logger = logging.getLogger("publish.build")


def start_workers(ctx: Context, pdfs: int, site: bool) -> Workers:
    """Return the build's worker pool (started when first used): --jobs, else sized to cores, memory and tasks."""
    from .workers import SITE_MODULES, TYPESETTER_MODULES, Workers, default_jobs

    preload = (TYPESETTER_MODULES if pdfs else ()) + (SITE_MODULES if site else ())
    tasks = pdfs + (64 if site else 0)  # a site has dozens of font subsets and cards to make
    return Workers(ctx.options.jobs or default_jobs(tasks), preload)


class PdfStage:
    """The PDFs of a build: each print page rendered here and handed to the typesetters as it comes."""

    def __init__(self, ctx: Context, workers: Workers):
        from .workers import TypesetterSettings, Typesetting, job_environment

        project = ctx.project
        settings = TypesetterSettings(
            (project.layouts_dir, project.fonts_dir, project.briefings_dir),
            project.root,
            ctx.options.pdf_variant,
            frozenset(project.allow_hosts),
            project.pdf_time_limit,
        )
        self.ctx = ctx
        self.typesetting = Typesetting(settings, workers)
        self.made: dict[str, tuple[Prepared, set[str], list[list]]] = {}
        """Each job's document, inputs and warnings, by its key."""
        self.environment = job_environment()

    @property
    def made_keys(self) -> list[tuple[str, str]]:
        return [item.key for item, _, _ in self.made.values()]

    def add(self, item: Prepared) -> None:
        """Render a document's print page and start typesetting it."""
        from .render import render_print_page
        from .workers import TypesetJob

        ctx, doc = self.ctx, item.doc
        key = f"{doc.source.slug}.{doc.source.lang}"
        out_path = ctx.out_dir / "pdf" / f"{key}.pdf"
        with capture_warnings() as warnings, reading() as reads:
            try:
                layouts = ctx.brands.for_source(item.briefing, doc.source)
                page = render_print_page(doc, layouts, out_path)
            except PublishError as exc:
                ctx.failed(exc, unit("pdf", *item.key))
                return
        inputs = item.inputs | ctx.layout_inputs(layouts) | ctx.project_reads(reads)
        inputs |= {"option:pdf_variant", f"date:{ctx.inputs.name_of(item.briefing.folder)}"}
        self.made[key] = (item, inputs, item.warnings + [[*w, "output"] for w in warnings])
        substitutes = {i.original: i.print_path for i in item.images}
        self.typesetting.submit(key, TypesetJob(page, substitutes, self.environment))

    def finish(self) -> None:
        """Collect each PDF as its worker finishes it; record it, or its error."""
        ctx, fallback_told = self.ctx, False
        try:
            for outcome in self.typesetting.results():
                item, inputs, warnings = self.made[outcome.key]
                name = unit("pdf", *item.key)
                if outcome.relayed:  # logged in a worker: log it here, for the command line and --strict
                    for logger_name, level, message in outcome.warnings:
                        logging.getLogger(logger_name).log(level, "%s", message)
                ctx.result.peak_memory = max(ctx.result.peak_memory, outcome.peak_memory)
                if outcome.text_layer_fallback and not fallback_told:
                    warn_text_layer_fallback(outcome.text_layer_fallback)
                    fallback_told = True
                if outcome.error is not None or outcome.path is None:
                    ctx.failed(outcome.error or PublishError(f"no PDF for {outcome.key}"), name)
                    continue
                inputs = inputs | ctx.project_reads(outcome.reads) | {f"stat:{lib}" for lib in outcome.libraries}
                ctx.record(name, inputs, [outcome.path], warnings + [[*w, "output"] for w in outcome.warnings])
                ctx.deliver(outcome.path, made=True)
                logger.info("built %s", ctx.project.relative(outcome.path))
        finally:
            self.typesetting.close()


def warn_text_layer_fallback(reason: str) -> None:
    """Say once per build that PDFs get WeasyPrint's own text layer, and why (see `typeset.Typesetter`)."""
    logger.warning(
        "%s; until then the PDFs are built with WeasyPrint's own text layer, so Arabic text copied out of them"
        " may come out in the wrong order or with wrong characters (`make setup` installs the locked versions)",
        reason,
    )
