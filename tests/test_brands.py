"""Brands: inheritance from base (templates, CSS, strings, settings), validation, the shipped brands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from publish import build
from publish.config import load_project
from publish.errors import ConfigError
from publish.model import OutputFormat
from publish.render import load_layouts

from .conftest import ROOT, MakeProject, pdftotext, write

BASE_ACCENT = "rgb(179, 38, 30)"  # --color-accent of layouts/base/css/common.css
NEW_ACCENT = "rgb(10, 110, 79)"
KICKER = "A test brand edition"
BODY = "## A section\n\nSome text with [a link](https://example.org).\n\n## Another section\n\nMore text.\n"


CONFIG = '[project]\ntitle = "Brands"\nlanguages = ["en"]\n'


# --- one CSS variable and one template ------------------------------------------------------


@pytest.fixture(scope="module")
def branded(tmp_path_factory: pytest.TempPathFactory, make_project: MakeProject) -> Path:
    """The same briefing three times: in base, in a brand overriding one variable and one template, in we-exist."""
    root = make_project(tmp_path_factory.mktemp("branded"), CONFIG)
    write(root, "layouts/test-brand/css/common.css", f":root {{ --color-accent: {hex_of(NEW_ACCENT)}; }}\n")
    base_block = (ROOT / "layouts" / "base" / "templates" / "title-block.html.j2").read_text()
    template = base_block.replace("  <h1>", f'  <p class="kicker">{KICKER}</p>\n  <h1>', 1)
    assert template != base_block
    write(root, "layouts/test-brand/templates/title-block.html.j2", template)
    for slug, brand in (("plain", None), ("branded", "test-brand"), ("alliance", "we-exist")):
        front = f"brand: {brand}\n" if brand else ""
        write(root, f"briefings/{slug}/en.md", f"---\ntitle: The same briefing\n{front}---\n\n{BODY}")
    result = build(project_root=root)
    assert result.ok, [str(e) for e in result.errors]
    return root / "build"


def hex_of(rgb: str) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb.removeprefix("rgb(").removesuffix(")").split(","))


STYLES = """() => {
  const props = ['color', 'background-color', 'font-family', 'font-size', 'font-weight', 'line-height',
                 'border-top-color', 'border-bottom-color', 'border-inline-start-color', 'margin-top', 'padding-top'];
  const out = {};
  for (const selector of ['body', 'h1', 'h2', '.briefing-body p', '.briefing-body a', '.title-block',
                          '.site-header', '.pdf-link a', '.toc summary', '.site-footer']) {
    const element = document.querySelector(selector);
    if (!element) continue;
    const style = getComputedStyle(element);
    for (const prop of props) out[`${selector} ${prop}`] = style.getPropertyValue(prop);
  }
  out.structure = [...document.querySelectorAll('main *')].filter(e => !e.closest('.kicker'))
    .map(e => e.tagName + '.' + e.className).join(' ');
  out.kicker = document.querySelector('.kicker')?.textContent ?? null;
  return out;
}"""


def test_a_brand_changes_exactly_the_variable_and_template_it_overrides(branded: Path, browser) -> None:
    styles = {}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        for slug in ("plain", "branded", "alliance"):
            page = context.new_page()
            page.goto((branded / "site" / "en" / slug / "index.html").as_uri())
            page.evaluate("document.fonts.ready.then(() => true)")
            styles[slug] = page.evaluate(STYLES)
    finally:
        context.close()
    plain, brand, alliance = styles["plain"], styles["branded"], styles["alliance"]
    assert plain["kicker"] is None and brand["kicker"] == KICKER
    assert plain["structure"] == brand["structure"]  # the template adds the kicker, nothing else
    changed = {key for key in plain if key not in ("kicker", "structure") and plain[key] != brand[key]}
    # Every change is the accent colour, from base's to the brand's, and the accent paints these.
    assert {"h2 color", ".briefing-body a color", ".title-block border-bottom-color"} <= changed
    for key in changed:
        assert (plain[key], brand[key]) == (BASE_ACCENT, NEW_ACCENT), key
    # Another brand is not touched by this one: We Exist!'s navy, from its brand.toml.
    assert alliance["h2 color"] == "rgb(27, 58, 107)"
    assert alliance["kicker"] is None


def test_a_brand_template_changes_the_pdf_text_and_nothing_else(branded: Path) -> None:
    plain = pdftotext(branded / "pdf" / "plain.en.pdf")
    brand = pdftotext(branded / "pdf" / "branded.en.pdf")
    assert KICKER not in plain
    assert KICKER in brand
    lines = [line for line in brand.splitlines() if line.strip()]
    assert [line for line in lines if line != KICKER] == [line for line in plain.splitlines() if line.strip()]


# --- validation -----------------------------------------------------------------------------

BAD_BRAND = """name = 42
logo = "missing.svg"
pagesize = "A4"

[colors]
accent = "#12345g"

[fonts.faces]
"Noto Sans" = ["NotoSans-Light.ttf"]

[fonts.arabic]
body = ["Noto Naskh", "Noto Serif"]
"""

PROBLEMS = {
    "wrong type": ('layouts/bad/brand.toml:1: "name" must be a str, not int', None),
    "missing logo": (
        'layouts/bad/brand.toml:2: "logo" file layouts/bad/missing.svg not found',
        'put the logo in layouts/bad/ and give its file name, e.g. logo = "logo.svg"',
    ),
    "unknown key": ('layouts/bad/brand.toml:3: unknown key "pagesize" (did you mean "page_size"?)', None),
    "not a colour": (
        "layouts/bad/brand.toml:6: \"colors.accent\" is not a colour: '#12345g'",
        'write a CSS colour such as "#b3261e", "rgb(179, 38, 30)" or "darkred"',
    ),
    "font not in fonts/": (
        'layouts/bad/brand.toml:9: fonts.faces."Noto Sans" names "NotoSans-Light.ttf", '
        "which is not a font file in fonts/",
        'did you mean "NotoSans-Bold.ttf"?',
    ),
    "unknown family": (
        'layouts/bad/brand.toml:12: "fonts.arabic.body" names the font family "Noto Naskh", '
        "which no fonts.css or [fonts.faces] declares",
        'did you mean "Noto Naskh Arabic"?',
    ),
}


@pytest.fixture
def bad_brand(tmp_path: Path, make_project: MakeProject) -> Path:
    root = make_project(tmp_path, CONFIG)
    write(root, "layouts/bad/brand.toml", BAD_BRAND)
    write(root, "briefings/b/en.md", "---\ntitle: Bad brand\nbrand: bad\n---\n\nText.\n")
    return root


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_each_brand_problem_names_file_line_key_and_hint(bad_brand: Path, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_layouts(load_project(bad_brand), "bad")
    lines = str(caught.value).split("\n")
    message, hint = PROBLEMS[problem]
    assert message in lines, lines
    if hint:
        assert lines[lines.index(message) + 1] == f"  hint: {hint}"


def test_every_brand_problem_is_reported_at_once_and_the_build_exits_1(bad_brand: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "publish", "build", "--format", "html"], cwd=bad_brand, capture_output=True, text=True
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    for message, _ in PROBLEMS.values():
        assert message in run.stderr.splitlines()


def test_project_config_names_an_unknown_default_brand(tmp_path: Path, make_project: MakeProject) -> None:
    root = make_project(tmp_path, CONFIG)
    write(root, "publish.toml", '[project]\ntitle = "T"\ndefault_brand = "we-exsit"\n')
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    assert str(caught.value) == (
        'publish.toml:3: "project.default_brand" names no brand: there is no folder layouts/we-exsit\n'
        '  hint: did you mean "we-exist"?'
    )


def test_a_brand_template_error_names_its_template_and_line(tmp_path: Path, make_project: MakeProject) -> None:
    root = make_project(tmp_path, CONFIG)
    write(root, "layouts/broken/templates/title-block.html.j2", "<header>\n  <h1>{{ doc.title_html }</h1>\n</header>\n")
    write(root, "briefings/b/en.md", "---\ntitle: T\nbrand: broken\n---\n\nText.\n")
    result = build(project_root=root, formats=[OutputFormat.HTML])
    assert result.errors
    assert str(result.errors[0]).startswith("layouts/broken/templates/title-block.html.j2:2: ")


def test_a_ui_string_placeholder_without_value_names_template_line_and_fix(
    tmp_path: Path, make_project: MakeProject
) -> None:
    root = make_project(tmp_path, CONFIG)
    write(
        root,
        "layouts/broken/templates/list.html.j2",
        '{% extends "web-base.html.j2" %}\n{% block main %}\n'
        '<h1>{{ _("Briefings: %(count)s") }}</h1>\n{% endblock %}\n',
    )
    write(root, "publish.toml", '[project]\ntitle = "T"\ndefault_brand = "broken"\n')
    write(root, "briefings/b/en.md", "---\ntitle: T\n---\n\nText.\n")
    result = build(project_root=root, formats=[OutputFormat.HTML])
    assert [str(e) for e in result.errors] == [
        "layouts/broken/templates/list.html.j2:3: the UI string's placeholder %(count)s has no value\n"
        '  hint: give it one: _("… %(count)s …", count=…)'
    ]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        # A placeholder the English text does not have: it would fail when the page is made.
        (
            'msgstr "Langue originale\u202f: %(langue)s"',
            'translation of "Original language: %(language)s": unknown named placeholder',
        ),
        # A misspelt keyword.
        ('msgtsr "Langue originale\u202f: %(language)s"', "invalid catalog entry"),
    ],
)
def test_a_broken_catalog_entry_names_the_po_file_and_line(
    tmp_path: Path, make_project: MakeProject, broken: str, message: str
) -> None:
    root = make_project(tmp_path, CONFIG)
    catalog = root / "layouts" / "base" / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
    lines = catalog.read_text(encoding="utf-8").split("\n")
    at = lines.index('msgid "Original language: %(language)s"')
    lines[at + 1] = broken
    catalog.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_layouts(load_project(root), "base").strings("fr")
    where, _, what = str(caught.value).partition(": ")
    assert where.startswith("layouts/base/locale/fr/LC_MESSAGES/messages.po:")
    assert int(where.rsplit(":", 1)[1]) in (at + 1, at + 2)  # the msgid's line or the msgstr's
    assert what.startswith(message)


# --- the shipped brands -----------------------------------------------------------------------

BRANDS = {
    "we-exist-2020": "we-exist",
    "idlib-statement-2020": "half-of-syria",
    "syrien-nest-fait-2020": "syrien-nest-fait",
}


def test_seed_briefings_use_their_brands(built: Path) -> None:
    for slug, brand in BRANDS.items():
        for lang in ("en", "ar", "fr"):
            html = (built / "site" / lang / slug / "index.html").read_text(encoding="utf-8")
            assert f"assets/layouts/{brand}/logo.svg" in html, (slug, lang)
            assert f'alt="{load_layouts(load_project(ROOT), brand).settings.name}"' in html
    # The festival's programme is an A5 booklet; the others are A4 (brand.toml's page_size).
    for slug, size in (("syrien-nest-fait-2020", (148, 210)), ("we-exist-2020", (210, 297))):
        box = pypdf.PdfReader(built / "pdf" / f"{slug}.ar.pdf").pages[0].mediabox
        assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == size


def test_the_festival_words_its_contents_as_its_programme(built: Path) -> None:
    words = {"en": "Programme", "fr": "Programme", "ar": "البرنامج"}
    for lang, word in words.items():
        text = pdftotext(built / "pdf" / f"syrien-nest-fait-2020.{lang}.pdf", "-l", "1")
        assert word in text
        other = pdftotext(built / "pdf" / f"we-exist-2020.{lang}.pdf", "-l", "1")
        assert word not in other


def test_brand_settings_make_one_stylesheet_arabic_faces_first() -> None:
    settings = load_layouts(load_project(ROOT), "half-of-syria").settings
    css = settings.css("print")
    assert ":root { --color-text: #14231b; --color-accent: #1e6b45;" in css
    assert '--font-body: "Noto Sans", "Noto Sans Arabic";' in css
    arabic_first = '--font-body: "Noto Sans Arabic", "Noto Sans"; --font-heading: "Noto Naskh Arabic", "Noto Serif";'
    assert f"html:lang(ar) {{ {arabic_first} }}" in css
    # Base's [fonts.arabic], for the Arabic column of side-by-side PDFs; the web has no such column.
    assert '--font-arabic-body: "Noto Naskh Arabic", "Noto Serif";' in css
    assert "--font-arabic" not in settings.css("screen")
    assert "@page" not in css  # A4, as the stylesheets say
    assert "@page { size: A5; }" in load_layouts(load_project(ROOT), "syrien-nest-fait").settings.css("print")


def test_brand_faces_and_colours_from_brand_toml(tmp_path: Path, make_project: MakeProject) -> None:
    from publish.site.theme import load_theme

    root = make_project(tmp_path, CONFIG)
    write(
        root,
        "layouts/own/brand.toml",
        '[colors]\naccent = "rgb(179, 38, 30)"\nband = "hsl(40 33% 94%)"\n\n'
        '[fonts]\nbody = ["Own Serif", "Noto Naskh Arabic"]\n\n'
        '[fonts.faces]\n"Own Serif" = ["NotoSerif-Regular.ttf", "NotoSerif-BoldItalic.ttf"]\n',
    )
    layouts = load_layouts(load_project(root), "own")
    settings = layouts.settings
    assert settings.colors == {"accent": "#b3261e", "band": "#f5f1eb"}  # any CSS colour, written as #rrggbb
    css = settings.css("print")
    for weight, style, name in ((400, "normal", "NotoSerif-Regular"), (700, "italic", "NotoSerif-BoldItalic")):
        assert f'font-family: "Own Serif"; font-weight: {weight}; font-style: {style}; src: url("file://' in css
        assert f'{name}.ttf"); }}' in css
    assert "@font-face" not in settings.css("screen")  # the site serves its own subsets
    theme = load_theme(layouts)
    assert theme.face("Own Serif", 700, "italic").path.name == "NotoSerif-BoldItalic.ttf"
    assert theme.font_stack("--font-body", "ar") == ["Noto Naskh Arabic", "Own Serif"]
    assert theme.value("--color-accent") == "#b3261e"
