"""Report typography in the PDFs: contents, running heads, folios, digits, notes, metadata.

A small project made for these tests: one briefing in three languages, long enough for
several pages, with footnotes; the Arabic text uses a brand that asks for Arabic-Indic digits.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest

from publish import build
from publish.model import OutputFormat

from .conftest import ROOT, MakeProject, pdftotext, require_tool
from .fidelity import comes_back, extract_pdfjs, normalize_extracted, normalize_source, source_paragraphs

MM = 72 / 25.4
A4_WIDTH = 595.28
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
WESTERN = str.maketrans(ARABIC_INDIC, "0123456789")

SECTIONS = {
    "en": ["Alpha section", "Bravo section", "Charlie section", "Delta section"],
    "fr": ["Section Alpha", "Section Bravo", "Section Charlie", "Section Delta"],
    # Arabic headings without lam-alef: its ligature does not extract yet (issue 10).
    "ar": ["باب الشمس", "باب القمر", "باب النجوم", "باب البحر"],
}
FILLER = {
    "en": "The alliance works with its members across the region to document what happened. ",
    "fr": "L’alliance travaille avec ses membres dans toute la région pour documenter les faits. ",
    "ar": "يعمل التحالف مع أعضائه في المنطقة كلها لتوثيق ما جرى وما زال يجري. ",
}
NOTES = {
    "en": ("Echo sentence with a note", "Echo note body"),
    "fr": ("Phrase Écho avec une note", "Corps de la note Écho"),
    "ar": ("جملة مع حاشية", "نص الحاشية الأولى"),
}


LONG_URL = "https://example.org/documentation/humanitarianorganisations/accountability/overcompliancereport2020"


def _briefing(lang: str) -> str:
    title = {"en": "Typography test", "fr": "Essai de typographie", "ar": "اختبار الطباعة"}[lang]
    parts = [
        f"---\ntitle: {title}\nauthors: [Test Alliance]\nsummary: A test of the report layout.\n"
        f"keywords: [typography, {lang}]\n" + ("brand: indic\n" if lang == "ar" else "") + "---\n"
    ]
    for index, heading in enumerate(SECTIONS[lang]):
        parts.append(f"## {heading}\n")
        parts.extend((FILLER[lang] * 9 + "\n") for _ in range(7))
        if index == 1:
            sentence, _ = NOTES[lang]
            parts.append(f"{sentence}[^1].\n\n1. one\n2. two\n3. three\n")
        if index == 2:
            parts.append(f"{FILLER[lang][:40]} <{LONG_URL}> {FILLER[lang][:30]}\n")
    parts.append(f"[^1]: {NOTES[lang][1]}.\n")
    return "\n".join(parts)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, make_project: MakeProject) -> Path:
    root = make_project(tmp_path_factory.mktemp("typography"))
    (root / "layouts" / "indic").mkdir(exist_ok=True)
    (root / "layouts" / "indic" / "brand.toml").write_text('name = "Indic"\ndigits = "arab"\n')
    folder = root / "briefings" / "report"
    folder.mkdir(parents=True)
    for lang in SECTIONS:
        (folder / f"{lang}.md").write_text(_briefing(lang), encoding="utf-8")
    result = build(project_root=root, formats=[OutputFormat.PDF])
    assert result.ok, [str(e) for e in result.errors]
    return root / "build" / "pdf"


def outline_pages(pdf: Path) -> dict[str, int]:
    """Return each bookmark's title and 1-based page number."""
    reader = pypdf.PdfReader(pdf)
    found: dict[str, int] = {}

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found[item.title] = reader.get_destination_page_number(item) + 1

    walk(reader.outline)
    return found


def page_words(pdf: Path, page: int) -> list[tuple[float, float, float, str]]:
    html = pdftotext(pdf, "-bbox", "-f", str(page), "-l", str(page))
    return [
        (float(a), float(c), float(b), w)
        for a, b, c, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', html
        )
    ]


@pytest.mark.parametrize("lang", SECTIONS)
def test_outline_and_contents_agree_with_where_headings_land(report: Path, lang: str) -> None:
    pdf = report / f"report.{lang}.pdf"
    outline = outline_pages(pdf)
    # The bookmarks hold the title and every section, in the document's language.
    assert [t for t in outline if t in SECTIONS[lang]] == SECTIONS[lang]
    # Each section's heading is really on the page its bookmark says (top of the type area).
    for heading, page in outline.items():
        if heading in SECTIONS[lang]:
            assert heading.split()[-1] in pdftotext(pdf, "-f", str(page), "-l", str(page))
    # The contents page lists each section with that page number, in the document's digits.
    contents = pdftotext(pdf, "-f", "1", "-l", "1")
    lines = [line for line in contents.splitlines() if "....." in line]
    assert len(lines) == len(SECTIONS[lang])
    for line, heading in zip(lines, SECTIONS[lang], strict=True):
        assert heading.split()[-1] in line
        number = re.search(f"[0-9{ARABIC_INDIC}]+", line.replace(heading, "")).group()
        assert int(number.translate(WESTERN)) == outline[heading]
        assert (lang == "ar") == all(c in ARABIC_INDIC for c in number)


def test_arabic_contents_titles_start_at_the_right(report: Path) -> None:
    words = page_words(report / "report.ar.pdf", 1)
    rows: dict[int, list] = {}
    for x0, x1, y, word in words:
        rows.setdefault(round(y), []).append((x0, x1, word))
    # Leader dots come out as one "word" each.
    entries = [sorted(row) for row in rows.values() if sum(w == "." for _, _, w in row) > 10]
    assert len(entries) == 4
    # Page 1 of a right-to-left document is a left page: binding margin (25 mm) on its right.
    right_edge = A4_WIDTH - 25 * MM
    for row in entries:
        assert abs(row[-1][1] - right_edge) < 2, row  # the title ends on the right margin
        assert row[0][2][0] in ARABIC_INDIC  # the page number sits at the left
        assert abs(row[0][0] - 18 * MM) < 2, row


@pytest.mark.parametrize("lang", SECTIONS)
def test_folios_on_the_outer_edge_and_running_heads(report: Path, lang: str) -> None:
    pdf = report / f"report.{lang}.pdf"
    pages = len(pypdf.PdfReader(pdf).pages)
    assert pages >= 4
    rtl = lang == "ar"
    for page in range(1, pages + 1):
        words = page_words(pdf, page)
        folio = [w for w in words if w[2] > 775]  # below the type area, which ends 25 mm from the bottom
        heads = [w for w in words if w[2] < 55]  # above the type area, which starts at 22 mm
        if page == 1:
            assert not folio and not heads, "the title page has no folio and no running head"
            continue
        assert len(folio) == 1
        x0, x1, _, text = folio[0]
        assert text.translate(WESTERN) == str(page)
        # Left-to-right: odd pages are right pages. Right-to-left: odd pages are left pages.
        right_page = (page % 2 == 1) != rtl
        if right_page:
            assert abs(x1 - (A4_WIDTH - 18 * MM)) < 2
        else:
            assert abs(x0 - 18 * MM) < 2
        assert heads, f"page {page} has no running head"
        # poppler's word boxes hold Arabic glyphs in visual order: read them both ways.
        head_text = " ".join(w[3] + " " + w[3][::-1] for w in heads)
        if right_page:  # the current section, flush with the outer (right) edge
            assert any(s.split()[-1] in head_text for s in SECTIONS[lang])
            assert abs(max(w[1] for w in heads) - (A4_WIDTH - 18 * MM)) < 2
        else:  # the document title, flush with the outer (left) edge
            assert abs(min(w[0] for w in heads) - 18 * MM) < 2


def test_digits_follow_the_brand(report: Path, built: Path) -> None:
    arabic = pdftotext(report / "report.ar.pdf")
    assert re.search("one [.]١|١[.] ?one", arabic), "list numbers in Arabic-Indic digits"
    # The base brand keeps Western digits: no Arabic-Indic digit in the shipped Arabic report.
    shipped = pdftotext(built / "pdf" / "we-exist-2020.ar.pdf")
    assert not any(c in ARABIC_INDIC for c in shipped)


@pytest.mark.parametrize("lang", SECTIONS)
def test_footnote_lands_on_the_page_of_its_call(report: Path, lang: str) -> None:
    pdf = report / f"report.{lang}.pdf"
    sentence, note = NOTES[lang]
    pages = len(pypdf.PdfReader(pdf).pages)
    texts = [pdftotext(pdf, "-f", str(p), "-l", str(p)) for p in range(1, pages + 1)]
    call_page = [i for i, t in enumerate(texts) if sentence.split()[-1] in t]
    note_page = [i for i, t in enumerate(texts) if note.split()[-1] in t]
    assert call_page and note_page
    assert note_page == call_page[-1:], (call_page, note_page)


@pytest.mark.parametrize("lang", SECTIONS)
def test_pdf_metadata(report: Path, lang: str) -> None:
    reader = pypdf.PdfReader(report / f"report.{lang}.pdf")
    info = reader.metadata
    assert info.title == {"en": "Typography test", "fr": "Essai de typographie", "ar": "اختبار الطباعة"}[lang]
    assert info.author == "Test Alliance"
    assert info.subject == "A test of the report layout."
    assert info["/Keywords"] == f"typography, {lang}"
    assert reader.trailer["/Root"]["/Lang"] == lang
    # PDF/UA-1 by default: tagged, with a structure tree.
    assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_french_spacing_reaches_the_pdf(built: Path) -> None:
    text = "".join(page.extract_text() for page in pypdf.PdfReader(built / "pdf" / "we-exist-2020.fr.pdf").pages)
    assert "«\u202f" in text and "\u202f»" in text
    assert re.search("\\w\u202f[!?;]", text)
    english = "".join(p.extract_text() for p in pypdf.PdfReader(built / "pdf" / "we-exist-2020.en.pdf").pages)
    assert "\u202f!" not in english.replace("«\u202f", "")  # English prose keeps its own rules


@pytest.mark.parametrize("lang", SECTIONS)
def test_urls_break_at_slashes_never_hyphenated(report: Path, lang: str) -> None:
    text = pdftotext(report / f"report.{lang}.pdf")
    lines = [line.strip("\u202a\u202b\u202c ") for line in text.splitlines()]
    pieces = [line for line in lines if any(part in line for part in LONG_URL.split("/")[3:])]
    assert pieces
    joined = "".join(p[p.index("http") :] if "http" in p else p.split()[0] for p in pieces)
    assert LONG_URL in joined, pieces  # no hyphen added where the URL broke
    assert all(not p.endswith("-") for p in pieces)


def test_web_page_uses_the_brand_digits_too(report: Path) -> None:
    root = report.parent.parent
    assert build(project_root=root, formats=[OutputFormat.HTML], langs=["ar", "en"]).ok
    arabic = (root / "build" / "site" / "ar" / "report" / "index.html").read_text(encoding="utf-8")
    assert "list-style-type: arabic-indic" in arabic
    assert '<a href="#fn1" id="fnref1">١</a>' in arabic
    english = (root / "build" / "site" / "en" / "report" / "index.html").read_text(encoding="utf-8")
    assert "arabic-indic" not in english
    assert '<a href="#fn1" id="fnref1">1</a>' in english


# --- copying text out: no-break spaces and hyphens ------------------------------------------------

COPIED = """---
title: Copie
summary: Espaces insécables et traits d’union.
---
Dans 45 % des cas, c’est « utile », est-ce ? Oui ! La coopération : une affaire de « *sanctions invisibles* ».

En effet, les partenaires de l’alliance, well-known dans toute la région, ont renforcé leur
co-operation avec les organisations locales et les comités de quartier.

Les organisations internationales documentent systématiquement les violations commises contre
les populations civiles déplacées, notamment dans les infrastructures hospitalières reconstruites.
"""
READERS = ("poppler", "pdfjs", "pypdf")


@pytest.fixture(scope="module")
def copied(tmp_path_factory: pytest.TempPathFactory, make_project: MakeProject) -> dict[str, str]:
    """A small French briefing's text as each reader gives it (pdf.js's as Firefox's text layer
    holds it, not normalised as its copy step does), direction marks removed."""
    require_tool("node")
    if not (ROOT / "tests" / "node_modules" / "pdfjs-dist").is_dir():
        pytest.skip("pdf.js is not installed (run: npm ci --prefix tests)")
    root = make_project(tmp_path_factory.mktemp("copied"))
    (root / "briefings" / "copie").mkdir(parents=True)
    (root / "briefings" / "copie" / "fr.md").write_text(COPIED, encoding="utf-8")
    assert build(project_root=root, formats=[OutputFormat.PDF]).ok
    pdf = root / "build" / "pdf" / "copie.fr.pdf"
    texts = {
        "poppler": pdftotext(pdf),
        "pdfjs": extract_pdfjs([pdf])[pdf],
        "pypdf": "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages),
    }
    return {"source": "\n".join(map(normalize_source, source_paragraphs("copie", "fr", root=root)))} | {
        reader: text.replace("\u200e", "") for reader, text in texts.items()
    }


@pytest.mark.parametrize("reader", READERS)
def test_no_break_spaces_copy_out_as_themselves(copied: dict[str, str], reader: str) -> None:
    text = normalize_extracted(copied[reader])  # line breaks made spaces, WeasyPrint's hyphens gone
    assert "45\u202f% des cas" in text and "«\u202futile\u202f»" in text
    assert "est-ce\u202f? Oui\u202f!" in text and "coopération\u00a0: une" in text
    assert "«\u202fsanctions invisibles\u202f»" in text  # a no-break space at either end of an italic box
    assert not re.search("[ \n][\u00a0\u202f]|[\u00a0\u202f][ \n]", text)  # no space added beside one
    # And every paragraph comes back whole, character for character, line breaks aside.
    paragraphs = copied["source"].split("\n")
    assert len(paragraphs) == 3
    for paragraph in paragraphs:
        assert comes_back(paragraph, text), paragraph


@pytest.mark.parametrize("reader", READERS)
def test_typed_hyphens_copy_out_as_hyphen_minus_and_weasyprints_as_u2010(copied: dict[str, str], reader: str) -> None:
    text = copied[reader]
    assert "well-known" in text
    # The writer's hyphen at a line end stays: readers must not take it for hyphenation.
    assert re.search("leur co-\n *operation avec", text), "the fixture no longer breaks the line after co-"
    # A word WeasyPrint hyphenated: its hyphen, U+2010, at the line end, and nowhere else.
    assert re.search("hospitalières re\u2010\n *construites", text)
    assert not re.search("\u2010(?! *\n)", text)
