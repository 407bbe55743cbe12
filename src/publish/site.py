"""Site: parsed documents → the static web site (pages, list pages, entry page, assets).

Output contract: `site/index.html` (language choice), `site/<lang>/index.html` (briefings in that
language), `site/<lang>/<slug>/index.html` (one briefing). Every link is relative and names
`index.html` explicitly, so the folder works from any sub-path and when opened from disk.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .direction import isolate_text, language_direction
from .i18n import long_date
from .model import Document, RenderedPage, Source
from .output import atomic_write_text, copy_file, copy_tree
from .render import Layouts, document_context, language_links, render_template

ASSETS = "assets"


@dataclass(frozen=True, slots=True)
class Site:
    """Where the site goes and what it is called."""

    root: Path
    """The site's output folder (build/site)."""
    title: str
    """The project's title, shown in every page header."""


def page_path(lang: str, slug: str | None = None) -> str:
    """Return a page's path inside the site, as a relative URL from the site root."""
    return f"{lang}/{slug}/index.html" if slug else f"{lang}/index.html"


def relative(from_page: str, to: str) -> str:
    """Return the relative URL from one site page to another site path."""
    return posixpath.relpath(to, posixpath.dirname(from_page) or ".")


def stylesheet_hrefs(layouts: Layouts, from_page: str) -> list[str]:
    """Return the screen stylesheets of a brand as URLs relative to a page."""
    hrefs = []
    for path in layouts.stylesheets("screen"):
        inside = path.relative_to(layouts.project.root).as_posix()
        hrefs.append(relative(from_page, f"{ASSETS}/{inside}"))
    return hrefs


def render_briefing_page(doc: Document, layouts: Layouts, site: Site, siblings: list[str], pdf: bool) -> RenderedPage:
    """Render one briefing in one language as a web page."""
    lang, slug = doc.source.lang, doc.source.slug
    here = page_path(lang, slug)
    context: dict[str, Any] = {
        "doc": document_context(doc),
        "site": {"title": site.title},
        "strings": layouts.strings(lang),
        "stylesheets": stylesheet_hrefs(layouts, here),
        "page": {
            "lang": lang,
            "dir": doc.direction.value,
            "home": relative(here, "index.html"),
            "pdf": f"{slug}.{lang}.pdf" if pdf else None,
            "alternates": language_links(siblings, lambda other: relative(here, page_path(other, slug))),
        },
    }
    html = render_template(layouts, "web.html.j2", context)
    return RenderedPage(html, lang, doc.direction, site.root / here, base_url=str(site.root / here), source=doc.source)


def render_list_page(lang: str, sources: list[Source], all_langs: list[str], layouts: Layouts, site: Site) -> RenderedPage:
    """Render the list of briefings available in one language."""
    here = page_path(lang)
    direction = language_direction(lang)
    items = [
        {
            "title": Markup(isolate_text(s.meta.title, direction)),
            "summary": Markup(isolate_text(s.meta.summary, direction)) if s.meta.summary else None,
            "date": long_date(s.meta.date, lang),
            "href": relative(here, page_path(lang, s.slug)),
        }
        for s in sources
    ]
    context = {
        "site": {"title": site.title},
        "strings": layouts.strings(lang),
        "stylesheets": stylesheet_hrefs(layouts, here),
        "items": items,
        "page": {
            "lang": lang,
            "dir": direction.value,
            "home": relative(here, "index.html"),
            "alternates": language_links(all_langs, lambda other: relative(here, page_path(other))),
        },
    }
    html = render_template(layouts, "list.html.j2", context)
    return RenderedPage(html, lang, direction, site.root / here, base_url=str(site.root / here))


def render_home_page(langs: list[str], layouts: Layouts, site: Site) -> RenderedPage:
    """Render the entry page: a choice of language, each named in itself."""
    first = langs[0] if langs else "en"
    direction = language_direction(first)
    context = {
        "site": {"title": site.title},
        "strings": layouts.strings(first),
        "stylesheets": stylesheet_hrefs(layouts, "index.html"),
        "page": {
            "lang": first,
            "dir": direction.value,
            "home": "index.html",
            "alternates": language_links(langs, page_path),
        },
    }
    html = render_template(layouts, "home.html.j2", context)
    return RenderedPage(html, first, direction, site.root / "index.html", base_url=str(site.root / "index.html"))


def write_page(page: RenderedPage) -> Path:
    """Write a rendered page to its place in the site."""
    atomic_write_text(page.out_path, page.html)
    return page.out_path


def copy_assets(layouts: Layouts, site: Site) -> None:
    """Copy the brand's stylesheets and the bundled fonts into the site's assets folder."""
    root = layouts.project.root
    for folder in layouts.dirs:
        css = folder / "css"
        if css.is_dir():
            copy_tree(css, site.root / ASSETS / css.relative_to(root), "*.css")
    fonts = layouts.project.fonts_dir
    if fonts.is_dir():
        copy_tree(fonts, site.root / ASSETS / "fonts", "*.ttf")


def copy_pdf(pdf: Path, doc: Document, site: Site) -> None:
    """Put a briefing's PDF next to its web page, for the page's download link."""
    copy_file(pdf, site.root / doc.source.lang / doc.source.slug / pdf.name)
