"""The web stage of a build: briefing pages, index pages (each language's list with its feed), then
the files pages share (fonts, cards, sitemap), written while the PDFs are typeset; once they are
done, each PDF is put beside its page and the pages are recorded. Last, the search index of the
pages (`index_search`). The pages themselves are rendered by the `site` package."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import reading, replay
from .errors import PublishError
from .freshness import Context
from .logcapture import capture_warnings
from .plan import unit
from .prepare import Prepared

if TYPE_CHECKING:
    from .render import Layouts
    from .site import Catalogue, Site, WebPage
    from .workers import Workers

logger = logging.getLogger("publish.build")

SEARCH_UNIT = "search"
"""The cache's name of the site's search index."""


@dataclass
class _MadePage:
    """A web page written before the PDFs were done, and what it was made from."""

    unit: str
    page: WebPage
    inputs: set[str]
    warnings: list[list]
    prepared: Prepared | None = None
    """The briefing page's document; None for index pages."""
    links_pdf: bool = False
    """The page links its PDF, expecting it to be made or kept."""
    files: list[Path] = field(default_factory=list)
    """Other files made with the page (a list page's feed)."""


@dataclass
class SiteWork:
    """The site as far as it was written before the PDFs were done."""

    site: Site
    pages: list[_MadePage] = field(default_factory=list)
    finished: bool = False
    """The shared files were written: the pages may be recorded."""


def write_site(
    ctx: Context, prepared: list[Prepared], pending_pdfs: set[tuple[str, str]], workers: Workers
) -> SiteWork | None:
    """Write the briefing pages to make, the index pages, then the files pages share (fonts, cards, sitemap).

    The shared files are written by unsharded builds only; a sharded one writes its pages and their cards.
    """
    site_fresh = ctx.options.shard is not None or ctx.manifest.fresh("site", ctx.inputs) is not None
    index_units = [] if ctx.options.shard else _stale_index_units(ctx)
    if not prepared and not index_units and site_fresh:
        return None
    from . import site as web

    cache = web.font_cache(ctx.out_dir / ".cache" / "fonts")
    if ctx.options.force and cache == ctx.out_dir / ".cache" / "fonts":  # --force makes the subsets again too
        shutil.rmtree(cache, ignore_errors=True)
    site = web.Site(ctx.out_dir / "site", ctx.project.title, ctx.project.base_url, cache, search=ctx.project.search)
    catalogue = web.load_catalogue(ctx.project)
    work = SiteWork(site)
    for item in prepared:
        doc = item.doc
        existing = ctx.out_dir / "pdf" / f"{doc.source.slug}.{doc.source.lang}.pdf"
        # With --format html, link the PDF an earlier build left in the same output folder.
        pdf = existing if item.key in pending_pdfs or existing.is_file() else None
        name = unit("page", *item.key)
        with capture_warnings() as warnings, reading() as reads:
            try:
                layouts = ctx.brands.for_source(item.briefing, doc.source)
                page = web.render_briefing_page(doc, layouts, site, catalogue, pdf)
                web.write_page(page)
                _copy_web_images(item, site.root)
            except PublishError as exc:
                ctx.failed(exc, name)
                continue
        inputs = item.inputs | ctx.layout_inputs(layouts) | ctx.project_reads(reads)
        inputs |= {"catalogue:languages", f"catalogue:of/{doc.source.slug}"}
        warnings = item.warnings + [[*w, "output"] for w in warnings]
        work.pages.append(_MadePage(name, page, inputs, warnings, item, pdf is not None))
    layouts = ctx.brands.default()
    for name in index_units:
        files = []
        with capture_warnings() as warnings:
            try:
                page = _render_index_page(name, catalogue, layouts, site)
                web.write_page(page)
                if name.startswith("list:"):
                    files.append(web.write_language_feed(name.removeprefix("list:"), catalogue, layouts, site))
            except PublishError as exc:
                ctx.failed(exc, name)
                continue
        inputs = ctx.layout_inputs(layouts) | {"catalogue:languages"}
        if name.startswith("list:"):
            lang = name.removeprefix("list:")
            inputs.add(f"catalogue:list/{lang}")
            # The feed dates a briefing without a date in its front matter as its source date.
            inputs |= {f"date:{ctx.inputs.name_of(s.path.parent)}" for s in catalogue.in_language(lang)}
        work.pages.append(_MadePage(name, page, inputs, [[*w, "output"] for w in warnings], files=files))
    # When the shared files are made again, they are made for every brand the site's pages use,
    # not only the brands of the pages made now (a brand an earlier build used that is gone is
    # skipped: its pages are made again anyway).
    brands = {made.page.layouts.brand for made in work.pages}
    if not site_fresh:
        brands |= {r.extra["brand"] for r in ctx.manifest.records.values() if "brand" in r.extra}
    try:
        web.finish_site(
            [made.page for made in work.pages], catalogue, site, brands=ctx.brands.existing(brands), mapper=workers.map
        )
        work.finished = True
    except PublishError as exc:
        ctx.result.fail(exc)
    logger.info("built site in %s", ctx.project.relative(site.root))
    return work


def _index_units(ctx: Context) -> list[str]:
    return [f"list:{lang}" for lang in ctx.catalogue.languages(ctx.inputs)] + ["home", "404"]


def _stale_index_units(ctx: Context) -> list[str]:
    """Return the index pages to make again; reuse the others."""
    stale = []
    for name in _index_units(ctx):
        record = ctx.manifest.fresh(name, ctx.inputs)
        if record is None:
            stale.append(name)
        else:
            ctx.deliver(ctx.out_dir / next(iter(record.files)), made=False)
            replay(record)
    return stale


def _render_index_page(name: str, catalogue: Catalogue, layouts: Layouts, site: Site) -> WebPage:
    from . import site as web

    if name.startswith("list:"):
        return web.render_list_page(name.removeprefix("list:"), catalogue, layouts, site)
    if name == "home":
        return web.render_home_page(catalogue, layouts, site)
    return web.render_not_found_page(catalogue, layouts, site)


def _copy_web_images(item: Prepared, site_dir: Path) -> list[Path]:
    """Put each web rendition where the page's markup names it, beside the page."""
    from .output import copy_file

    page_dir = site_dir / item.doc.source.lang / item.doc.source.slug
    copied = []
    for image in item.images:
        for name, cached in image.web_files:
            target = (page_dir / name).resolve()
            if target.is_relative_to(page_dir.resolve()):
                copy_file(cached, target)
                copied.append(target)
    return copied


def finish_site(ctx: Context, work: SiteWork) -> None:
    """Once the PDFs are done: put each briefing's PDF beside its page; record the pages and shared files."""
    from . import site as web

    for made in work.pages:
        page, files = made.page, [made.page.rendered.out_path, *made.files]
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


def index_search(ctx: Context) -> None:
    """The last site step: index the briefing pages for search, unless the index is up to date.

    Its inputs are every briefing page it reads and the list of them; a sharded build leaves the
    index to the unsharded build that merges the shards. With `[site] search = false` an index
    left by an earlier build is removed, as it is when the project has no briefing left.
    """
    site_root = ctx.out_dir / "site"
    if ctx.options.shard is not None:
        return
    listed = [f"site/{lang}/{slug}/index.html" for slug, lang, _ in ctx.catalogue.entries(ctx.inputs)]
    pages = [page for page in listed if (ctx.out_dir / page).is_file()]  # not the pages that failed
    if not ctx.project.search or not pages:  # turned off, or nothing to search
        if ctx.manifest.records.pop(SEARCH_UNIT, None) is not None or (site_root / "pagefind").exists():
            from .site import remove_index

            remove_index(site_root)
        return
    inputs = {"catalogue:all", *(f"output:{page}" for page in pages)}
    if ctx.manifest.fresh(SEARCH_UNIT, ctx.inputs) is not None:
        return
    from .site import index_site

    try:
        files = index_site(site_root)
    except PublishError as exc:
        ctx.failed(exc, SEARCH_UNIT)
        return
    ctx.record(SEARCH_UNIT, inputs, files, [])
    logger.info("indexed %d pages for search in %s", len(pages), ctx.project.relative(site_root / "pagefind"))
