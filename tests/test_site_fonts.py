"""Web fonts: WOFF2 subsets per language that hold every character of their pages, and are small."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from publish.config import load_project
from publish.direction import is_arabic
from publish.load import load_briefing
from publish.site.fonts import subset_font, unicode_range

from .conftest import BRIEFINGS, LANGS, ROOT, links_of, site_pages

_FACE = re.compile(r'@font-face \{\s*font-family: "([^"]+)";.*?src: url\("([^"]+)"\)', re.S)


def font_files(css: Path) -> dict[str, Path]:
    """Map each subset file a font stylesheet loads to its family."""
    return {css.parent / url: family for family, url in _FACE.findall(css.read_text(encoding="utf-8"))}


def original(subset: Path) -> Path:
    return ROOT / "fonts" / f"{subset.name.split('.')[0]}.ttf"


@functools.cache
def cmap(path: Path) -> frozenset[int]:
    """Return the code points a font file maps to glyphs."""
    return frozenset(TTFont(path).getBestCmap())


# The text a reader's browser shows: every text node of the body but scripts and styles, the
# images' alt texts, and the strings stylesheets add before and after elements. Read by Chromium
# from the page and its styles, not by publish's own reader (publish.site.fonts.page_text), so a
# character that reader misses is missed by the subsets and found here.
SHOWN_TEXT = r"""() => {
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest('script, style, template')) parts.push(node.data);
  }
  for (const element of document.body.querySelectorAll('*')) {
    if (element.alt) parts.push(element.alt);
    for (const pseudo of ['::before', '::after']) {
      for (const match of getComputedStyle(element, pseudo).content.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
        parts.push(match[1]);
      }
    }
  }
  return parts.join('');
}"""


def test_every_character_of_every_page_is_in_the_subsets_it_loads(built: Path, browser) -> None:
    site = built / "site"
    context = browser.new_context()
    page_in_browser = context.new_page()
    try:
        shown_by_page = {}
        for page in site_pages(site):
            page_in_browser.goto(page.as_uri())
            shown_by_page[page] = page_in_browser.evaluate(SHOWN_TEXT)
    finally:
        context.close()
    # It reads what the page shows: a briefing's title, the arrow its stylesheet puts before the PDF link.
    assert "Narrative report 2020" in shown_by_page[site / "en" / "we-exist-2020" / "index.html"]
    assert "↓" in shown_by_page[site / "en" / "we-exist-2020" / "index.html"]
    for page, shown_text in shown_by_page.items():
        sheets = [page.parent / link["href"] for link in links_of(page).links if "/fonts/" in link.get("href", "")]
        assert sheets, f"{page} loads no fonts"
        text = {ord(c) for c in shown_text if not c.isspace()}
        served: dict[Path, frozenset[int]] = {}
        for sheet in sheets:
            subsets = font_files(sheet.resolve())
            assert subsets, f"{sheet} names no font file"
            for subset in subsets:
                served[subset] = cmap(subset)
        for subset, kept in served.items():
            full = cmap(original(subset))
            # A character the full font has must be in its subset when the page shows it; the
            # language-names subsets serve only the Arabic letters of "العربية" on pages without Arabic.
            shown = text & full
            if "/names/" in subset.as_posix():
                shown = {c for c in shown if is_arabic(chr(c))}
            missing = shown - kept
            assert not missing, (
                f"{subset.relative_to(site)} lacks {''.join(map(chr, sorted(missing)))!r} of {page.relative_to(site)}"
            )


def test_subsets_are_woff2_and_much_smaller_than_the_fonts(built: Path) -> None:
    subsets = sorted((built / "site" / "assets" / "fonts").rglob("*.woff2"))
    assert subsets
    for subset in subsets:
        assert subset.read_bytes()[:4] == b"wOF2"
        assert subset.stat().st_size < original(subset).stat().st_size / 5, subset
    # Each brand has subsets of its own (its pages' text in its faces).
    for brand in sorted({s.relative_to(built / "site" / "assets" / "fonts").parts[0] for s in subsets}):
        total = sum(s.stat().st_size for s in subsets if f"/fonts/{brand}/" in s.as_posix())
        assert total < 600_000, f"{total} bytes of fonts for the pages of {brand}"


@pytest.mark.parametrize("lang", LANGS)
def test_font_stylesheets_swap_and_name_their_ranges(built: Path, lang: str) -> None:
    brand = load_project(ROOT).default_brand  # the brand of the list pages
    css = (built / "site" / "assets" / "fonts" / brand / lang / "latn.css").read_text(encoding="utf-8")
    rules = css.count("@font-face")
    assert rules >= 6  # Noto Serif ×4, Noto Sans ×2
    assert css.count("font-display: swap;") == rules
    assert css.count("unicode-range: U+") == rules
    assert css.count('format("woff2")') == rules


def test_arabic_fonts_only_on_pages_with_arabic(built: Path) -> None:
    site = built / "site"

    def font_sheets(path: str) -> list[str]:
        return [
            link["href"].split("assets/fonts/")[1] for link in links_of(site / path).links if "/fonts/" in link["href"]
        ]

    project = load_project(ROOT)
    home = project.default_brand  # the brand of the entry and list pages
    assert font_sheets("en/index.html") == [f"{home}/en/latn.css", f"{home}/names/arab.css"]
    assert font_sheets("ar/index.html") == [f"{home}/ar/latn.css", f"{home}/ar/arab.css"]
    # A briefing page loads them when its content holds Arabic (an English page quoting Arabic
    # does), and otherwise only the names subset for the language switcher.
    for lang in LANGS:
        for slug in BRIEFINGS:
            brand = load_briefing(ROOT / "briefings" / slug, project).brand or home
            path = f"{lang}/{slug}/index.html"
            html = (site / path).read_text(encoding="utf-8")
            content = html[html.index('<main id="content"') :]
            if lang == "ar" or any(is_arabic(c) for c in content):
                assert font_sheets(path) == [f"{brand}/{lang}/latn.css", f"{brand}/{lang}/arab.css"]
            else:
                assert font_sheets(path) == [f"{brand}/{lang}/latn.css", f"{brand}/names/arab.css"]
    festival = "syrien-nest-fait"
    assert font_sheets("en/syrien-nest-fait-2020/index.html") == [f"{festival}/en/latn.css", f"{festival}/en/arab.css"]
    # The names subset is tiny: just "العربية".
    names = list((site / "assets" / "fonts" / home / "names").glob("*.woff2"))
    assert names and all(p.stat().st_size < 4_000 for p in names)


def test_subsetting_keeps_arabic_shaping() -> None:
    # The joining forms and lam-alef come from GSUB, not from the characters: they must survive.
    word = "السلام"
    data = subset_font(ROOT / "fonts" / "NotoNaskhArabic-Regular.ttf", {ord(c) for c in word})
    from io import BytesIO

    font = TTFont(BytesIO(data))
    features = {record.FeatureTag for record in font["GSUB"].table.FeatureList.FeatureRecord}
    assert {"init", "medi", "fina", "rlig"} <= features
    assert len(font.getGlyphOrder()) > len(set(word)) + 1  # contextual forms kept beyond one glyph per letter


def test_unicode_range_joins_consecutive_code_points() -> None:
    assert unicode_range([0x41, 0x42, 0x43, 0x20, 0x627]) == "U+20, U+41-43, U+627"


def test_briefings_are_all_served(built: Path) -> None:
    # Guard against a stale subset: every font stylesheet a page links, and every file it names, exists.
    for lang in LANGS:
        for slug in BRIEFINGS:
            page = built / "site" / lang / slug / "index.html"
            for link in links_of(page).links:
                if "/fonts/" in link["href"]:
                    sheet = page.parent / link["href"]
                    assert sheet.is_file(), sheet
                    assert all(subset.is_file() for subset in font_files(sheet)), sheet
