"""Prepare: load → parse → check, the one path from a briefing folder to checked `Document`s.

The build, `publish check`, `publish pair` and `publish serve` (through the build) all prepare
documents here, so a file that one of them accepts, the others accept too:

    load     briefing.toml and each language file's front matter (`load.py`)
    parse    the Markdown, with the brand's digits and strings (`parse.py`)
    check    what a reader would see broken: wrong script, characters no font draws (`check.py`)

An error names the file and line and stops only that document; the caller records it in its
`BuildResult` and goes on with the others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Project, key_line
from .errors import PublishError
from .load import Briefing, discover, key_lines, load_briefing, split_front_matter
from .model import Document, Source, SourceLocation
from .result import BuildResult

if TYPE_CHECKING:
    from .check import Coverage
    from .images import ImageInfo, PreparedImage, WebCache
    from .render import Layouts


logger = logging.getLogger(__name__)


class Brands:
    """Each brand's layouts, and the Markdown parser, made once per build and only when needed."""

    def __init__(self, project: Project, web: WebCache | tuple[Path, bool] | None = None):
        self.project = project
        # Where parsing makes (or finds) each image's web copies, so the markup names them (the
        # build's): a WebCache, or its folder and --force, for one made when first needed.
        self._web = web
        self._loaded: dict[str, Layouts] = {}
        self._parser = None
        self._coverage: Coverage | None = None

    @property
    def web(self) -> WebCache | None:
        if isinstance(self._web, tuple):
            from .images import WebCache

            self._web = WebCache(*self._web)
        return self._web

    def parser(self):
        """Return the project's Markdown parser."""
        if self._parser is None:
            from .parse import make_parser

            self._parser = make_parser(self.project.allow_html, self.project.allow_hosts)
        return self._parser

    def coverage(self) -> Coverage:
        """Return the characters the project's fonts can draw."""
        if self._coverage is None:
            from .check import Coverage

            self._coverage = Coverage.of_fonts(self.project.fonts_dir)
        return self._coverage

    def for_source(self, briefing: Briefing, source: Source) -> Layouts:
        """Return the layouts of the brand a language file asks for (front matter, briefing, project)."""
        return self.for_brand(source.meta.brand or briefing.brand or self.project.default_brand)

    def default(self) -> Layouts:
        return self.for_brand(self.project.default_brand)

    def for_brand(self, brand: str) -> Layouts:
        if brand not in self._loaded:
            from .check import brand_contrast
            from .render import load_layouts

            layouts = load_layouts(self.project, brand)
            # Said once per build, with the first document of the brand (and again when it is reused).
            for warning in brand_contrast(layouts.dirs, layouts.settings.colors, self.project.root):
                logger.warning("%s", warning)
            self._loaded[brand] = layouts
        return self._loaded[brand]

    def existing(self, brands: Iterable[str]) -> list[Layouts]:
        """Return the layouts of the brands that still load, by name; skip any that is gone."""
        found = []
        for brand in sorted(brands):
            try:
                found.append(self.for_brand(brand))
            except PublishError:
                continue
        return found


@dataclass
class Prepared:
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


def load_briefings(
    project: Project,
    result: BuildResult,
    paths: list[Path] | None = None,
    langs: tuple[str, ...] = (),
    only: set[Path] | None = None,
) -> list[Briefing]:
    """Load the briefing folders (all when `paths` is None), recording each error in `result`.

    With `only` (resolved language files), errors of the other language files are left unsaid.
    """
    briefings = []
    for folder in discover(project, paths):
        try:
            briefing = load_briefing(folder, project, langs)
        except PublishError as exc:
            result.fail(exc)
            continue
        for exc in briefing.errors:
            if only is None or exc.location is None or (project.root / exc.location.path).resolve() in only:
                result.fail(exc)
        briefings.append(briefing)
    return briefings


def prepare_document(briefing: Briefing, source: Source, brands: Brands) -> Document:
    """Parse and check one language file; errors name its line."""
    from .check import check_document

    doc = parse_source(briefing, source, brands)
    check_document(doc, brands.coverage(), brands.project.relative(doc.source.path))
    return doc


def prepare_documents(
    briefings: list[Briefing], brands: Brands, result: BuildResult
) -> Iterator[tuple[Briefing, Document]]:
    """Parse and check every language file of the briefings; record each one's error and go on."""
    for briefing in briefings:
        for source in briefing.sources:
            try:
                yield briefing, prepare_document(briefing, source, brands)
            except PublishError as exc:
                result.fail(exc)


def parse_source(briefing: Briefing, source: Source, brands: Brands) -> Document:
    """Parse one language file with its brand's digits and strings; errors name the file's line."""
    from .images import probe_image
    from .parse import parse

    def probe(src: str, line: int) -> ImageInfo:
        return probe_image(src, line, source.path, brands.project.relative(source.path), brands.web)

    try:
        # The brand decides the digits and words of what parsing generates (notes, counts).
        brand = brands.for_source(briefing, source)
        digits = brand.settings.digits_for(source.lang)
        return parse(source, brands.parser(), digits, brand.strings(source.lang), probe)
    except PublishError as exc:
        if exc.location is not None:  # the parser knows files by absolute path
            exc.location = SourceLocation(brands.project.relative(exc.location.path), exc.location.line)
        else:  # a brand problem: point at where this file (or its briefing) chose the brand
            exc.location = brand_location(briefing, source, brands.project)
        raise


def brand_location(briefing: Briefing, source: Source, project: Project) -> SourceLocation:
    """Return the line that chose a language file's brand: its front matter, else briefing.toml."""
    if source.meta.brand:
        text = source.path.read_text(encoding="utf-8")
        yaml_text = split_front_matter(text, project.relative(source.path))[0]
        return SourceLocation(project.relative(source.path), key_lines(yaml_text).get("brand"))
    config = briefing.folder / "briefing.toml"
    if config.is_file():
        return SourceLocation(project.relative(config), key_line(config.read_text(encoding="utf-8"), "brand"))
    return SourceLocation(project.relative(source.path))


def prepare_images(
    doc: Document, project: Project, out_dir: Path, layouts: Layouts, force: bool = False, web: WebCache | None = None
) -> list[PreparedImage]:
    """Make the print and web renditions of a document's images, cached under the output folder.

    Print renditions are sized for the figure box of the brand's page (its print stylesheets and
    page_size); `force` makes them all again; `web` is the cache parsing used (`Brands.web`).
    """
    from .images import prepare_images as make
    from .printbox import PrintBox

    box = PrintBox.for_brand(layouts.stylesheets("print"), layouts.settings.page_size)
    return make(doc, out_dir / ".cache" / "images", project.root, box, force, web)
