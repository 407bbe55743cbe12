"""Search and feeds (issue 18): Pagefind's index per language, the search box in Chromium served from
a sub-path and from disk, Arabic variants, the index's record and bytes, and the Atom feeds."""

from __future__ import annotations

import datetime
import functools
import http.server
import re
import shutil
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from publish import build
from publish.model import OutputFormat

from .conftest import ROOT, MakeProject, write

EPOCH = 1_700_000_000
STAMP = "2023-11-14T22:13:20Z"
"""SOURCE_DATE_EPOCH as Atom writes it: the date of a briefing without one in its front matter."""

TORTURE = {
    "en": "---\ntitle: Detention report\ndate: 2021-05-04\nsummary: What detainees told us.\n---\n\n"
    "Detainees were subjected to torture in the prisons, and families searched for the disappeared.\n",
    # "torture" is a French word too: an English search for it must still find only English pages.
    "fr": "---\ntitle: Rapport sur la détention\ndate: 2021-05-04\nsummary: Ce que les détenus nous ont dit.\n---\n\n"
    "Les détenus ont subi la torture dans les prisons, et les familles ont cherché les disparus.\n",
    # للتعذيب (li- + the article), التَّعْذِيبِ with harakat, والاخْتِفاء (wa- before the article, harakat).
    "ar": "---\ntitle: تقرير عن الاحتجاز\ndate: 2021-05-04\n"
    "summary: ما رواه لنا المعتقلون لتحالف We Exist! في 2021.\n---\n\n"
    "تعرّض المعتقلون للتعذيب في السجون، ووثّقنا حالات التَّعْذِيبِ والاخْتِفاء القسري.\n",
}
SCHOOLS = {
    "en": "---\ntitle: Schools under fire\nsummary: Elections and schools.\n---\n\n"
    "The schools closed before the elections.\n",
    "fr": "---\ntitle: Les écoles sous le feu\nsummary: Élections et écoles.\n---\n\n"
    "Les écoles ont fermé avant les élections.\n",
    "ar": "---\ntitle: المدارس تحت النار\nsummary: الانتخابات والمدارس.\n---\n\nأُغلقت المدارس قبل الانتخابات.\n",
}


def _make(root: Path, make_project: MakeProject, config: str) -> Path:
    make_project(root, config=config, layouts=["base"])
    for lang in ("en", "fr", "ar"):
        write(root, f"briefings/torture/{lang}.md", TORTURE[lang])
        write(root, f"briefings/schools/{lang}.md", SCHOOLS[lang])
    return root


def _build(project: Path, out: Path, **kwargs) -> object:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        result = build(project_root=project, out=out, formats=[OutputFormat.HTML], **kwargs)
    assert result.ok, "\n".join(str(e) for e in result.errors)
    return result


@pytest.fixture(scope="module")
def searchable(tmp_path_factory: pytest.TempPathFactory, make_project: MakeProject) -> Path:
    """A project of two briefings in three languages, built with search; return the site folder."""
    root = _make(tmp_path_factory.mktemp("search"), make_project, '[project]\ntitle = "Alliance"\n')
    _build(root, root / "build")
    return root / "build" / "site"


# --- the index -------------------------------------------------------------------------------------


def test_index_per_language_of_briefing_pages_only(searchable: Path) -> None:
    import json

    bundle = searchable / "pagefind"
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["ar", "en", "fr"]  # sorted: the same bytes every run
    assert {lang: index["page_count"] for lang, index in entry["languages"].items()} == {"ar": 2, "en": 2, "fr": 2}
    # Only the parts the box loads: no ready-made UI, no highlighter, no language-neutral wasm.
    names = {p.name for p in bundle.iterdir() if p.is_file()}
    assert not {n for n in names if re.match(r"pagefind-(ui|component-ui|modular-ui|highlight)\.", n)}
    assert "wasm.unknown.pagefind" not in names
    assert {"pagefind.js", "pagefind-worker.js", "wasm.ar.pagefind"} <= names
    assert sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file()) < 5_000_000
    # Pagefind reads the briefing's article; the list, entry and 404 pages carry no indexed body.
    briefing = (searchable / "en" / "torture" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<article class="briefing" data-pagefind-body>', briefing)
    for other in ("index.html", "en/index.html", "404.html"):
        assert "data-pagefind-body" not in (searchable / other).read_text(encoding="utf-8")


def test_arabic_words_with_wa_before_the_article_are_indexed_without_it(searchable: Path) -> None:
    html = (searchable / "ar" / "torture" / "index.html").read_text(encoding="utf-8")
    hidden = re.search(r"<p hidden>(.*?)</p>", html)
    assert hidden is not None
    assert hidden.group(1).split() == ["الاختفاء"]  # from والاخْتِفاء: no harakat, no و
    assert "<p hidden>" not in (searchable / "en" / "torture" / "index.html").read_text(encoding="utf-8")


def test_index_is_byte_identical_from_run_to_run(searchable: Path, tmp_path: Path, make_project: MakeProject) -> None:
    root = _make(tmp_path / "again", make_project, '[project]\ntitle = "Alliance"\n')
    _build(root, tmp_path / "out")
    first, second = searchable / "pagefind", tmp_path / "out" / "site" / "pagefind"
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_no_op_build_does_not_index_again_and_a_change_does(tmp_path: Path, make_project: MakeProject) -> None:
    root = _make(tmp_path, make_project, '[project]\ntitle = "Alliance"\n')
    out = tmp_path / "build"
    _build(root, out)
    bundle = out / "site" / "pagefind"
    before = {p: p.stat().st_mtime_ns for p in bundle.rglob("*") if p.is_file()}
    result = _build(root, out)
    assert not result.made
    assert {p: p.stat().st_mtime_ns for p in bundle.rglob("*") if p.is_file()} == before
    entry = (bundle / "pagefind-entry.json").read_bytes()
    write(root, "briefings/schools/en.md", SCHOOLS["en"] + "\nA new paragraph about hospitals.\n")
    _build(root, out)
    assert (bundle / "pagefind-entry.json").read_bytes() != entry  # the English index changed


def test_sharded_builds_leave_the_index_to_the_merge(tmp_path: Path, make_project: MakeProject) -> None:
    root = _make(tmp_path, make_project, '[project]\ntitle = "Alliance"\n')
    out = tmp_path / "build"
    _build(root, out, shard=(1, 2))
    _build(root, out, shard=(2, 2))
    assert not (out / "site" / "pagefind").exists()
    _build(root, out)
    assert (out / "site" / "pagefind" / "pagefind.js").is_file()


def test_search_turned_off(tmp_path: Path, make_project: MakeProject) -> None:
    root = _make(tmp_path, make_project, '[project]\ntitle = "Alliance"\n')
    out = tmp_path / "build"
    _build(root, out)
    assert (out / "site" / "pagefind").is_dir()
    (root / "publish.toml").write_text('[project]\ntitle = "Alliance"\n\n[site]\nsearch = false\n', encoding="utf-8")
    _build(root, out)
    site = out / "site"
    assert not (site / "pagefind").exists()
    assert not (site / "assets" / "search.js").exists()
    for page in ("en/index.html", "ar/torture/index.html"):
        html = (site / page).read_text(encoding="utf-8")
        assert "site-search" not in html and "data-pagefind" not in html


def test_site_table_is_checked(tmp_path: Path, make_project: MakeProject) -> None:
    root = _make(tmp_path, make_project, '[project]\ntitle = "A"\n\n[site]\nsearch = "no"\nserch = true\n')
    from publish.config import load_project
    from publish.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_project(root)
    message = str(caught.value)
    assert 'publish.toml:5: "site.search" must be a bool' in message
    assert 'unknown key "site.serch" (did you mean "search"?)' in message


# --- feeds -----------------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _feed(site: Path, lang: str) -> ET.Element:
    root = ET.parse(site / lang / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    return root


def _entries(feed: ET.Element) -> list[dict[str, object]]:
    return [
        {
            "id": entry.findtext(f"{ATOM}id"),
            "title": entry.findtext(f"{ATOM}title"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "links": [link.attrib for link in entry.findall(f"{ATOM}link")],
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_feed_without_base_url(searchable: Path, lang: str) -> None:
    feed = _feed(searchable, lang)
    assert feed.get(XML_LANG) == lang
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", feed.findtext(f"{ATOM}id"))
    briefings = {"en": "Briefings", "fr": "Publications", "ar": "المنشورات"}[lang]
    assert feed.findtext(f"{ATOM}title") == f"{briefings} · Alliance"
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Alliance"
    assert feed.findtext(f"{ATOM}updated") == STAMP  # the newest entry's
    links = {link.get("rel"): link.attrib for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == {"rel": "self", "type": "application/atom+xml", "href": "feed.xml"}
    assert links["alternate"]["href"] == "index.html" and links["alternate"]["hreflang"] == lang
    entries = _entries(feed)
    # Newest first: the briefing without a date has the source date (SOURCE_DATE_EPOCH).
    schools, torture = entries
    assert schools["title"] == SCHOOLS[lang].split("title: ")[1].split("\n")[0]
    assert schools["updated"] == STAMP
    assert torture["updated"] == "2021-05-04T00:00:00Z"
    assert torture["title"] == TORTURE[lang].split("title: ")[1].split("\n")[0]
    assert torture["summary"] == TORTURE[lang].split("summary: ")[1].split("\n")[0]
    assert torture["links"] == [
        {"rel": "alternate", "type": "text/html", "hreflang": lang, "href": "torture/index.html"}
    ]
    for entry in entries:
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", entry["id"])
        href = entry["links"][0]["href"]
        assert (searchable / lang / href).is_file()
    # Ids are stable and distinct across languages.
    assert len({e["id"] for lang_ in ("en", "fr", "ar") for e in _entries(_feed(searchable, lang_))}) == 6


def test_every_page_of_a_language_links_its_feed(searchable: Path) -> None:
    for lang in ("en", "fr", "ar"):
        for page in (searchable / lang / "index.html", searchable / lang / "torture" / "index.html"):
            html = page.read_text(encoding="utf-8")
            feeds = re.findall(r'<link rel="alternate" type="application/atom\+xml" href="([^"]+)"', html)
            assert len(feeds) == 1, page
            assert (page.parent / feeds[0]).resolve() == (searchable / lang / "feed.xml").resolve()
    entry = (searchable / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'type="application/atom\+xml"', entry)) == 3


def test_feed_with_base_url(tmp_path: Path, make_project: MakeProject) -> None:
    config = '[project]\ntitle = "Alliance"\nbase_url = "https://example.org/briefings"\n'
    root = _make(tmp_path, make_project, config)
    _build(root, tmp_path / "build")
    feed = _feed(tmp_path / "build" / "site", "fr")
    assert feed.findtext(f"{ATOM}id") == "https://example.org/briefings/fr/feed.xml"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {
        "self": "https://example.org/briefings/fr/feed.xml",
        "alternate": "https://example.org/briefings/fr/index.html",
    }
    entries = _entries(feed)
    assert [e["id"] for e in entries] == [
        "https://example.org/briefings/fr/schools/index.html",
        "https://example.org/briefings/fr/torture/index.html",
    ]
    assert [e["links"][0]["href"] for e in entries] == [e["id"] for e in entries]
    datetime.datetime.strptime(entries[0]["updated"], "%Y-%m-%dT%H:%M:%SZ")


# --- in Chromium -----------------------------------------------------------------------------------

AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
SUB = "mirror/briefings/"
"""The sub-path the site is served from."""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(searchable: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the site from a sub-path of a plain HTTP server; yield the site's address."""
    www = tmp_path_factory.mktemp("www")
    shutil.copytree(searchable, www / SUB)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{SUB}"
    finally:
        server.shutdown()
        server.server_close()


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    problems: list[str] = []

    def console(message) -> None:
        # The browser asks for /favicon.ico on its own; the site has none, and that is no error of the page.
        if message.type in ("error", "warning") and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"console {message.type}: {message.text} at {message.location}")

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(url)
    page.wait_for_load_state("load")
    return context, page, problems


def _search(page, query: str) -> tuple[str, list[str]]:
    """Type a query in the box; return the status line and the results' addresses."""
    box = page.locator(".site-search input")
    box.fill("")
    page.wait_for_function("() => document.querySelector('.search-status').textContent === ''")
    box.fill(query)
    page.wait_for_function("() => document.querySelector('.search-status').textContent !== ''", timeout=15_000)
    status = page.locator(".search-status").text_content()
    return status, page.eval_on_selector_all(".search-results a", "links => links.map(a => a.href)")


QUERIES = {
    # lang: (query finding torture only, control query finding schools only)
    "en": ("torture", "elections"),
    "fr": ("torture", "élections"),
    "ar": ("للتعذيب", "المدارس"),
}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_search_box_finds_briefings_in_its_language(browser, served: str, lang: str) -> None:
    context, page, problems = _open(browser, f"{served}{lang}/index.html")
    try:
        assert page.locator(".site-search form").is_visible()
        assert not page.locator(".search-offline").is_visible()
        direction = page.eval_on_selector(".site-search input", "e => getComputedStyle(e).direction")
        assert direction == ("rtl" if lang == "ar" else "ltr")
        query, control = QUERIES[lang]
        status, found = _search(page, query)
        assert found == [f"{served}{lang}/torture/index.html"], (status, found)
        status, found = _search(page, control)
        assert found == [f"{served}{lang}/schools/index.html"], (status, found)
        status, found = _search(page, "zeppelin")
        assert found == []
        none = {"en": "No briefing matches your search.", "fr": "Aucune publication ne correspond à votre recherche."}
        assert status == none.get(lang, "لا توجد منشورات تطابق بحثك.")
        # A result leads to the briefing in the same language, from the sub-path.
        _search(page, query)
        page.locator(".search-results a").first.click()
        page.wait_for_load_state("load")
        assert page.url == f"{served}{lang}/torture/index.html"
        assert page.evaluate("document.documentElement.lang") == lang
    finally:
        context.close()
    assert not problems, problems


ARABIC_TORTURE = ["للتعذيب", "التعذيب", "تعذيب", "بالتعذيب", "والتعذيب", "التَّعْذِيب", "تَعْذِيبٌ", "لِلتَّعْذِيبِ"]
ARABIC_DISAPPEARANCE = ["الاختفاء", "اختفاء", "والاختفاء", "الاخْتِفَاء", "وَالاخْتِفاء"]


@pytest.mark.slow
def test_an_arabic_result_keeps_a_latin_name_and_its_punctuation_together(browser, served: str) -> None:
    """The summary of a result is plain text: the name's run is isolated, so its "!" stays at its end."""
    context, page, problems = _open(browser, f"{served}ar/index.html")
    try:
        _search(page, "للتعذيب")
        summary = page.locator(".search-result-summary").first.text_content()
        assert "\u2066We Exist!\u2069" in summary
        # Where the reader sees them: "!" right of "We" (inside a left-to-right run), not flung left of it.
        x = page.evaluate(
            """() => {
              const node = document.querySelector('.search-result-summary').firstChild;
              const at = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                                  return r.getBoundingClientRect().left; };
              const text = node.textContent;
              return {we: at(text.indexOf('We')), bang: at(text.indexOf('!'))};
            }"""
        )
        assert x["bang"] > x["we"], x
    finally:
        context.close()
    assert not problems, problems


@pytest.mark.slow
def test_arabic_search_ignores_article_prepositions_and_harakat(browser, served: str) -> None:
    context, page, problems = _open(browser, f"{served}ar/index.html")
    try:
        for query in ARABIC_TORTURE + ARABIC_DISAPPEARANCE:
            _, found = _search(page, query)
            assert found == [f"{served}ar/torture/index.html"], query
        for query in ("الانتخابات", "انتخابات", "والانتخابات"):
            _, found = _search(page, query)
            assert found == [f"{served}ar/schools/index.html"], query
    finally:
        context.close()
    assert not problems, problems


@pytest.mark.slow
def test_search_box_by_keyboard_and_axe_clean(browser, served: str) -> None:
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (run: npm ci --prefix tests)")
    for lang in ("en", "ar"):
        context, page, problems = _open(browser, f"{served}{lang}/index.html")
        try:
            for _ in range(30):  # Tab from the top of the page to the box
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.id") == "search-query":
                    break
            else:
                pytest.fail("the search box cannot be reached with Tab")
            label = page.evaluate("document.activeElement.labels[0].textContent")
            assert label == {"en": "Search the briefings", "ar": "ابحث في المنشورات"}[lang]
            page.keyboard.type(QUERIES[lang][0])
            page.keyboard.press("Enter")
            page.wait_for_function("() => document.querySelector('.search-results a') !== null", timeout=15_000)
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.closest('.search-results') !== null")
            page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
            violations = page.evaluate(
                "async () => (await axe.run(document)).violations.map(v => v.id + ': ' + v.help)"
            )
            assert not violations, violations
            page.keyboard.press("Enter")
            page.wait_for_url(f"{served}{lang}/torture/index.html")
        finally:
            context.close()
        assert not problems, problems


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_from_disk_the_box_says_search_works_online(browser, searchable: Path, lang: str) -> None:
    context, page, problems = _open(browser, (searchable / lang / "index.html").as_uri())
    try:
        page.wait_for_function("() => !document.querySelector('.search-offline').hidden")
        assert not page.locator(".site-search form").is_visible()
        note = page.locator(".search-offline").text_content()
    finally:
        context.close()
    expected = {
        "en": "Search works once the site is online.",
        "fr": "La recherche fonctionne une fois le site en ligne.",
        "ar": "يعمل البحث عند تصفّح الموقع على الإنترنت.",
    }
    assert note == expected[lang]
    assert not problems, problems


def test_search_strings_reach_the_font_subsets(searchable: Path) -> None:
    from fontTools.ttLib import TTFont

    strings = "ابحث في المنشورات لا توجد منشورات تطابق بحثك. يعمل البحث عند تصفّح الموقع على الإنترنت."
    faces = [
        p for p in (searchable / "assets" / "fonts").rglob("*.woff2") if "/ar/" in p.as_posix() and "Arabic" in p.name
    ]
    assert faces
    regular = next(p for p in faces if "Bold" not in p.name)
    cmap = TTFont(regular).getBestCmap()
    missing = {c for c in strings if not c.isspace() and ord(c) not in cmap}
    assert not missing, missing


def test_a_project_without_briefings_builds_without_an_index(tmp_path: Path, make_project: MakeProject) -> None:
    make_project(tmp_path, layouts=["base"])
    (tmp_path / "briefings").mkdir()
    _build(tmp_path, tmp_path / "build")
    assert not (tmp_path / "build" / "site" / "pagefind").exists()
