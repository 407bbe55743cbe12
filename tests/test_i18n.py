"""UI strings: the gettext catalogs are complete, current, and used; nothing falls back to English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from publish.config import load_project
from publish.i18n import Digits, catalog_path, load_strings
from publish.render import load_layouts
from publish.signatories import count_line

from .conftest import ROOT, MakeProject, write

LOCALE = ROOT / "layouts" / "base" / "locale"
TRANSLATED = ("ar", "fr")
"""The languages whose pages must show no English UI string."""
BRAND_CATALOGS = sorted(
    p for p in (ROOT / "layouts").glob("*/locale/*/LC_MESSAGES/messages.po") if "base" not in p.parts
)


def catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def ids(messages) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in messages if m.id}


def test_the_template_catalog_is_current() -> None:
    """Every message the templates and the code mark is in messages.pot, and nothing else (`make strings`)."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)

    def inside(folder: str) -> bool:
        relative = Path(folder).resolve().relative_to(ROOT)
        return relative.parts[0] in ("src", "layouts") and not relative.name.startswith((".", "_"))

    extracted = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, directory_filter=inside
    ):
        extracted.add(message if isinstance(message, str) else message[0])
    assert extracted == ids(catalog(LOCALE / "messages.pot")), "run `make strings`"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_arabic_and_french_translate_every_message_in_every_plural_form(lang: str) -> None:
    template = ids(catalog(LOCALE / "messages.pot"))
    translations = catalog(catalog_path(LOCALE.parent, lang))
    assert ids(translations) == template, "run `make strings`, then translate the new messages"
    # The catalog's own Plural-Forms header decides which form gettext picks, whatever Babel is
    # installed: every plural message fills each of the forms it declares. Which form a reader
    # sees for which count is checked below, against the language's grammar.
    for message in translations:
        if not message.id:
            continue
        assert not message.fuzzy, f"{lang}: fuzzy (unchecked) translation of {message.id!r}"
        if isinstance(message.id, tuple):
            assert len(message.string) == translations.num_plurals, f"{lang}: plural forms of {message.id!r}"
            assert all(message.string), f"{lang}: plural forms of {message.id!r}"
        else:
            assert message.string, f"{lang}: {message.id!r} is not translated"


COUNTS = (0, 1, 2, 3, 11, 100, 1_000_000)
MILLION = r"1[,.\s\u00a0\u202f\u066c]?000[,.\s\u00a0\u202f\u066c]?000"
"""A million as any locale groups its digits: the words around it are what is checked."""
READERS_SEE = {
    # English: one, and other for everything else, zero included.
    "en": [
        "0 individuals",
        "1 individual",
        "2 individuals",
        "3 individuals",
        "11 individuals",
        "100 individuals",
        f"{MILLION} individuals",
    ],
    # French: the singular for 0 and 1 ("0 personne"), the plural from 2 on, a million included.
    "fr": [
        "0 personne",
        "1 personne",
        "2 personnes",
        "3 personnes",
        "11 personnes",
        "100 personnes",
        f"{MILLION} personnes",
    ],
    # Arabic: zero, one and two as words; 3-10 the plural; 11-99 the accusative singular; 100 and
    # a million the genitive singular.
    "ar": ["لا أحد", "شخص واحد", "شخصان", "3 أشخاص", "11 شخصًا", "100 شخص", f"{MILLION} شخص"],
}


@pytest.mark.parametrize("lang", sorted(READERS_SEE))
def test_readers_see_the_right_plural_form_for_each_count(lang: str) -> None:
    """The phrase of a signatory block's count line, for each count, as a reader of the language expects it."""
    strings = load_layouts(load_project(ROOT), "we-exist").strings(lang)
    for n, expected in zip(COUNTS, READERS_SEE[lang], strict=True):
        phrase = strings.ngettext("%(n)s individual", "%(n)s individuals", n) % {"n": format_decimal(n, locale=lang)}
        assert re.fullmatch(expected, phrase), f"{lang}, {n}: {phrase!r}"
    # In a whole count line, as the page shows it (Arabic: 11 and 100 both take the singular "منظمة").
    ar = load_layouts(load_project(ROOT), "we-exist").strings("ar")
    lines = [count_line(n, 0, "ar", ar, Digits.LATIN) for n in (2, 3, 11, 100)]
    assert lines == [f"وقّعت هذا البيان {words}:" for words in ("منظمتان", "3 منظمات", "11 منظمة", "100 منظمة")]


@pytest.mark.parametrize("path", BRAND_CATALOGS, ids=lambda p: "/".join(p.relative_to(ROOT).parts[1:4:2]))
def test_brand_catalogs_override_known_messages_in_every_language(path: Path) -> None:
    template = ids(catalog(LOCALE / "messages.pot"))
    overrides = ids(m for m in catalog(path) if m.string)
    assert overrides <= template, f"{path.relative_to(ROOT)} translates messages no template uses"
    # A brand that rewords a message rewords it for every language it ships, not just one.
    brand = path.parents[3]
    for lang in ("en", *TRANSLATED):
        assert overrides <= ids(m for m in catalog(catalog_path(brand, lang)) if m.string), (brand.name, lang)


def _visible_text(html: str) -> str:
    """The page's text and attribute values, without the briefing's own body (written by people)."""
    html = re.sub(r'<div class="briefing-body">.*</article>', "", html, flags=re.S)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    attributes = " ".join(re.findall(r'(?:aria-label|alt|title|content)="([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + attributes


def test_no_ui_string_falls_back_to_english_in_arabic_or_french_pages(built: Path) -> None:
    messages = ids(catalog(LOCALE / "messages.pot"))
    # The words of each message outside its placeholders, e.g. "Original language:" and "Contents".
    english = {part.strip() for m in messages for part in re.split(r"%\(\w+\)s", m) if len(part.strip()) > 3}
    english -= {"PDF"}  # the same word in every language
    checked = 0
    for lang in TRANSLATED:
        for page in sorted((built / "site" / lang).rglob("index.html")):
            text = _visible_text(page.read_text(encoding="utf-8"))
            found = [word for word in english if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text)]
            assert not found, f"{page.relative_to(built)} shows {found}"
            checked += 1
    assert checked >= 8
    # And the other way round: the pages do show the translations.
    arabic = (built / "site" / "ar" / "we-exist-2020" / "index.html").read_text(encoding="utf-8")
    assert "تنزيل ملف PDF" in arabic and "انتقل إلى المحتوى" in arabic


def test_strings_fall_back_from_the_brand_to_base_to_english() -> None:
    project = load_project(ROOT)
    festival, alliance = load_layouts(project, "syrien-nest-fait"), load_layouts(project, "we-exist")
    assert festival.strings("ar").gettext("Contents") == "البرنامج"  # the brand's own wording
    assert festival.strings("ar").gettext("Download PDF") == "تنزيل ملف PDF"  # base's
    assert alliance.strings("ar").gettext("Contents") == "المحتويات"
    assert alliance.strings("de").gettext("Contents") == "Contents"  # no German catalog: as written
    assert alliance.strings("ar").ngettext("%(n)s individual", "%(n)s individuals", 11) == "%(n)s شخصًا"


def test_fuzzy_translations_are_left_out_and_an_edited_catalog_is_read_again(tmp_path: Path) -> None:
    brand = tmp_path / "layouts" / "brand"
    po = catalog_path(brand, "fr")
    po.parent.mkdir(parents=True)
    header = 'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
    entries = '#, fuzzy\nmsgid "Contents"\nmsgstr "Table des matières"\n\nmsgid "Download PDF"\nmsgstr "Le PDF"\n'
    po.write_text(header + entries, encoding="utf-8")
    strings = load_strings([brand, ROOT / "layouts" / "base"], "fr", tmp_path)
    # As `pybabel compile` without --use-fuzzy: an unchecked translation falls through to base's.
    assert strings.gettext("Contents") == "Sommaire"
    assert strings.gettext("Download PDF") == "Le PDF"
    # Catalogs are compiled once per content, not once per process: a reviewed entry shows at once.
    po.write_text(header + entries.replace("#, fuzzy\n", ""), encoding="utf-8")
    assert load_strings([brand, ROOT / "layouts" / "base"], "fr", tmp_path).gettext("Contents") == "Table des matières"


@pytest.mark.parametrize(
    ("lang", "authors", "byline"),
    [
        ("en", ["Reem Ahmad", "Samer Khalil", "Lina Haddad"], "Reem Ahmad, Samer Khalil, and Lina Haddad"),
        ("fr", ["Reem Ahmad", "Samer Khalil", "Lina Haddad"], "Reem Ahmad, Samer Khalil et Lina Haddad"),
        ("ar", ["ريم الأحمد", "سامر خليل", "لينا حداد"], "ريم الأحمد وسامر خليل ولينا حداد"),
        ("ar", ["ريم الأحمد", "Human Rights Watch"], "ريم الأحمد و\u2066Human Rights Watch\u2069"),
    ],
)
def test_authors_are_listed_as_the_language_lists_them(
    tmp_path: Path, make_project: MakeProject, lang: str, authors: list[str], byline: str
) -> None:
    """The byline joins the authors with the language's own list pattern (Babel), never a Latin comma in Arabic."""
    from publish import build
    from publish.model import OutputFormat

    root = make_project(tmp_path)
    listed = "".join(f'\n  - "{a}"' for a in authors)
    write(root, f"briefings/b/{lang}.md", f"---\ntitle: Byline\nauthors:{listed}\n---\n\nText.\n")
    result = build(project_root=root, formats=[OutputFormat.HTML])
    assert result.ok, [str(e) for e in result.errors]
    page = (root / "build" / "site" / lang / "b" / "index.html").read_text(encoding="utf-8")
    shown = re.search(r'<p class="byline">(.*?)</p>', page).group(1)
    text = re.sub(r'<bdi dir="ltr"[^>]*>(.*?)</bdi>', "\u2066\\1\u2069", shown)  # a <bdi> isolates as U+2066 does
    assert text == byline
    assert "," not in text if lang == "ar" else True


LOCALE_BRIEFING = """---
title: "برنامج"
date: 2026-01-15
summary: "ملخص."
---

## الأيام

::: programme
## 2026-01-15

### 18:30–19:00 عرض

نص.
:::
"""


@pytest.mark.parametrize(
    ("locales", "month", "not_month"),
    [("", "يناير", "كانون الثاني"), ('[locales]\nar = "ar_SY"\n', "كانون الثاني", "يناير")],
    ids=["default-ar", "ar_SY"],
)
def test_publish_toml_chooses_the_locale_of_dates(
    tmp_path: Path, make_project: MakeProject, locales: str, month: str, not_month: str
) -> None:
    """`[locales] ar = "ar_SY"` writes the Levantine month names in the publication date and the programme's
    days, on the page and in the PDF; without it, Arabic keeps CLDR's default (Egyptian) names."""
    from publish import build

    from .conftest import pdftotext

    root = make_project(tmp_path, config=f'[project]\ntitle = "Test"\n{locales}')
    write(root, "briefings/b/ar.md", LOCALE_BRIEFING)
    result = build(project_root=root)
    assert result.ok, [str(e) for e in result.errors]
    page = (root / "build" / "site" / "ar" / "b" / "index.html").read_text(encoding="utf-8")
    text = pdftotext(root / "build" / "pdf" / "b.ar.pdf")
    assert f'property="og:locale" content="{"ar_SY" if locales else "ar_EG"}"' in page
    for seen in (re.sub(r"<[^>]+>", " ", page), text):
        assert f"15 {month} 2026" in seen  # the publication date
        assert f"الخميس 15 {month}" in seen  # the programme's day
        assert not_month not in seen


def test_french_front_matter_and_generated_numbers_keep_their_no_break_spaces(
    tmp_path: Path, make_project: MakeProject
) -> None:
    """The summary and subtitle are spaced like the body; Babel's grouping space (U+202F) in the
    signatories' count and the programme's times reaches the page and the PDF's text."""
    from publish import build

    from .conftest import pdftotext

    root = make_project(tmp_path)
    write(
        root,
        "briefings/b/fr.md",
        "---\ntitle: Déclaration\nsubtitle: « Assez ! »\nsummary: 'Un bilan : 45 % des cas ; est-ce assez ?'\n---\n\n"
        "## Section\n\n::: signatories file=s.csv individuals=1234\n:::\n\n"
        "::: programme\n## 2026-01-15\n\n### 18:30 Danse\n\nTexte.\n:::\n",
    )
    write(root, "briefings/b/s.csv", "name,other_name,country,kind\nMazaya,,,organisation\n")
    result = build(project_root=root)
    assert result.ok, [str(e) for e in result.errors]
    page = (root / "build" / "site" / "fr" / "b" / "index.html").read_text(encoding="utf-8")
    assert "Un bilan\u00a0: 45\u202f% des cas\u202f; est-ce assez\u202f?" in page  # the summary, as meta and text
    assert "«\u202fAssez\u202f!\u202f»" in page
    # The count line as Babel writes it in French, and the programme's time: on the page, and as
    # they copy out of the PDF.
    text = pdftotext(root / "build" / "pdf" / "b.fr.pdf")
    for seen in (page, text):
        assert "1\u202f234" in seen
        assert "18\u202fh\u202f30" in seen
    assert "«\u202fAssez\u202f!\u202f»" in text  # the subtitle, on the title page


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('ar = "fr_FR"', "\"locales.ar\": 'fr_FR' is not a locale of 'ar'"),
        ('fr = "fr_XX"', "\"locales.fr\": Babel knows no locale 'fr_XX'"),
        ("ar = 1", '"locales.ar" must be a locale name as a string'),
    ],
)
def test_a_wrong_locale_is_an_error_at_its_line(
    tmp_path: Path, make_project: MakeProject, line: str, message: str
) -> None:
    from publish.errors import ConfigError

    root = make_project(tmp_path, config=f'[project]\ntitle = "Test"\n\n[locales]\n{line}\n')
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    assert f"publish.toml:5: {message}" in str(caught.value)
    assert "locales of" in str(caught.value) or "string" in message
