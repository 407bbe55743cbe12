"""The web version: output paths, lang/dir, language links, and a real browser on the Arabic page."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import BRIEFINGS, LANGS, require_tool

DIRS = {"en": "ltr", "fr": "ltr", "ar": "rtl"}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root: dict[str, str] = {}
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        data = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.root = data
        if tag in ("a", "link") and "href" in data:
            self.links.append({"tag": tag, **data})


def links_of(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_output_contract(built: Path) -> None:
    site = built / "site"
    assert (site / "index.html").is_file()
    for lang in LANGS:
        assert (site / lang / "index.html").is_file()
        for slug in BRIEFINGS:
            assert (site / lang / slug / "index.html").is_file()
            assert (built / "pdf" / f"{slug}.{lang}.pdf").is_file()


@pytest.mark.parametrize("slug", BRIEFINGS)
@pytest.mark.parametrize("lang", LANGS)
def test_page_language_direction_and_links(built: Path, slug: str, lang: str) -> None:
    page = built / "site" / lang / slug / "index.html"
    parsed = links_of(page)
    assert parsed.root == {"lang": lang, "dir": DIRS[lang]}
    alternates = {link["hreflang"]: link["href"] for link in parsed.links if link.get("rel") == "alternate"}
    assert set(alternates) == set(LANGS)
    switcher = [link for link in parsed.links if link["tag"] == "a" and link.get("hreflang")]
    assert {link["hreflang"] for link in switcher} == set(LANGS) - {lang}
    assert all(link["lang"] == link["hreflang"] for link in switcher)
    for link in parsed.links:
        href = link["href"]
        if urlsplit(href).scheme or href.startswith("#"):
            continue
        assert not href.startswith("/"), f"absolute link {href} breaks serving from a sub-path"
        target = (page.parent / urlsplit(href).path).resolve()
        assert target.is_file(), f"{href} in {page} points nowhere"
    pdf = [link["href"] for link in parsed.links if link["href"].endswith(".pdf")]
    assert pdf == [f"{slug}.{lang}.pdf"]


def test_arabic_runs_are_isolated_in_the_page(built: Path) -> None:
    html = (built / "site" / "ar" / "idlib-statement-2020" / "index.html").read_text(encoding="utf-8")
    # A Latin-only signatory inside the Arabic statement is isolated left to right in its item …
    assert '<li><bdi dir="ltr">Syrians for Truth and Justice-STJ</bdi></li>' in html
    # … and a bilingual one stays right to left with its Latin part isolated.
    assert '<li>مزايا النسائية - <bdi dir="ltr">Mazaya Women Org</bdi>.</li>' in html
    english = (built / "site" / "en" / "idlib-statement-2020" / "index.html").read_text(encoding="utf-8")
    assert '<bdi dir="rtl" lang="ar">مزايا النسائية</bdi> - Mazaya Women Org.' in english


def _chromium():
    executable = require_tool("chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    return executable, sync_api


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    executable, sync_api = _chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        # Debian's Chromium as root in a sandbox: no sandbox, no GPU, and no background
        # networking (this machine has no network; Chromium would keep trying).
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
            viewport={"width": 375, "height": 800},
        )
        yield context
        context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_browser_direction_and_no_horizontal_overflow(built: Path, browser, lang: str) -> None:
    page = browser.new_page()
    try:
        page.goto((built / "site" / lang / "we-exist-2020" / "index.html").as_uri())
        page.wait_for_load_state("load")
        state = page.evaluate(
            """() => ({
                direction: getComputedStyle(document.documentElement).direction,
                bodyFont: getComputedStyle(document.body).fontFamily,
                scrollWidth: document.documentElement.scrollWidth,
                innerWidth: window.innerWidth,
                latinRun: (() => { const b = document.querySelector('main bdi[dir=ltr]');
                                   return b ? getComputedStyle(b).direction : null; })(),
                fontsLoaded: [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family),
            })"""
        )
        screenshots = os.environ.get("PUBLISH_SCREENSHOTS")
        if screenshots:
            page.screenshot(path=str(Path(screenshots) / f"we-exist-2020.{lang}.375.png"))
    finally:
        page.close()
    assert state["direction"] == DIRS[lang]
    assert state["scrollWidth"] <= state["innerWidth"], state
    if lang == "ar":
        assert state["latinRun"] == "ltr"
        assert state["bodyFont"].startswith('"Noto Naskh Arabic"')
        assert any("Naskh" in f for f in state["fontsLoaded"]), state["fontsLoaded"]
    else:
        assert any(f.strip('"') == "Noto Serif" for f in state["fontsLoaded"]), state["fontsLoaded"]
