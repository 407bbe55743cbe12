"""Build: orchestration only. Which briefings and languages, in which order, and what failed.

    discover → load → parse → render → typeset (PDF) and site (web pages)

Every output is written atomically; an error in one language file or briefing is recorded with
its location and the build goes on with the others. The result says what was built and what
failed; the caller (the CLI, CI, a test) decides what to do about it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .check import Coverage, check_document, compare_translations
from .config import Project, load_project
from .errors import PublishError
from .images import PreparedImage, locate_images, prepare_images
from .load import Briefing, discover, load_briefing
from .model import Document, OutputFormat, Source, SourceLocation
from .output import copy_file
from .parse import make_parser, parse
from .render import Layouts, load_layouts, render_print_page

if TYPE_CHECKING:
    from .site import Catalogue, Site, WebPage

logger = logging.getLogger(__name__)

DEFAULT_PDF_VARIANT = "pdf/ua-1"
"""Tagged PDF for assistive technology: it works for all three shipped languages."""


@dataclass
class BuildResult:
    """What a build produced and what went wrong."""

    outputs: list[Path] = field(default_factory=list)
    """Files written (PDFs and web pages), in the order they were made."""
    errors: list[PublishError] = field(default_factory=list)
    """Problems that stopped an output from being made, each with its location."""
    warnings: list[str] = field(default_factory=list)
    """Warnings logged during the build (each with its location); failures under strict."""

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
) -> BuildResult:
    """Build the given briefing folders (all when none) into PDFs and web pages.

    With `strict`, any warning (a missing alt text, a WeasyPrint complaint…) fails the build.
    """
    result = BuildResult()
    counter = _WarningCollector(result.warnings)
    package_logger = logging.getLogger("publish")
    package_logger.addHandler(counter)
    try:
        _build(result, paths, langs, formats, out, project_root, pdf_variant)
    finally:
        package_logger.removeHandler(counter)
    if strict and result.warnings:
        result.errors.append(
            PublishError(f"{len(result.warnings)} warning(s), and warnings are errors here (--strict)")
        )
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
    result = BuildResult()
    counter = _WarningCollector(result.warnings)
    package_logger = logging.getLogger("publish")
    package_logger.addHandler(counter)
    try:
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
    finally:
        package_logger.removeHandler(counter)
    if strict and result.warnings:
        result.errors.append(
            PublishError(f"{len(result.warnings)} warning(s), and warnings are errors here (--strict)")
        )
    return result


class _WarningCollector(logging.Handler):
    """Keeps the text of every warning publish logs during one build."""

    def __init__(self, into: list[str]):
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING:
            self.into.append(record.getMessage())


def _build(
    result: BuildResult,
    paths: Iterable[Path | str] | None,
    langs: Iterable[str],
    formats: Iterable[OutputFormat],
    out: Path | str | None,
    project_root: Path | str | None,
    pdf_variant: str | None,
) -> None:
    project = load_project(Path(project_root) if project_root else None)
    out_dir = Path(out).resolve() if out else project.root / "build"
    formats = frozenset(formats)
    langs = tuple(langs)

    briefings = _load(project, [Path(p) for p in paths] if paths else None, langs, result)
    layouts = _Layouts(project)
    documents = _parse(briefings, layouts, result)
    documents = _check(documents, project, result)
    documents, images = _prepare_images(documents, project, out_dir / ".cache" / "images", result)

    pdfs: dict[tuple[str, str], Path] = {}
    if OutputFormat.PDF in formats and documents:
        pdfs = _typeset(documents, layouts, project, out_dir / "pdf", pdf_variant, images, result)
    if OutputFormat.HTML in formats:
        _write_site(project, documents, layouts, out_dir, pdfs, result)
        _copy_web_images(documents, images, out_dir / "site")


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
    md = make_parser(layouts.project.allow_html)
    documents = []
    for briefing in briefings:
        for source in briefing.sources:
            try:
                # The brand decides the digits and words of what parsing generates (notes, counts).
                brand = layouts.for_source(briefing, source)
                digits = brand.settings.digits_for(source.lang)
                documents.append((briefing, parse(source, md, digits, brand.strings(source.lang))))
            except PublishError as exc:
                if exc.location is not None:  # the parser knows files by absolute path
                    exc.location = SourceLocation(layouts.project.relative(exc.location.path), exc.location.line)
                else:  # a brand problem: point at where this file (or its briefing) chose the brand
                    exc.location = _brand_location(briefing, source, layouts.project)
                _fail(result, exc)
    return documents


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
    coverage = Coverage.of_fonts(project.fonts_dir)
    kept = []
    for briefing, doc in documents:
        try:
            check_document(doc, coverage, project.relative(doc.source.path))
        except PublishError as exc:
            _fail(result, exc)
            continue
        kept.append((briefing, doc))
    return kept


def _prepare_images(
    documents: list[tuple[Briefing, Document]], project: Project, cache: Path, result: BuildResult
) -> tuple[list[tuple[Briefing, Document]], dict[tuple[str, str], list[PreparedImage]]]:
    """Check every document's images and make their renditions; drop documents whose images fail."""
    kept, images = [], {}
    for briefing, doc in documents:
        try:
            images[(doc.source.slug, doc.source.lang)] = prepare_images(doc, cache, project.root)
        except PublishError as exc:
            _fail(result, exc)
            continue
        kept.append((briefing, doc))
    return kept, images


def _copy_web_images(
    documents: list[tuple[Briefing, Document]], images: dict[tuple[str, str], list[PreparedImage]], site_dir: Path
) -> None:
    """Put each web rendition where the page's relative src expects it."""
    for _, doc in documents:
        page_dir = site_dir / doc.source.lang / doc.source.slug
        for image in images[(doc.source.slug, doc.source.lang)]:
            target = (page_dir / image.src).resolve()
            if target.is_relative_to(page_dir.resolve()):
                copy_file(image.web_path, target)


class _Layouts:
    """Layouts by brand, loaded once per build."""

    def __init__(self, project: Project):
        self.project = project
        self._loaded: dict[str, Layouts] = {}

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
            self._loaded[brand] = load_layouts(self.project, brand)
        return self._loaded[brand]


def _typeset(
    documents: list[tuple[Briefing, Document]],
    layouts: _Layouts,
    project: Project,
    pdf_dir: Path,
    pdf_variant: str | None,
    images: dict[tuple[str, str], list[PreparedImage]],
    result: BuildResult,
) -> dict[tuple[str, str], Path]:
    from .typeset import Typesetter

    made: dict[tuple[str, str], Path] = {}
    try:
        roots = [project.layouts_dir, project.fonts_dir, project.briefings_dir]
        typesetter = Typesetter(roots, project.root, pdf_variant, frozenset(project.allow_hosts))
    except PublishError as exc:
        _fail(result, exc)
        return made
    for briefing, doc in documents:
        out_path = pdf_dir / f"{doc.source.slug}.{doc.source.lang}.pdf"
        try:
            page = render_print_page(doc, layouts.for_document(briefing, doc), out_path)
            key = (doc.source.slug, doc.source.lang)
            made[key] = typesetter.typeset(page, {i.original: i.print_path for i in images[key]})
        except PublishError as exc:
            _fail(result, exc)
            continue
        result.outputs.append(out_path)
        logger.info("built %s", project.relative(out_path))
    return made


def _write_site(
    project: Project,
    documents: list[tuple[Briefing, Document]],
    layouts: _Layouts,
    out_dir: Path,
    pdfs: dict[tuple[str, str], Path],
    result: BuildResult,
) -> None:
    """Write the web site: a page per document, the index and 404 pages, then fonts, cards and sitemap."""
    from . import site as web

    cache = web.font_cache(out_dir / ".cache" / "fonts")
    site = web.Site(out_dir / "site", project.title, project.base_url, cache=cache)
    # Every briefing of the project, not only those built now: navigation and fonts cover them all.
    catalogue = web.load_catalogue(project)
    pages: list[web.WebPage] = []
    for briefing, doc in documents:
        key = (doc.source.slug, doc.source.lang)
        # With --format html, link the PDF an earlier build left in the same output folder.
        existing_pdf = out_dir / "pdf" / f"{key[0]}.{key[1]}.pdf"
        pdf = pdfs.get(key) or (existing_pdf if existing_pdf.is_file() else None)
        try:
            page = web.render_briefing_page(doc, layouts.for_document(briefing, doc), site, catalogue, pdf)
            result.outputs.append(web.write_page(page))
            if pdf is not None:
                web.copy_pdf(pdf, doc, site)
        except PublishError as exc:
            _fail(result, exc)
            continue
        pages.append(page)
    try:
        pages += _write_index_pages(layouts.default(), site, catalogue, result)
        web.finish_site(pages, catalogue, site)
    except PublishError as exc:
        _fail(result, exc)
    logger.info("built site in %s", project.relative(site.root))


def _write_index_pages(layouts: Layouts, site: Site, catalogue: Catalogue, result: BuildResult) -> list[WebPage]:
    """Write the entry page, one list page per language and the 404 page, for every briefing of the project."""
    from . import site as web

    pages = [web.render_list_page(lang, catalogue, layouts, site) for lang in catalogue.languages]
    pages += [web.render_home_page(catalogue, layouts, site), web.render_not_found_page(catalogue, layouts, site)]
    for page in pages:
        result.outputs.append(web.write_page(page))
    return pages


def _fail(result: BuildResult, exc: PublishError) -> None:
    result.errors.append(exc)
    logger.error("%s", exc)
