"""Render: a `Document` → a `RenderedPage` (full HTML) through the Jinja2 layouts.

A brand inherits from base: templates are looked up brand first, then base
(`layouts/<brand>/templates`, `layouts/base/...`); stylesheets are layered base first, the
brand's after it so it can override; UI strings come from the brand's catalogs, then base's;
brand.toml settings (brand.py) are the brand's over base's. Autoescaping is on and undefined
variables are errors: a template mistake never silently prints an empty string. Front matter
values reach templates as data, never as template source.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from babel.lists import format_list
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup

from ._version import __version__
from .brand import BrandSettings, load_brand_settings
from .config import Project, brand_folder
from .confine import contained_file
from .direction import isolate_text
from .errors import ConfigError, TemplateError
from .i18n import Strings, install_gettext, load_strings, locale_of, long_date
from .model import Document, RenderedPage, SourceLocation

BASE = "base"
STYLESHEETS = {
    "print": ("fonts.css", "common.css", "print-common.css", "print.css"),  # PDFs
    "screen": ("fonts.css", "common.css", "screen.css"),  # web pages
    "web-print": ("print-common.css", "web-print.css"),  # web pages printed from the browser
}
"""The stylesheets of each medium, in the order each layout folder's are loaded."""


@dataclass(frozen=True, slots=True)
class Layouts:
    """The layout folders of one brand, most specific first, and their Jinja2 environment."""

    brand: str
    """The brand's name (its folder under layouts/)."""
    dirs: tuple[Path, ...]
    """Brand folder then base folder (just base for the base brand)."""
    env: jinja2.Environment
    """Jinja2 environment whose loader searches `dirs` in order."""
    project: Project
    """The project the layouts belong to."""
    settings: BrandSettings
    """The brand's settings from brand.toml, base values first, overridden by the brand's."""
    _strings: dict[str, Strings] = field(default_factory=dict, compare=False, repr=False)
    """UI strings loaded so far, by language (catalogs are read once per build)."""

    def stylesheets(self, medium: str) -> list[Path]:
        """Return the CSS files for a medium ("print", "screen" or "web-print"), base first."""
        found = []
        for folder in reversed(self.dirs):
            for name in STYLESHEETS[medium]:
                path = folder / "css" / name
                if os.path.lexists(path):  # a link, FIFO or device is refused, not skipped
                    found.append(contained_file(path, self.project.root))
        return found

    def strings(self, lang: str) -> Strings:
        """Return the UI strings for a language: the brand's catalogs, then base's."""
        if lang not in self._strings:
            self._strings[lang] = load_strings(list(self.dirs), lang, self.project.root)
        return self._strings[lang]


class _ContainedLoader(jinja2.FileSystemLoader):
    """Jinja's file loader, refusing a template that is a link leading outside the project."""

    def __init__(self, searchpath: list[str], root: Path):
        super().__init__(searchpath)
        self.root = root

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        contained_file(Path(filename), self.root)
        return source, filename, uptodate


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per process, for every environment `load_layouts` makes (all made
    alike): Jinja keys each by its file and reuses it only while the file's text is the same.
    `publish serve` makes the layouts again at every save."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def load_layouts(project: Project, brand: str) -> Layouts:
    """Return the layouts of a brand, checking the brand exists."""
    base = project.layouts_dir / BASE
    if not (base / "templates").is_dir():
        raise ConfigError(
            "layouts/base/templates is missing",
            SourceLocation(Path("layouts/base")),
            hint="every project needs the base layout; copy it from the publish repository",
        )
    dirs = [base]
    if brand != BASE:
        dirs.insert(0, brand_folder(project.layouts_dir, brand))
    settings = load_brand_settings(dirs, project)
    # Layouts arrive by pull request and render with CI's tokens in reach: the sandbox keeps a
    # template to the data it is given (no `__globals__`, no `os`), and the loader reads only
    # files that stay inside the project once links are resolved.
    env = SandboxedEnvironment(
        loader=_ContainedLoader([str(d / "templates") for d in dirs], project.root),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
        bytecode_cache=_COMPILED,
    )
    install_gettext(env)
    # What every template of this brand may use: its name, logo and the CSS its settings make
    # (checked values only: colours as #rrggbb, family names without quotes or brackets).
    env.globals["brand"] = {
        "name": settings.name,
        "logo": settings.logo.as_uri() if settings.logo else None,
        "print_css": Markup(settings.css("print")),
        "screen_css": Markup(settings.css("screen")),
    }
    return Layouts(brand, tuple(dirs), env, project, settings)


def document_context(doc: Document, medium: str = "screen") -> dict[str, Any]:
    """Return what templates know about a document, as plain data."""
    meta = doc.source.meta
    locale = locale_of(doc.source.locale)
    original_name = ""
    if meta.original:
        original_name = locale.languages.get(meta.original.split("-")[0], meta.original)

    def isolated(text: str | None) -> Markup | None:
        return Markup(isolate_text(text, doc.direction)) if text else None

    return {
        "lang": doc.source.lang,
        "dir": doc.direction.value,
        "slug": doc.source.slug,
        # Plain text for <title> and attributes; *_html, with bidi isolation, for the page itself.
        "title": meta.title,
        "title_html": isolated(meta.title),
        "subtitle": meta.subtitle,
        "subtitle_html": isolated(meta.subtitle),
        "authors": list(meta.authors),
        "authors_html": [isolated(a) for a in meta.authors],
        # The authors as the language lists them (Babel's list patterns): "A, B and C", "A، B وC".
        "byline_html": Markup(format_list([str(isolated(a)) for a in meta.authors], locale=locale))
        if meta.authors
        else None,
        "date": long_date(meta.date, doc.source.locale),
        "date_iso": meta.date.isoformat() if meta.date else "",
        "summary": meta.summary,
        "summary_html": isolated(meta.summary),
        "translation": meta.translation,
        "original_name": original_name,
        "keywords": list(meta.keywords),
        "headings": [{"level": h.level, "text": h.text, "id": h.id, "html": Markup(h.html)} for h in doc.headings],
        "toc": wants_toc(doc),
        # The parser produced this HTML from escaped text and its own tags only.
        "body": Markup(doc.print_html if medium == "print" else doc.html),
    }


TOC_LEVELS = (2, 3)


def wants_toc(doc: Document) -> bool:
    """Tell whether a document gets a table of contents: as asked, else from three sections on."""
    if doc.source.meta.toc is not None:
        return doc.source.meta.toc
    return sum(1 for h in doc.headings if h.level == 2) >= 3


def render_print_page(doc: Document, layouts: Layouts, out_path: Path) -> RenderedPage:
    """Render a document with the brand's print template."""
    digits = layouts.settings.digits_for(doc.source.lang)
    context = {
        "doc": document_context(doc, "print"),
        "strings": layouts.strings(doc.source.lang),
        "stylesheets": [path.as_uri() for path in layouts.stylesheets("print")],
        "print": {"counter_style": digits.counter_style, "toc_levels": TOC_LEVELS},
    }
    html = render_template(layouts, "print.html.j2", context)
    return RenderedPage(html, doc.source.lang, doc.direction, out_path, doc.source.path.as_uri(), doc.source)


def render_template(layouts: Layouts, name: str, context: dict[str, Any]) -> str:
    """Render a template, turning Jinja2 failures into a TemplateError with template and line."""
    try:
        template = layouts.env.get_template(name)
        return template.render(version=__version__, **context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.message or str(exc), _template_location(layouts, exc.filename, exc.lineno)) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            f'template "{exc.name}" not found',
            hint=f"looked in {', '.join(str(layouts.project.relative(d / 'templates')) for d in layouts.dirs)}",
        ) from None
    except jinja2.UndefinedError as exc:
        filename, line = _template_frame(sys.exc_info()[2])
        raise TemplateError(
            str(exc.message),
            _template_location(layouts, filename, line),
            hint="check the variable's spelling; templates can use doc, page, site, brand, strings and _(…)",
        ) from None
    except KeyError as exc:  # a UI string's %(name)s placeholder given no value
        filename, line = _template_frame(sys.exc_info()[2])
        if filename is None:
            raise
        raise TemplateError(
            f"the UI string's placeholder %({exc.args[0]})s has no value",
            _template_location(layouts, filename, line),
            hint=f'give it one: _("… %({exc.args[0]})s …", {exc.args[0]}=…)',
        ) from None
    except SecurityError as exc:  # the sandbox stopped a template reaching Python's internals
        filename, line = _template_frame(sys.exc_info()[2])
        raise TemplateError(
            f"unsafe template code refused: {exc}",
            _template_location(layouts, filename, line) if filename else None,
            hint="templates may use the data they are given (doc, page, site, brand, strings), not Python objects",
        ) from None
    except RecursionError:
        raise TemplateError(
            f'template "{name}" extends or includes itself without end',
            hint="a brand's template that extends base's must not have the same name; use a block instead",
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError) as exc:
        filename, line = _template_frame(sys.exc_info()[2])
        if filename is None:
            raise
        raise TemplateError(str(exc), _template_location(layouts, filename, line)) from None


def _template_frame(tb: Any) -> tuple[str | None, int | None]:
    """Find the innermost traceback frame that belongs to a template file."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".html")):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _template_location(layouts: Layouts, filename: str | None, line: int | None) -> SourceLocation | None:
    if not filename:
        return None
    return SourceLocation(layouts.project.relative(Path(filename)), line)
