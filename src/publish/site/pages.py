"""Pages: documents and the catalogue → the site's HTML pages, through the brand's web templates.

Output contract (paths inside the site folder):

    index.html                  entry page: the choice of language, each named in itself
    <lang>/index.html           the briefings in one language: title, date and summary
    <lang>/<slug>/index.html    one briefing in one language, its PDF and social card beside it
    404.html                    "page not found" in every language, for the web server

Every link is relative and names `index.html`, so the folder works from any sub-path and
straight from disk. Each page names its other-language versions (`<link rel=alternate
hreflang>`) and offers them in a language switcher: the same briefing in another language, or
that language's list when the briefing is not translated. Servers show the 404 page at any
depth, so it carries its styles inline, and a `<base>` when the project has a `base_url`.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.core import get_global
from markupsafe import Markup

from ..brand import FONTS_CSS
from ..direction import isolate_plain, isolate_text, language_direction
from ..errors import TemplateError
from ..i18n import language_name, long_date
from ..model import Direction, Document, RenderedPage, Source
from ..output import atomic_write_text
from ..render import Layouts, document_context, render_template
from .cards import SIZE as CARD_SIZE
from .cards import Card
from .catalogue import Catalogue
from .feeds import feed_path
from .fonts import font_stylesheets, page_groups, text_groups
from .search import SEARCH_DIR, SEARCH_SCRIPT, arabic_variants

HOME = "index.html"
NOT_FOUND = "404.html"
CARD = "card.png"
ASSETS = "assets"


@dataclass(frozen=True, slots=True)
class Site:
    """Where the site goes, what it is called and where it will be published."""

    root: Path
    """The site's output folder (build/site)."""
    title: str
    """The project's title, shown in every page header and on the social cards."""
    base_url: str | None = None
    """Absolute URL of the site's root, ending in "/", when the project sets one."""
    cache: Path | None = None
    """A folder for work worth keeping between builds (font subsets), or None."""
    search: bool = False
    """The pages carry the search box and mark what Pagefind indexes ([site] search)."""
    feeds: bool = True
    """Each language has an Atom feed (`<lang>/feed.xml`) its pages link."""

    def url(self, path: str) -> str | None:
        """Return the absolute URL of a site path, or None without a base URL."""
        return f"{self.base_url}{path}" if self.base_url else None


@dataclass(frozen=True, slots=True)
class WebPage:
    """A rendered page of the site and what the later site steps need to know about it."""

    path: str
    """Site path of the page (en/slug/index.html)."""
    rendered: RenderedPage
    """The page's HTML, language, direction and output file."""
    layouts: Layouts
    """The brand it was rendered with: its fonts and colours serve the page."""
    fonts: frozenset[str]
    """Script groups whose fonts the page loads in full ("latn", "arab")."""
    card: Card | None = None
    """Its social card, when it has one of its own."""


def page_path(lang: str, slug: str | None = None) -> str:
    """Return a page's path inside the site, as a relative URL from the site root."""
    return f"{lang}/{slug}/{HOME}" if slug else f"{lang}/{HOME}"


def relative(from_page: str, to: str) -> str:
    """Return the relative URL from one site page to another site path."""
    return posixpath.relpath(to, posixpath.dirname(from_page) or ".")


def web_stylesheets(layouts: Layouts) -> list[tuple[Path, str | None]]:
    """Return the brand's web stylesheets, base first, with their media: screen ones, then print."""
    # fonts.css points at the full TrueType files for print; the site links its subsets instead.
    screen = [(path, None) for path in layouts.stylesheets("screen") if path.name != FONTS_CSS]
    return [*screen, *((path, "print") for path in layouts.stylesheets("web-print"))]


def asset_path(layouts: Layouts, path: Path) -> str:
    """Return the site path a layout file is copied to (assets/layouts/<brand>/css/…)."""
    return f"{ASSETS}/{path.relative_to(layouts.project.root).as_posix()}"


def og_locale(lang: str) -> str:
    """Return the Open Graph locale of a language or locale (language_TERRITORY: its own, else from
    Babel's likely subtags)."""
    likely = get_global("likely_subtags").get(lang.replace("-", "_"), "")
    parts = likely.split("_")
    return f"{parts[0]}_{parts[-1]}" if len(parts) >= 2 else lang.replace("-", "_")


def _name_groups(catalogue: Catalogue) -> set[str]:
    """Return the font groups the language names of the switcher need (Arabic for "العربية")."""
    return text_groups("".join(language_name(lang) for lang in catalogue.languages))


class _Context:
    """Builds the parts of a template context that every page type shares."""

    def __init__(self, layouts: Layouts, site: Site, catalogue: Catalogue, here: str, lang: str):
        self.layouts, self.site, self.catalogue, self.here, self.lang = layouts, site, catalogue, here, lang
        self.direction = language_direction(lang)
        self.strings = layouts.strings(lang)

    def href(self, path: str) -> str:
        return relative(self.here, path)

    def language(self, lang: str, path: str, translated: bool = True) -> dict[str, Any]:
        return {
            "lang": lang,
            "name": language_name(lang),
            "dir": language_direction(lang).value,
            "href": self.href(path),
            "translated": translated,
        }

    def build(
        self,
        *,
        kind: str,
        title: str,
        description: str | None,
        alternates: dict[str, str],
        switcher: list[dict[str, Any]],
        fonts: frozenset[str],
        card: str,
        card_alt: str,
        og_type: str = "website",
        og_title: str | None = None,
        feeds: list[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Return the context: site, strings, stylesheets and the page's head and navigation."""
        layouts, site = self.layouts, self.site
        stylesheets = [{"href": self.href(asset_path(layouts, p)), "media": m} for p, m in web_stylesheets(layouts)]
        font_links = font_stylesheets(layouts.brand, self.lang, fonts, _name_groups(self.catalogue))
        page = {
            "kind": kind,
            "lang": self.lang,
            "dir": self.direction.value,
            "title": title,
            "og_title": og_title or title,
            "description": description,
            "home": self.href(HOME),
            # The site's name leads to the list in the page's language, the reader's home page;
            # on the entry page, which has no language of its own, to itself.
            "list": self.href(page_path(self.lang))
            if kind != "home" and self.lang in self.catalogue.languages
            else self.href(HOME),
            "url": site.url(self.here),
            "alternates": [{"lang": lang, "href": self.href(path)} for lang, path in alternates.items()],
            "languages": switcher,
            "fonts": [self.href(path) for path in font_links],
            "card": {
                "href": site.url(card) or self.href(card),
                "alt": card_alt,
                "width": CARD_SIZE[0],
                "height": CARD_SIZE[1],
            },
            "og": {
                "type": og_type,
                "locale": og_locale(self.layouts.project.locale_for(self.lang)),
                "locale_alternates": [
                    og_locale(self.layouts.project.locale_for(lang))
                    for lang in alternates
                    if lang not in ("x-default", self.lang)
                ],
            },
            "pdf": None,
            # The brand's logo, copied with its stylesheets (brand.toml's logo).
            "logo": self.href(asset_path(layouts, layouts.settings.logo)) if layouts.settings.logo else None,
            "base": None,
            "inline_styles": [],
            "robots": None,
            "feeds": [self.feed(lang) for lang in (self._feed_languages() if feeds is None else feeds)],
            "search": self.search() if kind in ("list", "briefing") else None,
        }
        page.update(extra or {})
        return {
            "site": {"title": site.title, "title_html": Markup(isolate_text(site.title, self.direction))},
            "strings": self.strings,
            "stylesheets": stylesheets,
            "page": page,
        }

    def _feed_languages(self) -> list[str]:
        return [self.lang] if self.site.feeds and self.lang in self.catalogue.languages else []

    def feed(self, lang: str) -> dict[str, str]:
        """The link to a language's feed, titled in that language."""
        return {
            "lang": lang,
            "href": self.href(feed_path(lang)),
            "title": f"{self.layouts.strings(lang).gettext('Briefings')} · {self.site.title}",
        }

    def search(self) -> dict[str, Any] | None:
        """What the search box needs: where Pagefind's script, the site's root and the box's script are."""
        if not self.site.search:
            return None
        return {
            "bundle": self.href(f"{SEARCH_DIR}/pagefind.js"),
            "root": (posixpath.dirname(self.href(HOME)) or ".") + "/",
            "script": self.href(f"{ASSETS}/{SEARCH_SCRIPT.name}"),
            "variants": [],
        }


def _render(layouts: Layouts, template: str, context: dict[str, Any], site: Site, here: str) -> RenderedPage:
    html = render_template(layouts, template, context)
    lang = context["page"]["lang"]
    return RenderedPage(html, lang, Direction(context["page"]["dir"]), site.root / here, base_url=str(site.root / here))


def render_briefing_page(
    doc: Document, layouts: Layouts, site: Site, catalogue: Catalogue, pdf: Path | None
) -> WebPage:
    """Render one briefing in one language as a web page."""
    source = doc.source
    lang, slug, meta = source.lang, source.slug, source.meta
    here = page_path(lang, slug)
    ctx = _Context(layouts, site, catalogue, here, lang)
    translations = catalogue.languages_of(slug) or [lang]
    switcher = [
        ctx.language(
            other, page_path(other, slug) if other in translations else page_path(other), other in translations
        )
        for other in catalogue.languages
        if other != lang
    ]
    fonts = page_groups([lang, *doc.languages], [meta.title, meta.subtitle, meta.summary, *meta.authors])
    doc_context = document_context(doc)
    card = Card(
        title=meta.title,
        lang=lang,
        direction=doc.direction,
        brand_line=site.title,
        path=f"{lang}/{slug}/{CARD}",
        subtitle=meta.subtitle,
        detail=doc_context["date"] or None,
    )
    pdf_name = f"{slug}.{lang}.pdf"
    context = ctx.build(
        kind="briefing",
        title=f"{meta.title} · {site.title}",
        description=meta.summary or meta.subtitle,
        alternates={other: page_path(other, slug) for other in translations},
        switcher=switcher,
        fonts=fonts,
        card=card.path,
        card_alt=meta.title,
        og_type="article",
        og_title=meta.title,
        extra={
            "pdf": {"href": pdf_name, "url": site.url(f"{lang}/{slug}/{pdf_name}") or pdf_name} if pdf else None,
            "counter_style": layouts.settings.digits_for(lang).counter_style,
            # What a search result shows: plain text, with runs of the other direction isolated.
            "search_title": isolate_plain(meta.title, ctx.direction),
            "search_summary": isolate_plain(meta.summary or meta.subtitle or "", ctx.direction),
        },
    )
    context["doc"] = doc_context
    search = context["page"]["search"]
    if search is not None and lang.split("-")[0] == "ar":
        search["variants"] = arabic_variants(" ".join(filter(None, [meta.title, meta.subtitle, doc.html])))
    return WebPage(here, _render(layouts, "web.html.j2", context, site, here), layouts, fonts, card)


def render_list_page(lang: str, catalogue: Catalogue, layouts: Layouts, site: Site) -> WebPage:
    """Render the list of briefings available in one language."""
    here = page_path(lang)
    ctx = _Context(layouts, site, catalogue, here, lang)
    sources = catalogue.in_language(lang)
    items = [_list_item(source, ctx) for source in sources]
    texts = [t for s in sources for t in (s.meta.title, s.meta.summary)]
    fonts = page_groups([lang], texts)
    # The site's own card: its name, what the page lists, in the page's language.
    card = Card(
        title=site.title,
        lang=lang,
        direction=ctx.direction,
        brand_line="",
        path=f"{lang}/{CARD}",
        subtitle=ctx.strings.gettext("Briefings"),
        detail=language_name(lang),
    )
    alternates = {other: page_path(other) for other in catalogue.languages} | {"x-default": HOME}
    context = ctx.build(
        kind="list",
        title=f"{ctx.strings.gettext('Briefings')} · {site.title}",
        description=None,
        alternates=alternates,
        switcher=[ctx.language(other, page_path(other)) for other in catalogue.languages if other != lang],
        fonts=fonts,
        card=card.path,
        card_alt=f"{site.title} · {ctx.strings.gettext('Briefings')}",
    )
    context["items"] = items
    return WebPage(here, _render(layouts, "list.html.j2", context, site, here), layouts, fonts, card)


def _list_item(source: Source, ctx: _Context) -> dict[str, Any]:
    meta = source.meta
    return {
        "title": Markup(isolate_text(meta.title, ctx.direction)),
        "summary": Markup(isolate_text(meta.summary, ctx.direction)) if meta.summary else None,
        "date": long_date(meta.date, source.locale),
        "date_iso": meta.date.isoformat() if meta.date else "",
        "draft": meta.translation == "draft",
        "href": ctx.href(page_path(source.lang, source.slug)),
    }


def render_home_page(catalogue: Catalogue, layouts: Layouts, site: Site) -> WebPage:
    """Render the entry page: a choice of language, each named in itself."""
    first = catalogue.languages[0] if catalogue.languages else "en"
    ctx = _Context(layouts, site, catalogue, HOME, first)
    choices = [
        {
            **ctx.language(lang, page_path(lang)),
            "label": layouts.strings(lang).gettext("Briefings"),
            "prompt": layouts.strings(lang).gettext("Choose a language"),
        }
        for lang in catalogue.languages
    ]
    # Each choice is labelled in its own language: the page holds every language's script.
    fonts = page_groups(catalogue.languages, [site.title])
    names = " · ".join(language_name(lang) for lang in catalogue.languages)
    card = Card(title=site.title, lang=first, direction=ctx.direction, brand_line="", path=CARD, subtitle=names)
    context = ctx.build(
        kind="home",
        title=site.title,
        description=None,
        alternates={"x-default": HOME} | {lang: page_path(lang) for lang in catalogue.languages},
        switcher=[ctx.language(lang, page_path(lang)) for lang in catalogue.languages if lang != first],
        fonts=fonts,
        card=CARD,
        card_alt=site.title,
        feeds=list(catalogue.languages) if site.feeds else [],
    )
    context["choices"] = choices
    return WebPage(HOME, _render(layouts, "home.html.j2", context, site, HOME), layouts, fonts, card)


def render_not_found_page(catalogue: Catalogue, layouts: Layouts, site: Site) -> WebPage:
    """Render the 404 page: the message in every language, styles inline, links from the site root."""
    first = catalogue.languages[0] if catalogue.languages else "en"
    ctx = _Context(layouts, site, catalogue, NOT_FOUND, first)
    messages = [
        {**ctx.language(lang, page_path(lang)), "strings": layouts.strings(lang)} for lang in catalogue.languages
    ]
    fonts = page_groups(catalogue.languages, [])
    inline = []
    for path, media in web_stylesheets(layouts):
        css = path.read_text(encoding="utf-8")
        if "</" in css:
            raise TemplateError("a stylesheet may not contain '</'", hint=f"check {layouts.project.relative(path)}")
        # Trusted like the templates: the brand's own stylesheet, checked not to close <style>.
        inline.append({"text": Markup(css), "media": media})
    context = ctx.build(
        kind="not-found",
        title=f"{ctx.strings.gettext('Page not found')} · {site.title}",
        description=None,
        alternates={lang: page_path(lang) for lang in catalogue.languages},
        switcher=[ctx.language(lang, page_path(lang)) for lang in catalogue.languages if lang != first],
        fonts=fonts,
        card=CARD,
        card_alt=site.title,
        feeds=[],
        # No canonical address: the page stands for every address that does not exist.
        extra={"base": site.base_url, "inline_styles": inline, "robots": "noindex", "url": None},
    )
    context["stylesheets"] = []
    context["messages"] = messages
    return WebPage(NOT_FOUND, _render(layouts, "404.html.j2", context, site, NOT_FOUND), layouts, fonts)


def write_page(page: WebPage) -> Path:
    """Write a rendered page to its place in the site."""
    atomic_write_text(page.rendered.out_path, page.rendered.html)
    return page.rendered.out_path
