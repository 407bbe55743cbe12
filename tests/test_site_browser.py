"""Every page type in every language, in Debian's Chromium at 320 and 1280 px: what readers get.

For each page: no horizontal scrolling, the right `lang` and direction, language-switcher links
that lead to a page in the language they name, the fonts it loads, and no axe-core violations.
With PUBLISH_SCREENSHOTS=DIR, a full-page screenshot of each is saved there for review.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from .conftest import BRIEFINGS, DIRS, LANGS, ROOT, MakeProject, links_of

AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (320, 1280)
# Page type, language, site path. The entry and 404 pages hold every language; their own is the first.
PAGES = (
    [("home", "en", "index.html"), ("404", "en", "404.html")]
    + [("list", lang, f"{lang}/index.html") for lang in LANGS]
    + [("briefing", lang, f"{lang}/{slug}/index.html") for slug in BRIEFINGS for lang in LANGS]
)


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail("axe-core is not installed; `make setup` runs npm ci in tests/")
        pytest.skip("axe-core is not installed (run: npm ci --prefix tests)")
    return AXE.read_text(encoding="utf-8")


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("PUBLISH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }))"""

STATE = """() => {
  const root = document.documentElement;
  const blocks = [...document.querySelectorAll('main [lang]')].map(e => ({
    lang: e.getAttribute('lang'), direction: getComputedStyle(e).direction }));
  return {
    lang: root.lang,
    dir: root.dir,
    direction: getComputedStyle(root).direction,
    scrollWidth: Math.max(root.scrollWidth, document.body.scrollWidth),
    innerWidth: window.innerWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 || e.getBoundingClientRect().left < -1)
      .filter(e => !e.closest('.skip-link'))
      .slice(0, 5).map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 60)),
    blocks,
    switcher: [...document.querySelectorAll('.language-switcher a')].map(a => ({
      href: a.href, lang: a.lang, hreflang: a.hreflang, text: a.textContent })),
    fontsLoaded: [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family.replace(/"/g, '')),
  };
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("kind", "lang", "path"), PAGES, ids=[p[2].replace("/index.html", "") for p in PAGES])
def test_page_in_browser(built: Path, browser, axe_source: str, kind: str, lang: str, path: str, width: int) -> None:
    site = built / "site"
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    fonts_fetched: list[str] = []
    page.on("request", lambda r: fonts_fetched.append(r.url) if r.url.endswith(".woff2") else None)
    try:
        page.goto((site / path).as_uri())
        page.wait_for_load_state("load")
        page.evaluate("document.fonts.ready.then(() => true)")
        state = page.evaluate(STATE)
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(AXE_RUN)
        name = path.removesuffix("/index.html").removesuffix(".html").replace("/", ".")
        _screenshot(page, f"{kind}.{name}.{width}.png")
    finally:
        context.close()

    assert (state["lang"], state["dir"], state["direction"]) == (lang, DIRS[lang], DIRS[lang])
    assert state["scrollWidth"] <= state["innerWidth"], f"horizontal scrolling at {width} px: {state['wide']}"
    for block in state["blocks"]:
        if block["lang"] in DIRS:
            assert block["direction"] == DIRS[block["lang"]], block
    assert not violations, "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in violations)

    # The switcher offers every other language, each named in itself and leading to a page in it.
    assert {link["hreflang"] for link in state["switcher"]} == set(LANGS) - {lang}
    for link in state["switcher"]:
        assert link["lang"] == link["hreflang"]
        target = Path(unquote(urlsplit(link["href"]).path))
        assert target.is_file(), f"{link['href']} does not exist"
        assert links_of(target).root["lang"] == link["lang"]

    # The Arabic fonts (subset for this language) load only on pages that hold Arabic text;
    # the others get at most the tiny subset that writes "العربية" in the switcher. The entry
    # and 404 pages speak every language.
    arabic = [url for url in fonts_fetched if "Arabic" in url]
    has_arabic = lang == "ar" or kind in ("home", "404") or (kind == "briefing" and _body_has_arabic(site / path))
    if has_arabic:
        assert any(f"/{lang}/Noto" in url for url in arabic), fonts_fetched
    else:
        assert all("/names/" in url for url in arabic), arabic
    assert fonts_fetched and all("/assets/fonts/" in url for url in fonts_fetched), fonts_fetched


def _body_has_arabic(page: Path) -> bool:
    from publish.direction import is_arabic

    html = page.read_text(encoding="utf-8")
    body = html[html.index('<main id="content"') :]
    return any(is_arabic(c) for c in body)


def test_skip_link_and_focus_are_visible(built: Path, browser) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 700})
    page = context.new_page()
    try:
        page.goto((built / "site" / "ar" / "we-exist-2020" / "index.html").as_uri())
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement, r = e.getBoundingClientRect(), s = getComputedStyle(e);
                       return {cls: e.className, top: r.top, left: r.left, right: r.right, outline: s.outlineStyle,
                               width: s.outlineWidth}; }"""
        )
        page.keyboard.press("Enter")
        after = page.evaluate("() => document.activeElement.id")
    finally:
        context.close()
    assert focused["cls"] == "skip-link"
    assert focused["top"] >= 0 and focused["left"] >= 0 and focused["right"] <= 320, focused
    assert focused["outline"] == "solid" and focused["width"] != "0px", focused
    assert after == "content"


def test_print_from_the_browser_shows_the_pdf_address_and_no_navigation(built: Path, browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto((built / "site" / "fr" / "we-exist-2020" / "index.html").as_uri())
        page.emulate_media(media="print")
        state = page.evaluate(
            """() => ({
                nav: getComputedStyle(document.querySelector('.language-switcher')).display,
                footer: getComputedStyle(document.querySelector('.site-footer')).display,
                note: document.querySelector('.pdf-link .print-only').innerText,
                noteShown: getComputedStyle(document.querySelector('.pdf-link .print-only')).display,
                heading: getComputedStyle(document.querySelector('.briefing-body h2')).fontSize,
                headingBreak: getComputedStyle(document.querySelector('.briefing-body h2')).breakAfter,
            })"""
        )
        pdf = page.pdf(format="A4")
    finally:
        context.close()
    assert state["nav"] == "none" and state["footer"] == "none"
    assert state["noteShown"] != "none"
    assert "we-exist-2020.fr.pdf" in state["note"]
    # Sized and kept with what follows as in the PDFs: both take it from print-common.css.
    assert (state["heading"], state["headingBreak"]) == ("20px", "avoid")  # 15pt
    assert pdf.startswith(b"%PDF")


# --- tables, column lists and long addresses, mirrored ---------------------------------------

LONG_URL = "https://example.org/this/is/a/really/long/address/that/must/wrap/on/a/phone/screen/of/three/hundred/pixels"
MIRRORED = {
    "en": "---\ntitle: Layout\n---\n\n| Name | City | Address |\n|---|---|---|\n| Amal | Idlib | <{url}> |\n\n"
    "{{.columns}}\n- One\n- Two\n- Three\n- Four\n- Five\n- Six\n- Seven\n- Eight\n\nSee <{url}>.\n",
    "ar": "---\ntitle: تخطيط\n---\n\n| الاسم | المدينة | العنوان |\n|---|---|---|\n| أمل | إدلب | <{url}> |\n\n"
    "{{.columns}}\n- واحد\n- اثنان\n- ثلاثة\n- أربعة\n- خمسة\n- ستة\n- سبعة\n- ثمانية\n\nانظر <{url}>.\n",
}


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory: pytest.TempPathFactory, make_project: MakeProject) -> Path:
    from publish import build
    from publish.model import OutputFormat

    root = make_project(tmp_path_factory.mktemp("mirrored"), '[project]\ntitle = "Layout"\nlanguages = ["en", "ar"]\n')
    for lang, text in MIRRORED.items():
        path = root / "briefings" / "layout" / f"{lang}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(url=LONG_URL), encoding="utf-8")
    assert build(project_root=root, formats=[OutputFormat.HTML]).ok
    return root / "build" / "site"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_tables_column_lists_and_long_addresses_mirror_and_fit(mirrored: Path, browser, lang: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto((mirrored / lang / "layout" / "index.html").as_uri())
        page.evaluate("document.fonts.ready.then(() => true)")
        state = page.evaluate(
            """() => {
                const x = e => e.getBoundingClientRect();
                const ths = [...document.querySelectorAll('th')], items = [...document.querySelectorAll('.columns li')];
                return {
                    scrollWidth: document.documentElement.scrollWidth, innerWidth: innerWidth,
                    firstTh: x(ths[0]).left, lastTh: x(ths[ths.length - 1]).left,
                    firstItem: x(items[0]).left, lastItem: x(items[items.length - 1]).left,
                    columns: new Set(items.map(i => Math.round(x(i).left))).size,
                };
            }"""
        )
        _screenshot(page, f"layout.{lang}.{width}.png")
    finally:
        context.close()
    assert state["scrollWidth"] <= state["innerWidth"], state
    # The first column of the table, and the first column of the list, are at the start side.
    if lang == "ar":
        assert state["firstTh"] > state["lastTh"]
    else:
        assert state["firstTh"] < state["lastTh"]
    if width >= 1280:
        assert state["columns"] >= 2
        assert (state["firstItem"] > state["lastItem"]) == (lang == "ar")
