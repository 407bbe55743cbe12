"""Side-by-side bilingual PDFs: English on the left, Arabic on the right, pairs in step."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from publish import build
from publish.bilingual import order_columns
from publish.model import OutputFormat
from publish.pair import build_pair

from .conftest import MakeProject, pdftotext, require_tool

MM = 72 / 25.4
WIDTH = 595.28
EN = "The alliance documents what happened in the region and speaks with the people who lived it. "
AR = "يوثّق التحالف ما جرى في المنطقة ويتحدث مع الناس الذين عاشوه. "


def _project(make_project: MakeProject, root: Path, files: dict[str, str] | None = None) -> Path:
    """A project with the repository's layouts and fonts (the one project fixture), and these files (path: text)."""
    make_project(root, '[project]\ntitle = "T"\n')
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def pair_pdf(tmp_path_factory: pytest.TempPathFactory, make_project: MakeProject) -> Path:
    root = _project(make_project, tmp_path_factory.mktemp("pair"))
    folder = root / "briefings" / "s"
    folder.mkdir(parents=True)
    # Paragraphs of very different lengths, each marked §n in both languages.
    lengths = [2, 9, 1, 6, 3, 12, 1, 4, 8, 2, 5, 1]
    en = "\n\n".join(f"§{n} " + EN * k for n, k in enumerate(lengths, start=1))
    ar = "\n\n".join(f"§{n} " + AR * (k + n % 3) for n, k in enumerate(lengths, start=1))
    (folder / "en.md").write_text(f"---\ntitle: Statement\n---\n\n{en}\n", encoding="utf-8")
    (folder / "ar.md").write_text(f"---\ntitle: بيان\n---\n\n{ar}\n", encoding="utf-8")
    result = build_pair(folder, ("ar", "en"), project_root=root)
    assert result.ok, [str(e) for e in result.errors]
    (out,) = result.outputs
    assert out.name == "s.ar+en.pdf"
    return out


def _words(pdf: Path) -> list[tuple[int, float, float, float, str]]:
    html = pdftotext(pdf, "-bbox")
    words = []
    for page, body in enumerate(re.split(r"<page ", html)[1:], start=1):
        for x0, y0, x1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', body
        ):
            words.append((page, float(x0), float(x1), float(y0), word))
    return words


def test_right_to_left_language_takes_the_right_column() -> None:
    class Doc:
        def __init__(self, direction: str) -> None:
            from publish.model import Direction

            self.direction = Direction(direction)

    ltr, rtl = Doc("ltr"), Doc("rtl")
    assert order_columns(rtl, ltr) == (ltr, rtl)
    assert order_columns(ltr, rtl) == (ltr, rtl)


def test_pairs_start_together_in_their_own_columns(pair_pdf: Path) -> None:
    words = _words(pair_pdf)
    middle = WIDTH / 2
    lines: dict[tuple[int, int, str], list[str]] = {}
    for page, _x0, x1, y, word in words:
        lines.setdefault((page, round(y), "left" if x1 < middle else "right"), []).append(word)
    markers: dict[int, dict[str, tuple[int, float]]] = {}
    for (page, y, side), line in lines.items():
        # In the right-to-left column the marker may come out in visual order ("1§"), with marks.
        text = re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", " ".join(line))
        if match := re.search(r"§\s*(\d+)\b|\b(\d+)\s*§", text):
            markers.setdefault(int(match.group(1) or match.group(2)), {})[side] = (page, y)
    assert sorted(markers) == list(range(1, 13))
    pages = {page for page, *_ in words}
    assert len(pages) >= 3
    for n, sides in markers.items():
        assert set(sides) == {"left", "right"}, n
        (left_page, left_y), (right_page, right_y) = sides["left"], sides["right"]
        assert left_page == right_page, f"pair {n} starts on pages {left_page} and {right_page}"
        assert abs(left_y - right_y) < 3, f"pair {n} starts at {left_y} and {right_y}"


def test_each_column_is_aligned_to_its_own_start_edge(pair_pdf: Path) -> None:
    # The type area, below the column titles; marks such as a shadda that poppler reports as
    # words of their own (issue 10) are not lines.
    words = [w for w in _words(pair_pdf) if 60 < w[3] < 770 and not all(unicodedata.category(c) == "Mn" for c in w[4])]
    assert len({p for p, *_ in words}) >= 2, "the pair should fill more than one page"
    middle = WIDTH / 2
    rows: dict[tuple[int, int, str], list[tuple[float, float]]] = {}
    for page, x0, x1, y, _ in words:
        rows.setdefault((page, round(y), "left" if x1 < middle else "right"), []).append((x0, x1))
    # English lines start on one left edge, Arabic lines end on one right edge on each page (the
    # type area's, which moves with the page side): nearly all lines sit exactly on them.
    for page in {p for p, *_ in words}:
        left = [min(x0 for x0, _ in r) for (p, y, side), r in rows.items() if p == page and side == "left"]
        right = [max(x1 for _, x1 in r) for (p, y, side), r in rows.items() if p == page and side == "right"]
        assert left and right
        assert sum(abs(x - min(left)) < 1.5 for x in left) / len(left) > 0.9, page
        assert sum(abs(x - max(right)) < 1.5 for x in right) / len(right) > 0.9, page
        margins = (18 * MM, 25 * MM)
        assert any(abs(min(left) - m) < 2 for m in margins)
        assert any(abs(max(right) - (WIDTH - m)) < 2 for m in margins)


# --- what each column takes from the brand: digits and faces ---------------------------------


@pytest.fixture(scope="module")
def noted(tmp_path_factory: pytest.TempPathFactory, make_project: MakeProject) -> Path:
    """One note per language, in a brand writing Arabic numbers in ٠-٩ and in one naming other Arabic faces."""
    files = {
        "layouts/indic/brand.toml": 'name = "Indic"\ndigits = "arab"\n',
        "layouts/sans/brand.toml": 'name = "Sans"\n\n[fonts.arabic]\nbody = ["Noto Sans Arabic", "Noto Sans"]\n',
    }
    for slug, brand in (("noted", "indic"), ("sans", "sans")):
        files[f"briefings/{slug}/briefing.toml"] = f'brand = "{brand}"\n'
        files[f"briefings/{slug}/en.md"] = (
            "---\ntitle: Noted\n---\n\nThe alliance documents it[^1].\n\n[^1]: Echo note.\n"
        )
        files[f"briefings/{slug}/ar.md"] = (
            "---\ntitle: حاشية\n---\n\nيوثّق التحالف ما جرى[^1].\n\n[^1]: نص الحاشية الأولى.\n"
        )
    root = _project(make_project, tmp_path_factory.mktemp("noted"), files)
    for slug in ("noted", "sans"):
        result = build_pair(root / "briefings" / slug, ("en", "ar"), project_root=root)
        assert result.ok, [str(e) for e in result.errors]
    result = build(project_root=root, formats=[OutputFormat.PDF], langs=["ar"])
    assert result.ok, [str(e) for e in result.errors]
    return root / "build" / "pdf"


def _digits(text: str, words: str) -> set[str]:
    """Which digits the line holding `words` is numbered in: "arab" (٠-٩), "latn" (0-9)."""
    (line,) = [line for line in text.splitlines() if words in line]
    return {"arab" if c in "٠١٢٣٤٥٦٧٨٩" else "latn" for c in line if c.isdigit()}


def test_each_column_numbers_its_notes_in_its_own_languages_digits(noted: Path) -> None:
    single, pair = pdftotext(noted / "noted.ar.pdf"), pdftotext(noted / "noted.en+ar.pdf")
    # The Arabic PDF of a brand with digits = "arab" calls and numbers its note in ٠-٩, and so
    # does the Arabic column of the pair; the English column keeps 0-9.
    for text in (single, pair):
        assert _digits(text, "ما جرى") == {"arab"}  # the call, after the sentence
        assert _digits(text, "نص الحاشية") == {"arab"}  # the marker, before the note
    assert _digits(pair, "documents it") == {"latn"}
    assert _digits(pair, "Echo note") == {"latn"}


def _fonts(pdf: Path) -> list[str]:
    out = subprocess.run([require_tool("pdffonts"), str(pdf)], check=True, capture_output=True, text=True).stdout
    return [line.split()[0].split("+", 1)[-1] for line in out.splitlines()[2:] if line.strip()]


def test_the_arabic_column_takes_its_faces_from_the_brand(noted: Path) -> None:
    # Base's [fonts.arabic]: Naskh for the Arabic column's text, as for Arabic documents.
    assert "Noto-Naskh-Arabic" in _fonts(noted / "noted.en+ar.pdf")
    # A brand naming Noto Sans Arabic first: no Naskh anywhere, the Arabic text set in the sans.
    sans = _fonts(noted / "sans.en+ar.pdf")
    assert "Noto-Sans-Arabic" in sans
    assert not [name for name in sans if name.startswith("Noto-Naskh-Arabic")]


def test_each_column_has_its_own_note_anchors(tmp_path: Path, make_project: MakeProject) -> None:
    """Both columns number their notes fn1…: one page must not define an anchor twice (issue 16, item 16)."""
    root = _project(make_project, tmp_path / "p")
    write = {
        "en": "---\ntitle: Noted\n---\n\nFirst[^a] and again[^a].\n\n[^a]: The note.\n",
        "ar": "---\ntitle: حاشية\n---\n\nأولى[^a] ومرة أخرى[^a].\n\n[^a]: نص الحاشية.\n",
    }
    for lang, text in write.items():
        (root / "briefings" / "n").mkdir(parents=True, exist_ok=True)
        (root / "briefings" / "n" / f"{lang}.md").write_text(text, encoding="utf-8")
    result = build_pair(root / "briefings" / "n", ("en", "ar"), project_root=root)
    assert result.ok, [str(e) for e in result.errors]
    assert not [w for w in result.warnings if "defined twice" in w], result.warnings
    from publish.bilingual import render_pair_page
    from publish.config import load_project
    from publish.load import load_briefing
    from publish.prepare import Brands, prepare_document

    project = load_project(root)
    briefing = load_briefing(root / "briefings" / "n", project)
    brands = Brands(project)
    docs = [prepare_document(briefing, s, brands) for s in briefing.sources]
    html = render_pair_page(docs[0], docs[1], brands.default(), tmp_path / "x.pdf").html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for target in re.findall(r' href="#([^"]+)"', html):
        assert target in ids, target


def test_a_table_in_a_paired_block_keeps_its_padding_and_rules(tmp_path: Path, make_project: MakeProject) -> None:
    """The pair's own layout cells have no padding; a writer's table inside a block keeps its own."""
    root = _project(make_project, tmp_path / "p")
    table = "| Town | Schools |\n|---|---|\n| Idlib | 12 |\n| Afrin | 7 |\n"
    texts = {"en": f"---\ntitle: Table\n---\n\n{table}", "ar": f"---\ntitle: جدول\n---\n\n{table}"}
    for lang, text in texts.items():
        (root / "briefings" / "t").mkdir(parents=True, exist_ok=True)
        (root / "briefings" / "t" / f"{lang}.md").write_text(text, encoding="utf-8")
    assert build_pair(root / "briefings" / "t", ("en", "ar"), project_root=root).ok
    pdf = root / "build" / "pdf" / "t.en+ar.pdf"
    words = pdftotext(pdf, "-bbox")
    found = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)<', words)
    # The left, English column's table (the page is 595 pt wide): "Town" and then "Schools".
    boxes = {word: (float(x0), float(x1)) for x0, x1, word in found if float(x1) < WIDTH / 2}
    # Its first cell's text starts a padding in from the column's edge, where the title starts.
    assert boxes["Town"][0] - boxes["Table"][0] > 2, boxes
