"""The web site's files: output contract, lang/dir, relative links, language versions, social meta, sitemap."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from publish import build
from publish.errors import ConfigError
from publish.model import OutputFormat

from .conftest import BRIEFINGS, DIRS, LANGS, ROOT, MakeProject, links_of, site_pages

NAMES = {"en": "English", "ar": "العربية", "fr": "Français"}


def test_output_contract(built: Path) -> None:
    site = built / "site"
    assert (site / "index.html").is_file()
    assert (site / "404.html").is_file()
    assert (site / "sitemap.xml").is_file()
    for lang in LANGS:
        assert (site / lang / "index.html").is_file()
        assert (site / lang / "card.png").is_file()
        for slug in BRIEFINGS:
            assert (site / lang / slug / "index.html").is_file()
            assert (site / lang / slug / "card.png").is_file()
            assert (site / lang / slug / f"{slug}.{lang}.pdf").is_file()
            assert (built / "pdf" / f"{slug}.{lang}.pdf").is_file()
    # Only the subsets and the fonts' licence: the full TrueType files are for print.
    assert not list(site.rglob("*.ttf"))
    assert (site / "assets" / "fonts" / "OFL-Noto.txt").is_file()


def test_every_link_is_relative_and_resolves(built: Path) -> None:
    site = built / "site"
    for page in site_pages(site):
        for link in links_of(page).links:
            href = link["href"]
            if urlsplit(href).scheme or href.startswith("#"):
                continue
            assert not href.startswith("/"), f"absolute link {href} in {page} breaks serving from a sub-path"
            target = (page.parent / urlsplit(href).path).resolve()
            assert target.is_file(), f"{href} in {page.relative_to(site)} points nowhere"
            assert target.is_relative_to(site.resolve())


@pytest.mark.parametrize("slug", BRIEFINGS)
@pytest.mark.parametrize("lang", LANGS)
def test_briefing_page_language_versions_and_pdf(built: Path, slug: str, lang: str) -> None:
    page = built / "site" / lang / slug / "index.html"
    parsed = links_of(page)
    assert parsed.root == {"lang": lang, "dir": DIRS[lang]}
    alternates = {link["hreflang"]: link["href"] for link in parsed.links if link.get("rel") == "alternate"}
    assert alternates == {
        other: ("index.html" if other == lang else f"../../{other}/{slug}/index.html") for other in LANGS
    }
    switcher = [link for link in parsed.links if link["tag"] == "a" and link.get("hreflang") and link.get("lang")]
    assert {link["hreflang"]: link["href"] for link in switcher} == {
        other: f"../../{other}/{slug}/index.html" for other in LANGS if other != lang
    }
    html = page.read_text(encoding="utf-8")
    for link in switcher:
        assert f'dir="{DIRS[link["lang"]]}">{NAMES[link["lang"]]}</a>' in html
    pdf = [link["href"] for link in parsed.links if link["href"].endswith(".pdf")]
    assert pdf == [f"{slug}.{lang}.pdf"]


@pytest.mark.parametrize("lang", LANGS)
def test_list_page_has_title_date_and_summary_of_each_briefing(built: Path, lang: str) -> None:
    from publish.config import load_project
    from publish.load import load_source

    project = load_project(ROOT)
    page = built / "site" / lang / "index.html"
    html = page.read_text(encoding="utf-8")
    parsed = links_of(page)
    assert parsed.root == {"lang": lang, "dir": DIRS[lang]}
    for slug in BRIEFINGS:
        meta = load_source(ROOT / "briefings" / slug / f"{lang}.md", slug, project).meta
        assert f'href="{slug}/index.html"' in html
        text = re.sub(r"<[^>]+>", "", html)
        assert meta.title in text
        assert meta.summary and meta.summary in text
        if meta.date:  # as a reader of the language writes it (Arabic: publish.toml maps it to ar_SY)
            assert {"en": "December 9, 2020", "fr": "9 décembre 2020", "ar": "9 كانون الأول 2020"}[lang] in text
    alternates = {link["hreflang"] for link in parsed.links if link.get("rel") == "alternate"}
    assert alternates == {*LANGS, "x-default"}


def test_entry_page_names_each_language_in_itself(built: Path) -> None:
    page = built / "site" / "index.html"
    html = page.read_text(encoding="utf-8")
    for lang in LANGS:
        assert re.search(
            rf'<li lang="{lang}" dir="{DIRS[lang]}">\s*<a href="{lang}/index.html" hreflang="{lang}">', html
        )
        assert NAMES[lang] in html
    alternates = {link["hreflang"]: link["href"] for link in links_of(page).links if link.get("rel") == "alternate"}
    assert alternates == {"x-default": "index.html", **{lang: f"{lang}/index.html" for lang in LANGS}}


def test_not_found_page_speaks_every_language_and_needs_no_other_file_for_its_layout(built: Path) -> None:
    page = built / "site" / "404.html"
    html = page.read_text(encoding="utf-8")
    parsed = links_of(page)
    assert parsed.meta["robots"] == ["noindex"]
    for lang in LANGS:
        assert f'<section class="not-found" lang="{lang}" dir="{DIRS[lang]}"' in html
        assert f'href="{lang}/index.html"' in html
    # Servers show it at any depth: the layout is inline, only fonts are linked.
    assert "<style>" in html and 'media="print"' in html
    assert not [link for link in parsed.links if link.get("rel") == "stylesheet" and "/fonts/" not in link["href"]]


@pytest.mark.parametrize("path", ["index.html", "404.html", "ar/index.html", "fr/we-exist-2020/index.html"])
def test_social_meta_in_every_page_type(built: Path, path: str) -> None:
    meta = links_of(built / "site" / path).meta
    for key in (
        "og:title",
        "og:type",
        "og:image",
        "og:image:alt",
        "og:locale",
        "og:site_name",
        "twitter:card",
        "twitter:title",
        "twitter:image",
    ):
        assert meta.get(key) and meta[key][0], f"{key} missing in {path}"
    assert meta["og:image:width"] == ["1200"] and meta["og:image:height"] == ["630"]
    assert meta["twitter:card"] == ["summary_large_image"]
    if path.endswith("we-exist-2020/index.html"):
        assert meta["og:type"] == ["article"]
        assert meta["og:title"] == ["Rapport narratif 2020"]
        assert meta["og:image"] == ["card.png"]  # relative: the project sets no base_url
        assert meta["og:locale"] == ["fr_FR"]
        assert sorted(meta["og:locale:alternate"]) == ["ar_SY", "en_US"]  # publish.toml: [locales] ar = "ar_SY"
        assert meta["og:description"][0].startswith("Comment l’alliance We Exist!")


def test_sitemap_lists_every_page_with_its_language_versions(built: Path) -> None:
    site = built / "site"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.parse(site / "sitemap.xml").getroot()
    urls = {u.find("s:loc", ns).text: u for u in root.findall("s:url", ns)}
    expected = {"index.html"} | {f"{lang}/index.html" for lang in LANGS}
    expected |= {f"{lang}/{slug}/index.html" for lang in LANGS for slug in BRIEFINGS}
    assert set(urls) == expected
    for loc, url in urls.items():
        assert (site / loc).is_file()
        versions = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)}
        if loc.count("/") == 2:
            slug = loc.split("/")[1]
            assert versions == {lang: f"{lang}/{slug}/index.html" for lang in LANGS}
        else:
            assert versions["x-default"] == "index.html"


def test_arabic_runs_are_isolated_in_the_page(built: Path) -> None:
    html = (built / "site" / "ar" / "idlib-statement-2020" / "index.html").read_text(encoding="utf-8")
    # List items keep the list's direction; their Latin or Arabic content is isolated.
    assert re.search(r'<li[^>]*><bdi dir="ltr">Syrians for Truth and Justice-STJ</bdi></li>', html)
    assert re.search(r'<li[^>]*>مزايا النسائية . <bdi dir="ltr">Mazaya Women Org\.?</bdi>\.?</li>', html)
    english = (built / "site" / "en" / "idlib-statement-2020" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<bdi dir="rtl" lang="ar">مزايا النسائية</bdi> . Mazaya Women Org\.', english)
    # The site's Latin name in the Arabic header is isolated too.
    assert '<a class="site-title" href="../index.html"><bdi dir="ltr">We Exist! publications</bdi></a>' in html


# --- a small project: a briefing not translated into every language, a base URL ---------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, make_project: MakeProject) -> Path:
    """A project with "both" in English and Arabic, "english-only" in English, and a base URL."""
    root = make_project(
        tmp_path_factory.mktemp("small"),
        '[project]\ntitle = "Small"\nlanguages = ["en", "ar"]\nbase_url = "https://example.org/briefings"\n',
    )
    for name, text in {
        "both/en.md": "---\ntitle: Both\nsummary: In two languages.\n---\n\nHello.\n",
        "both/ar.md": "---\ntitle: كلاهما\nsummary: بلغتين.\n---\n\nمرحبا.\n",
        "english-only/en.md": "---\ntitle: English only\n---\n\n- a\n- b\n\nŁódź.\n",
    }.items():
        path = root / "briefings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = build(project_root=root, formats=[OutputFormat.HTML])
    assert result.ok, result.errors
    return root / "build" / "site"


def test_switcher_falls_back_to_the_list_page_when_a_translation_is_missing(small: Path) -> None:
    parsed = links_of(small / "en" / "english-only" / "index.html")
    switcher = [link for link in parsed.links if link["tag"] == "a" and link.get("lang")]
    assert [(link["lang"], link["href"]) for link in switcher] == [("ar", "../../ar/index.html")]
    alternates = {link["hreflang"] for link in parsed.links if link.get("rel") == "alternate"}
    assert alternates == {"en"}  # no Arabic version to announce
    both = links_of(small / "ar" / "both" / "index.html")
    assert [(link["lang"], link["href"]) for link in both.links if link["tag"] == "a" and link.get("lang")] == [
        ("en", "../../en/both/index.html")
    ]


def test_base_url_makes_cards_canonical_and_sitemap_absolute(small: Path) -> None:
    parsed = links_of(small / "ar" / "both" / "index.html")
    assert parsed.meta["og:image"] == ["https://example.org/briefings/ar/both/card.png"]
    assert parsed.meta["og:url"] == ["https://example.org/briefings/ar/both/index.html"]
    canonical = [link["href"] for link in parsed.links if link.get("rel") == "canonical"]
    assert canonical == ["https://example.org/briefings/ar/both/index.html"]
    # Page links stay relative all the same.
    assert all(not urlsplit(link["href"]).scheme for link in parsed.links if link.get("rel") != "canonical")
    sitemap = (small / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/briefings/en/english-only/index.html</loc>" in sitemap
    assert 'hreflang="ar" href="https://example.org/briefings/ar/both/index.html"' in sitemap
    assert '<base href="https://example.org/briefings/">' in (small / "404.html").read_text(encoding="utf-8")


def test_building_one_language_keeps_the_others_in_the_navigation(small: Path) -> None:
    project = small.parent.parent
    (small / "en" / "index.html").unlink()
    result = build(project_root=project, formats=[OutputFormat.HTML], langs=["ar"])
    assert result.ok
    english_list = (small / "en" / "index.html").read_text(encoding="utf-8")
    assert "English only" in english_list and "Both" in english_list
    parsed = links_of(small / "ar" / "both" / "index.html")
    assert ("en", "../../en/both/index.html") in [(link.get("lang"), link["href"]) for link in parsed.links]
    # The English subsets were made again (the English list page changed) and still hold the
    # characters of the English page this build did not touch.
    from fontTools.ttLib import TTFont

    css = (small / "assets" / "fonts" / "base" / "en" / "latn.css").read_text(encoding="utf-8")
    serif = re.search(r'"Noto Serif";\s*font-style: normal;\s*font-weight: 400;.*?url\("([^"]+)"\)', css, re.S)
    assert serif
    assert {ord("Ł"), ord("ó"), ord("ź")} <= set(
        TTFont(small / "assets" / "fonts" / "base" / "en" / serif.group(1)).getBestCmap()
    )


def test_base_url_must_be_absolute(tmp_path: Path) -> None:
    (tmp_path / "publish.toml").write_text('[project]\nbase_url = "/briefings/"\n')
    with pytest.raises(ConfigError, match=re.escape('"project.base_url" must be an absolute URL')):
        build(project_root=tmp_path)
