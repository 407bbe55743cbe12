"""Site: parsed documents → the static web site.

    catalogue (every briefing, every language)
      → pages      briefing pages, list pages, entry page, 404 (pages.py)
      → fonts      WOFF2 subsets per language and script, and their stylesheets (fonts.py)
      → cards      a 1200×630 PNG per page for social networks (cards.py)
      → sitemap    sitemap.xml with hreflang alternates (sitemap.py)
      → feeds      an Atom feed per language, written with its list page (feeds.py)
      → search     Pagefind's index of the briefing pages, the build's last site step (search.py)
      → assets     the brand's web stylesheets and the fonts' licence

`web_stage.write_site` renders and writes the pages one by one (an error in one stops only that
one), then `finish_site` writes what the pages share.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from ..cache import stat_digest
from ..confine import contained_file
from ..i18n import language_name
from ..model import Document
from ..output import copy_file
from ..render import Layouts
from .cards import write_card
from .catalogue import Catalogue, load_catalogue
from .feeds import feed_entries, write_feed
from .fonts import (
    FONTS_DIR,
    NAMES,
    FontRequest,
    Subset,
    cached_subset,
    font_cache,
    font_sheets_of,
    generated_text,
    page_text,
    subsets_needed,
    write_fonts,
)
from .pages import (
    ASSETS,
    HOME,
    Site,
    WebPage,
    asset_path,
    page_path,
    render_briefing_page,
    render_home_page,
    render_list_page,
    render_not_found_page,
    web_stylesheets,
    write_page,
)
from .search import SEARCH_SCRIPT, index_site, remove_index
from .sitemap import SitemapEntry, write_sitemap
from .theme import Theme, load_theme

__all__ = [
    "Catalogue",
    "Site",
    "WebPage",
    "copy_pdf",
    "finish_site",
    "font_cache",
    "index_site",
    "load_catalogue",
    "remove_index",
    "render_briefing_page",
    "render_home_page",
    "render_list_page",
    "render_not_found_page",
    "write_language_feed",
    "write_page",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

LICENCES = ("OFL*.txt", "LICENSE*", "LICENCE*")


def copy_pdf(pdf: Path, doc: Document, site: Site) -> None:
    """Put a briefing's PDF next to its web page, for the page's download link."""
    copy_file(pdf, site.root / doc.source.lang / doc.source.slug / pdf.name)


Mapper = Callable[[Callable[..., T], Sequence[tuple]], list[T]]
"""Runs a function on each argument tuple, in order: `workers.Workers.map`, or in this process."""


def _in_process(function: Callable[..., T], calls: Sequence[tuple]) -> list[T]:
    return [function(*args) for args in calls]


def finish_site(
    pages: list[WebPage],
    catalogue: Catalogue,
    site: Site,
    brands: Iterable[Layouts] = (),
    mapper: Mapper | None = None,
) -> list[Subset]:
    """Write what the pages share: font subsets, social cards, the sitemap and the stylesheets.

    The fonts and stylesheets are written for the brands of `pages` and of `brands` (brands whose
    pages an incremental build did not make again); the cards for `pages` only. The subsets and
    cards, the costly part, are computed with `mapper` (the build's worker processes).
    """
    mapper = mapper or _in_process
    layouts_of = {layouts.brand: layouts for layouts in brands} | {page.layouts.brand: page.layouts for page in pages}
    themes: dict[str, Theme] = {brand: load_theme(layouts) for brand, layouts in layouts_of.items()}
    requests = _font_requests(layouts_of, catalogue, themes, site)
    # The cards and every subset of every request in one batch, so no worker waits for another;
    # the cards first, as each takes longer than a subset. Then the files, in order, here.
    cards = [(page.card, themes[page.layouts.brand], site.root) for page in pages if page.card is not None]
    keys = list(dict.fromkeys((face.path, keep) for t, r in requests for _, face, keep in subsets_needed(t, r)))
    jobs = [(write_card, args) for args in cards] + [(cached_subset, (path, keep, site.cache)) for path, keep in keys]
    done = mapper(_call, jobs)
    subsets = _write_fonts(requests, site, dict(zip(keys, done[len(cards) :], strict=True)))
    write_sitemap(_sitemap_entries(catalogue), site.root, site.base_url)
    _copy_assets(list(layouts_of.values()), site)
    return subsets


_PAGE_FONTS: dict[Path, tuple[str, list[str], str]] = {}
"""Each page's font stylesheets and text, by path, size, time and inode: pages are written whole
(a new file), so a page read once in a process (`publish serve`) is not parsed again until it changes."""


def _page_fonts(path: Path, here: str) -> tuple[list[str], str]:
    stamp = stat_digest(path)
    found = _PAGE_FONTS.get(path)
    if found is None or found[0] != stamp:
        html = path.read_text(encoding="utf-8")
        found = _PAGE_FONTS[path] = (stamp, font_sheets_of(html, here), page_text(html))
    return found[1], found[2]


def _call(function: Callable[..., T], args: tuple) -> T:
    return function(*args)


def _font_requests(
    layouts_of: dict[str, Layouts], catalogue: Catalogue, themes: dict[str, Theme], site: Site
) -> list[tuple[Theme, FontRequest]]:
    """Return the subsets to make of each brand's fonts per language: the text of the pages that load them.

    The pages are read back from the site folder, those of earlier builds included: building one
    briefing must not drop from the subsets a character that another briefing's page shows.
    """
    wanted: dict[str, tuple[set[str], list[str]]] = {}
    for path in sorted(site.root.rglob("*.html")):
        here = path.relative_to(site.root).as_posix()
        if here.startswith(f"{ASSETS}/"):
            continue
        sheets, text = _page_fonts(path, here)
        for sheet in sheets:
            folder, group = sheet.rsplit("/", 1)
            groups, texts = wanted.setdefault(folder, (set(), []))
            groups.add(group.removesuffix(".css"))
            texts.append(text)
    requests: list[tuple[Theme, FontRequest]] = []
    for folder, (groups, texts) in sorted(wanted.items()):
        brand, lang = folder.split("/")[-2:]
        if lang == NAMES or brand not in themes:
            continue  # the names subsets are made below; another brand's fonts are left as they are
        layouts = layouts_of[brand]
        texts += _string_values(layouts.strings(lang))
        texts.append(generated_text(path for path, _ in web_stylesheets(layouts)))
        requests.append((themes[brand], FontRequest(folder, frozenset(groups), "".join(texts), f"{lang} pages")))
    # The brands' faces are mostly the same bundled fonts: each language's subsets keep the
    # characters of that language's pages of all the brands made now, so that a face is cut once
    # per language rather than once per brand and language (at the cost of a few more glyphs).
    shared: dict[str, set[str]] = {}
    for _, request in requests:
        shared.setdefault(request.folder.rsplit("/", 1)[-1], set()).update(request.text)
    requests = [
        (theme, replace(request, text="".join(sorted(shared[request.folder.rsplit("/", 1)[-1]]))))
        for theme, request in requests
    ]
    names = "".join(language_name(lang) for lang in catalogue.languages)
    for brand, theme in themes.items():
        others = frozenset(theme.groups) - {"latn"}
        request = FontRequest(f"{FONTS_DIR}/{brand}/{NAMES}", others, names, "language names", safety=False)
        requests.append((theme, request))
    return requests


def _write_fonts(
    requests: list[tuple[Theme, FontRequest]], site: Site, computed: dict[tuple[Path, frozenset[int]], bytes]
) -> list[Subset]:
    """Write each request's subsets (`computed` beforehand) and stylesheets."""
    made: list[Subset] = []
    for theme, request in requests:
        made += write_fonts(theme, request, site.root, site.cache, computed)
    if made:
        logger.info(
            "fonts: %d subsets, %d KB (from %d KB of font files)",
            len(made),
            sum(s.size for s in made) // 1024,
            sum(s.face.path.stat().st_size for s in made) // 1024,
        )
    return made


def _string_values(strings: dict) -> list[str]:
    """Return every UI string, nested tables (plural forms) included."""
    values: list[str] = []
    for value in strings.values():
        if isinstance(value, dict):
            values += _string_values(value)
        elif isinstance(value, str):
            values.append(value)
    return values


def _sitemap_entries(catalogue: Catalogue) -> list[SitemapEntry]:
    lists = {lang: page_path(lang) for lang in catalogue.languages}
    entries = [SitemapEntry(HOME, {"x-default": HOME, **lists})]
    entries += [SitemapEntry(path, {**lists, "x-default": HOME}) for path in lists.values()]
    for lang in catalogue.languages:
        for source in catalogue.in_language(lang):
            versions = {other: page_path(other, source.slug) for other in catalogue.languages_of(source.slug)}
            entries.append(SitemapEntry(page_path(lang, source.slug), versions))
    return entries


def write_language_feed(lang: str, catalogue: Catalogue, layouts: Layouts, site: Site) -> Path:
    """Write a language's Atom feed (`<lang>/feed.xml`): its briefings, titled in that language."""
    title = f"{layouts.strings(lang).gettext('Briefings')} · {site.title}"
    entries = feed_entries(catalogue.in_language(lang))
    return write_feed(lang, entries, site.root, title=title, author=site.title, base_url=site.base_url)


def _copy_assets(brands: list[Layouts], site: Site) -> None:
    """Copy the web stylesheets of every brand used, and the fonts' licence beside the subsets."""
    # Every file copied is checked to be a regular file inside the project, links resolved: a committed
    # link such as `screen.css -> /proc/self/environ` would otherwise publish what it points to.
    script = site.root / ASSETS / SEARCH_SCRIPT.name
    if site.search:
        copy_file(SEARCH_SCRIPT, script)  # publish's own code, not a brand's: brands run none
    else:
        script.unlink(missing_ok=True)
    for layouts in brands:
        root = layouts.project.root
        for path, _ in web_stylesheets(layouts):
            copy_file(contained_file(path, root), site.root / asset_path(layouts, path))
        if layouts.settings.logo:  # brand.toml's logo, which the pages' headers show
            logo = contained_file(layouts.settings.logo, root)
            copy_file(logo, site.root / asset_path(layouts, layouts.settings.logo))
        fonts_dir = layouts.project.fonts_dir
        for pattern in LICENCES:
            for licence in sorted(fonts_dir.glob(pattern)):
                copy_file(contained_file(licence, root), site.root / FONTS_DIR / licence.name)
