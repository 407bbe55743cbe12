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

from .config import Project, load_project
from .errors import PublishError
from .images import PreparedImage, prepare_images
from .load import Briefing, discover, load_briefing
from .model import Document, OutputFormat, Source
from .output import copy_file
from .parse import make_parser, parse
from .render import Layouts, load_layouts, render_print_page

if TYPE_CHECKING:
    from .site import Site

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
) -> BuildResult:
    """Build the given briefing folders (all when none) into PDFs and web pages."""
    result = BuildResult()
    project = load_project(Path(project_root) if project_root else None)
    out_dir = Path(out).resolve() if out else project.root / "build"
    formats = frozenset(formats)
    langs = tuple(langs)

    briefings = _load(project, [Path(p) for p in paths] if paths else None, langs, result)
    layouts = _Layouts(project)
    documents = _parse(briefings, layouts, result)

    documents, images = _prepare_images(documents, project, out_dir / ".cache" / "images", result)

    pdfs: dict[tuple[str, str], Path] = {}
    if OutputFormat.PDF in formats and documents:
        pdfs = _typeset(documents, layouts, project, out_dir / "pdf", pdf_variant, images, result)
    if OutputFormat.HTML in formats:
        _write_site(project, documents, layouts, out_dir, pdfs, result)
        _copy_web_images(documents, images, out_dir / "site")
    return result


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
    md = make_parser()
    documents = []
    for briefing in briefings:
        for source in briefing.sources:
            try:
                # The brand decides the digits of generated numbers, which parsing writes.
                digits = layouts.for_source(briefing, source).settings.digits_for(source.lang)
                documents.append((briefing, parse(source, md, digits)))
            except PublishError as exc:
                _fail(result, exc)
    return documents


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
        typesetter = Typesetter(roots, project.root, pdf_variant)
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
    from . import site as web

    site_dir = out_dir / "site"
    site = web.Site(site_dir, project.title)
    used: dict[str, Layouts] = {}
    for briefing, doc in documents:
        siblings = [s.lang for s in briefing.sources]
        key = (doc.source.slug, doc.source.lang)
        # With --format html, link the PDF an earlier build left in the same output folder.
        existing_pdf = out_dir / "pdf" / f"{key[0]}.{key[1]}.pdf"
        pdf = pdfs.get(key) or (existing_pdf if existing_pdf.is_file() else None)
        try:
            brand_layouts = layouts.for_document(briefing, doc)
            used[brand_layouts.brand] = brand_layouts
            page = web.render_briefing_page(doc, brand_layouts, site, siblings, pdf is not None)
            result.outputs.append(web.write_page(page))
            if pdf is not None:
                web.copy_pdf(pdf, doc, site)
        except PublishError as exc:
            _fail(result, exc)
    try:
        _write_index_pages(project, layouts.default(), site, result)
        used.setdefault(project.default_brand, layouts.default())
        for brand_layouts in used.values():
            web.copy_assets(brand_layouts, site)
    except PublishError as exc:
        _fail(result, exc)
    logger.info("built site in %s", project.relative(site_dir))


def _write_index_pages(project: Project, layouts: Layouts, site: Site, result: BuildResult) -> None:
    """Write the entry page and one list page per language, listing every briefing of the project."""
    from . import site as web

    by_lang: dict[str, list[Source]] = {}
    for folder in discover(project, None):
        briefing = load_briefing(folder, project)
        for source in briefing.sources:
            by_lang.setdefault(source.lang, []).append(source)
    langs = [lang for lang in project.languages if lang in by_lang] + sorted(set(by_lang) - set(project.languages))
    for lang in langs:
        result.outputs.append(web.write_page(web.render_list_page(lang, by_lang[lang], langs, layouts, site)))
    result.outputs.append(web.write_page(web.render_home_page(langs, layouts, site)))


def _fail(result: BuildResult, exc: PublishError) -> None:
    result.errors.append(exc)
    logger.error("%s", exc)
