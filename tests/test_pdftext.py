"""publish.pdftext without PDFs: the planning over plain data, and the hooks that bring it into WeasyPrint."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest

from publish import pdftext
from publish.pdftext import hooks
from publish.pdftext.fonts import Face, FontFacts, FontInfo, cid_to_gid_map, code, for_subsetting
from publish.pdftext.gather import assign_texts, cluster_texts, units
from publish.pdftext.glyphs import LRM, RLM, BoxText, Item, Run
from publish.pdftext.pieces import expand, pdfjs_reads_rtl, pieces, place
from publish.pdftext.plan import Page, keep_spaces, mark_directions, page_plan, pdfjs_view, plan_line, poppler_type

ROOT = Path(__file__).resolve().parents[1]

BLANK = 3  # the space glyph: blank, 260 thousandths of an em
LETTER = 500  # every other glyph's advance, unless said otherwise
FATHA, SHADDA, FATHATAN = "\u064e", "\u0651", "\u064b"


def face(widths: dict[int, int] | None = None) -> Face:
    info = FontInfo(100, FontFacts(frozenset({40}), BLANK, ((BLANK, 260),), frozenset({BLANK})))
    made = Face("F1", {BLANK: 260, **(widths or {})}, {}, info)
    info.faces.append(made)
    return made


def run(font: Face, rtl: bool, glyphs: list[tuple[int, float, str, int]], start: int = 0) -> Run:
    """A run of (glyph, x, text, order) in visual order; glyphs 40-49 are marks."""
    for gid, *_ in glyphs:
        font.widths.setdefault(gid, 0 if 40 <= gid < 60 else LETTER)
    items = [Item(gid, x, 0.0, 40 <= gid < 50, text, order, i) for i, (gid, x, text, order) in enumerate(glyphs)]
    return Run(font, 10.0, 1 if rtl else 0, start, items)


def box(key: int, x: float, *runs: Run) -> BoxText:
    return BoxText(key, list(runs), (x, 0.0), "", 10.0)


def reads(op: tuple) -> str:
    """What a glyph op reads as."""
    return op[1].to_unicode[op[3]]


# --- gathering ----------------------------------------------------------------------------------


def test_units_keep_each_letter_with_the_marks_after_it() -> None:
    assert units(f"ب{SHADDA}{FATHA}ت") == [("ب", SHADDA + FATHA), ("ت", "")]
    assert units(f"{FATHA}ب") == [("", FATHA), ("ب", "")]


def test_cluster_texts_run_to_the_next_cluster_in_logical_order() -> None:
    # A right-to-left run lists its clusters from the last; each text runs to the next start.
    data = "بتث".encode()
    assert cluster_texts(data, [4, 2, 0]) == {0: "ب", 2: "ت", 4: "ث"}
    assert cluster_texts(b"office", [0, 1, 4, 5]) == {0: "o", 1: "ffi", 4: "c", 5: "e"}


def test_a_cluster_shares_letters_with_letter_glyphs_and_marks_with_mark_glyphs() -> None:
    letter, mark, extra = Item(10, 0, 0, False, positions=[]), Item(40, 0, 0, True, positions=[]), None
    assign_texts(False, {2: [letter, mark]}, {2: f"ب{SHADDA}{FATHA}"})
    # One mark glyph for two marks: it takes both (shadda and vowel in one glyph).
    assert (letter.text, mark.text) == ("ب", SHADDA + FATHA)
    assert (letter.order, mark.order) == (128, 129) and mark.positions == [129, 130]
    # Right to left, the glyphs' logical order is the reverse of their visual one.
    first, second = Item(10, 5, 0, False, positions=[]), Item(11, 0, 0, False, positions=[])
    assign_texts(True, {0: [second, first]}, {0: "لا"})
    assert (first.text, second.text) == ("ل", "ا")
    # A glyph left without characters goes with the end of its cluster.
    letter, extra = Item(10, 0, 0, False, positions=[]), Item(11, 5, 0, False, positions=[])
    assign_texts(False, {1: [letter, extra]}, {1: "ب"})
    assert (letter.text, extra.text, extra.order) == ("ب", "", 64 + 63)


# --- pieces -------------------------------------------------------------------------------------


def test_a_right_to_left_ligature_keeps_its_first_character_and_carriers_hold_the_others() -> None:
    lam_alef = run(face(), True, [(10, 0.0, "لا", 0)])
    expand(lam_alef)
    assert [(i.kind, i.text, i.order) for i in lam_alef.items] == [("carrier", "ا", 1), ("glyph", "ل", 0)]
    assert [i.index for i in lam_alef.items] == [0, 1]
    # Left to right, readers keep a ligature's characters in order: it stays whole.
    fi = run(face(), False, [(10, 0.0, "fi", 0)])
    expand(fi)
    assert [(i.kind, i.text) for i in fi.items] == [("glyph", "fi")]


def test_a_letter_without_advance_gives_its_characters_to_carriers() -> None:
    alef = run(face({50: 0}), True, [(50, 0.0, "ا", 0), (10, 0.0, "ل", 64)])
    expand(alef)
    assert [(i.kind, i.text) for i in alef.items] == [("carrier", "ا"), ("quiet", ""), ("glyph", "ل")]


def test_a_raised_glyph_is_a_piece_of_its_own() -> None:
    text = run(face(), True, [(11, 0.0, "ت", 64), (41, 2.0, FATHATAN, 1), (10, 5.0, "ب", 0)])
    text.items[1].rise = 3.0
    cut = pieces(box(1, 0.0, text))
    assert [p.logical for p in cut] == ["ب", FATHATAN, "ت"]
    assert text.raised and text.items[1].kind == "raised"
    raised = cut[1].ops()
    assert [op[0] for op in raised] == ["begin", "glyph", "glyph", "glyph", "end"]
    assert raised[0] == ("begin", FATHATAN) and [op[6] for op in raised[1:4]] == ["flex", "quiet", "twin"]
    assert raised[2][5] == 3.0 and raised[1][4] == raised[3][4]  # the carriers on the baseline, together


def test_right_to_left_runs_are_cut_in_logical_order() -> None:
    # Visual order, left to right: ث ت ب, a word read from the right.
    word = run(face(), True, [(12, 0.0, "ث", 128), (11, 5.0, "ت", 64), (10, 10.0, "ب", 0)])
    (piece,) = pieces(box(1, 0.0, word))
    assert piece.logical == "بتث" and piece.items == word.items
    # A glyph reading as nothing cuts it: pdf.js would read across it.
    word = run(face(), True, [(12, 0.0, "ت", 128), (11, 5.0, "", 64), (10, 10.0, "ب", 0)])
    assert [p.logical for p in pieces(box(1, 0.0, word))] == ["ب", "", "ت"]


def test_neutrals_pdfjs_keeps_left_to_right_are_one_piece_each() -> None:
    assert pdfjs_reads_rtl("ب") and pdfjs_reads_rtl("ب a") and not pdfjs_reads_rtl("abcd ب")
    assert not pdfjs_reads_rtl("( )")
    brackets = run(face(), True, [(13, 0.0, ")", 128), (BLANK, 5.0, " ", 64), (14, 7.6, "(", 0)])
    assert [p.logical for p in pieces(box(1, 0.0, brackets))] == ["(", " ", ")"]


def test_spaces_at_a_pieces_ends_are_left_out() -> None:
    words = run(face(), False, [(BLANK, 0.0, " ", 0), (10, 2.6, "a", 1), (BLANK, 7.6, " ", 2), (11, 10.2, "b", 3)])
    words.items.append(Item(BLANK, 15.2, 0.0, False, " ", 4, 4))
    (piece,) = pieces(box(1, 0.0, words))
    assert piece.unwritten == {id(words.items[0]), id(words.items[4])}
    assert [reads(op) for op in piece.ops()] == ["a", " ", "b"]


def test_carriers_are_placed_just_before_the_next_character_in_reading_order() -> None:
    f = face()
    ops = [
        ("glyph", f, 10.0, 1, 10.0, 0.0, "char"),
        ("glyph", f, 10.0, 2, None, 0.0, "flex", 1),
        ("glyph", f, 10.0, 3, None, 0.0, "flex", 2),
        ("glyph", f, 10.0, 4, None, 0.0, "twin"),
        ("glyph", f, 10.0, 5, 20.0, 0.0, "char"),
    ]
    placed = {op[3]: op[4] for op in place(ops, 10.0, rtl=False)}
    assert placed == pytest.approx({1: 10.0, 2: 19.8, 3: 19.9, 4: 19.9, 5: 20.0})
    placed = {op[3]: op[4] for op in place(ops, 10.0, rtl=True)}
    assert placed == pytest.approx({1: 10.0, 2: 19.9, 3: 19.8, 4: 19.8, 5: 20.0})
    # Squeezed between characters closer than their steps.
    ops[0] = ("glyph", f, 10.0, 1, 19.94, 0.0, "char")
    placed = {op[3]: op[4] for op in place(ops, 10.0, rtl=False)}
    assert placed[2] == pytest.approx(19.96) and placed[3] == pytest.approx(19.98)


# --- codes --------------------------------------------------------------------------------------


def test_a_glyph_read_as_other_text_gets_an_alias_code_of_the_same_glyph() -> None:
    f = face({10: 500, 12: 500})
    assert code(f, 10, "ي") == 10 and f.to_unicode[10] == "ي"
    alias = code(f, 10, "ي" + FATHATAN)
    assert alias >= 100 + 1024 and f.to_unicode[alias] == "ي" + FATHATAN and f.widths[alias] == 500
    assert code(f, 10, "ي" + FATHATAN) == alias
    narrow = code(f, 10, "ي", 50)
    assert narrow not in (10, alias) and f.widths[narrow] == 50
    # A glyph reading as a direction mark never takes its own code: WeasyPrint's own drawing reads it.
    assert code(f, 12, RLM) != 12 and 12 not in f.to_unicode
    # Subsetting keeps the glyphs and leaves the aliases out; every face of the file learns them.
    other = Face("F2", {}, {}, f.info)
    f.info.faces.append(other)
    assert for_subsetting(f.info, dict(f.to_unicode)) == {10: "ي", 12: ""}
    assert other.to_unicode[alias] == "ي" + FATHATAN and other.widths[narrow] == 50
    table = cid_to_gid_map(f.info, f.widths, {11})
    glyphs = [int.from_bytes(table[i : i + 2], "big") for i in range(0, len(table), 2)]
    assert glyphs[alias] == glyphs[narrow] == 10 and glyphs[10] == 10 and glyphs[11] == 0 and glyphs[100] == 0


# --- a line's plan ------------------------------------------------------------------------------


def test_poppler_types() -> None:
    assert [poppler_type(c) for c in "aب5،.( "] == ["L", "R", "#", "#", "#", "N", "N"]


def test_the_page_is_tipped_towards_its_own_direction_when_the_other_outweighs_it() -> None:
    assert page_plan(True, "abc ب").ballast == 3 + 8  # one more Arabic letter than Latin ones, and some
    assert page_plan(True, "ab بتث").ballast == 0
    assert page_plan(False, "a بتث").ballast == 2 + 8
    assert page_plan(False, "ab ب").ballast == 0


def marks(ops: list[tuple]) -> list[str]:
    return [reads(op) for op in ops if op[0] == "glyph"]


def test_a_right_to_left_run_in_a_left_to_right_line_is_closed_where_poppler_needs_it() -> None:
    f = face()
    latin = run(f, False, [(20, 0.0, "a", 0), (21, 5.0, "b", 1)])
    arabic = run(f, True, [(11, 12.0, "ت", 64), (10, 17.0, "ب", 0)], start=2)
    more = run(f, False, [(22, 25.0, "c", 0), (23, 30.0, "d", 1)], start=6)
    cut = pieces(box(1, 0.0, latin, arabic, more))
    mark_directions(Page(False, 0), cut)
    # Its left end is a right-to-left letter: no RLM; text follows it: an LRM on its right.
    assert marks(cut[1].before) == [] and marks(cut[1].after) == [LRM]
    assert [marks(cut[0].after), marks(cut[2].after)] == [[], []]


def test_a_left_to_right_run_in_a_right_to_left_line_gets_an_rlm_on_its_left() -> None:
    f = face()
    right = run(f, True, [(10, 30.0, "ب", 0)])
    latin = run(f, False, [(20, 10.0, "a", 0), (21, 15.0, "b", 1)], start=2)
    left = run(f, True, [(11, 0.0, "ت", 0)], start=5)
    cut = pieces(box(1, 0.0, right, latin, left))
    mark_directions(Page(True, 0), cut)
    assert marks(cut[1].before) == [RLM] and cut[1].before[0][4] == pytest.approx(9.99)
    assert marks(cut[1].after) == []  # poppler runs it left up to the next Arabic letter already


def test_a_row_of_dots_in_right_to_left_text_gets_one_rlm() -> None:
    dots = run(face(), True, [(10, 0.0, "ب", 128), (30, 5.0, ".", 65), (30, 7.0, ".", 64), (11, 9.0, "ت", 0)])
    cut = pieces(box(1, 0.0, dots))
    mark_directions(Page(True, 0), cut)
    assert [marks(m) for m in cut[0].marks.values()] == [[RLM]]


def test_a_typed_hyphen_at_the_end_of_a_line_is_kept_and_ballast_written() -> None:
    hyphen = run(face(), False, [(20, 0.0, "a", 0), (24, 5.0, "-", 1)])
    cut = pieces(box(1, 0.0, hyphen))
    page = Page(False, 3)
    mark_directions(page, cut)
    assert marks(cut[0].after) == [LRM, LRM * 3] and page.ballast == 0


def test_pdfjs_sees_a_piece_end_at_its_last_glyph_with_a_width_and_a_character() -> None:
    f = face({10: 500})
    ops = [("glyph", f, 10.0, code(f, 10, "a"), 2.0, 0.0, "char"), ("glyph", f, 10.0, code(f, BLANK, " "), 7.0, 0.0)]
    assert pdfjs_view(ops, 100.0, "x") == (107.0, " ")
    assert pdfjs_view([("glyph", f, 10.0, code(f, BLANK, RLM, 0), 0.0, 0.0)], 100.0, "x") == (None, "x")


def right_to_left_words(second_x: float, space: bool = True) -> tuple[list[BoxText | None], dict]:
    """Two Arabic words in boxes of their own, a space box between them; the first ends at 105."""
    f = face()
    texts: list[BoxText | None] = [
        box(1, 100.0, run(f, True, [(10, 0.0, "ب", 0)])),
        *([box(2, 105.0)] if space else []),
        box(3, second_x, run(f, True, [(11, 0.0, "ت", 0)])),
    ]
    return texts, {t.key: pieces(t) for t in texts if t is not None}


def test_pdfjs_is_given_the_space_before_a_piece_starting_left_of_the_last() -> None:
    texts, cut = right_to_left_words(80.0)
    keep_spaces(texts, cut)
    (piece,) = cut[3]
    assert piece.borrowed is piece.items[0]
    # After a letter, a blank reading as a space, then one reading as the piece's first character,
    # 0.06 em right of where pdf.js saw the last piece end (105 - 80 from this box's origin).
    assert [op[0] for op in piece.before] == ["glyph", "begin", "glyph", "end"]
    assert marks(piece.before) == [" ", "ت"] and piece.before[2][4] == pytest.approx(25.6)
    assert marks(piece.ops()) == [" ", "ت", RLM]  # the glyph itself reads as nothing for pdf.js
    # Less than a tenth of an em right of it, pdf.js would see no space either.
    texts, cut = right_to_left_words(105.9)
    keep_spaces(texts, cut)
    assert cut[3][0].borrowed is not None
    # Further right, the gap makes the space; without a space between, none is made.
    for texts, cut in (right_to_left_words(106.1), right_to_left_words(80.0, space=False)):
        keep_spaces(texts, cut)
        assert cut[3][0].borrowed is None and cut[3][0].before == []


def test_a_line_plan_writes_each_box_in_pieces() -> None:
    texts, _ = right_to_left_words(80.0)
    plans = plan_line(Page(True, 0), texts)
    assert set(plans) == {1, 2, 3} and plans[2] == []
    assert plans[1][0] == ("piece",) and marks(plans[1]) == ["ب"]


NNBSP = "\u202f"


def line(*boxes: tuple[float, Run]) -> list[BoxText | None]:
    """Text boxes at (x, run), keyed 1, 2, …, their text read from their items."""
    return [BoxText(k, [r], (x, 0.0), "".join(i.text for i in r.items), 10.0) for k, (x, r) in enumerate(boxes, 1)]


def test_a_no_break_space_is_read_with_the_glyph_before_it_which_spans_it() -> None:
    f = face()
    texts = line((0.0, run(f, False, [(20, 0.0, "5", 0), (BLANK, 5.0, NNBSP, 1), (21, 7.6, "%", 2)])))
    glyphs = [op for op in plan_line(Page(False, 0), texts)[1] if op[0] == "glyph"]
    # Both readers drop a glyph reading as one whitespace character: none is left to drop.
    assert [reads(op) for op in glyphs] == ["5" + NNBSP, "%"]
    assert f.widths[glyphs[0][3]] == 760 and glyphs[1][4] == 7.6  # up to the space's end: no gap
    # Across text boxes: the box after starts writing past the space, where the glyph before ends.
    quote = run(f, False, [(22, 0.0, "«", 0)])
    texts = line((100.0, quote), (105.0, run(f, False, [(BLANK, 0.0, NNBSP, 0), (23, 2.6, "u", 1)])))
    plans = plan_line(Page(False, 0), texts)
    assert marks(plans[1]) == ["«" + NNBSP] and f.widths[plans[1][1][3]] == 760
    assert plans[2][0] == ("origin", pytest.approx(2.6)) and marks(plans[2]) == ["u"]
    assert all(op[0] == "glyph" for op in plans[2][2:])  # a space pdf.js does not see is not made for it


def test_a_no_break_space_is_left_alone_after_a_space_and_in_right_to_left_text() -> None:
    f = face()
    spaced = run(f, False, [(20, 0.0, "a", 0), (BLANK, 5.0, " ", 1), (BLANK, 7.6, NNBSP, 2), (21, 10.2, "b", 3)])
    assert marks(plan_line(Page(False, 0), line((0.0, spaced)))[1]) == ["a", " ", NNBSP, "b"]
    arabic = run(f, True, [(11, 0.0, "ت", 128), (BLANK, 5.0, NNBSP, 64), (10, 7.6, "ب", 0)])
    assert marks(plan_line(Page(True, 0), line((0.0, arabic)))[1]) == ["ت", NNBSP, "ب"]  # left to right


# --- hooks --------------------------------------------------------------------------------------


def replaced() -> dict[str, object]:
    """WeasyPrint's six functions as they are now."""
    return {name: getattr(owner, attribute) for name, (owner, attribute, _) in hooks._where().items()}


def test_the_text_layer_is_in_place_for_its_block_only_even_on_errors() -> None:
    before = replaced()
    assert not pdftext.active()
    with pdftext.text_layer():
        assert pdftext.active()
        assert all(replaced()[name] is not before[name] for name in before)
        with pdftext.plain():  # WeasyPrint's own drawing, for the fidelity baseline
            assert replaced() == before
            with pdftext.text_layer():
                assert replaced() == before
        assert replaced()["draw_page"] is hooks._draw_page
    assert replaced() == before
    with pytest.raises(RuntimeError, match="WeasyPrint failed"), pdftext.text_layer():
        raise RuntimeError("WeasyPrint failed")
    assert replaced() == before and not pdftext.active()


@pytest.mark.parametrize("name", ["vector", "draw_inline_level", "clean"])
def test_a_changed_weasyprint_function_is_refused_and_nothing_replaced(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    owner, attribute, label = hooks._where()[name]

    def changed(font_dictionary, pdf, font, widths, reference, compress, pdf_version):
        raise AssertionError("never called")

    monkeypatch.setattr(owner, attribute, changed)
    before = replaced()
    with pytest.raises(pdftext.WeasyPrintSignatureError, match=re.escape(label)), pdftext.text_layer():
        pass
    assert replaced() == before and not pdftext.active()
    # The typesetter decides up front to make PDFs with WeasyPrint's own text layer.
    from publish.typeset import Typesetter

    reason = Typesetter([ROOT], ROOT).text_layer_fallback
    assert reason is not None and label in reason and "port publish.pdftext.hooks" in reason


def test_another_weasyprint_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint

    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(pdftext.WeasyPrintVersionError, match=r"70\.0"), pdftext.text_layer():
        pass
    assert not pdftext.active()


def test_a_typeset_call_draws_through_the_text_layer_and_puts_weasyprint_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publish.model import Direction, RenderedPage
    from publish.typeset import Typesetter

    written = []

    def spy(stream: object, ops: list[tuple], matrix: object) -> None:
        written.append(ops)
        return write(stream, ops, matrix)

    write = hooks.write
    monkeypatch.setattr(hooks, "write", spy)
    before = replaced()
    page = RenderedPage(ARABIC, "ar", Direction.RTL, tmp_path / "out.pdf", ROOT.as_uri() + "/")
    assert Typesetter([ROOT], ROOT).typeset(page) == tmp_path / "out.pdf"
    assert written and (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    assert replaced() == before and not pdftext.active()


ARABIC = """<!doctype html><html dir="rtl" lang="ar"><head><style>
@font-face { font-family: Naskh; src: url(fonts/NotoNaskhArabic-Regular.ttf) }
body { font-family: Naskh; font-size: 14pt }
</style></head><body><p>لا إله إلّا الله، وبَيْتٌ</p></body></html>"""


@pytest.mark.parametrize("uncompressed", [False, True])
def test_the_cid_to_gid_map_is_compressed_as_the_pdf_is(uncompressed: bool) -> None:
    import pypdf
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    with pdftext.text_layer():
        pdf = weasyprint.HTML(string=ARABIC, base_url=ROOT.as_uri() + "/").write_pdf(
            font_config=config, uncompressed_pdf=uncompressed
        )
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    maps = [
        font.get_object()["/DescendantFonts"][0].get_object()["/CIDToGIDMap"].get_object()
        for font in reader.pages[0]["/Resources"]["/Font"].values()
    ]
    assert any(len(m.get_data()) > 2000 for m in maps)  # aliases well beyond the glyphs
    assert all(("/Filter" in m) is not uncompressed for m in maps)


# --- the boundary -------------------------------------------------------------------------------

PUBLIC = {
    "weasyprint": {"HTML", "CSS", "Document"},
    "weasyprint.pdf": {"VARIANTS"},
    "weasyprint.urls": None,
    "weasyprint.text.fonts": None,
}
"""WeasyPrint's modules publish may import outside publish.pdftext.hooks, and their names (None: any)."""


def test_only_the_hooks_import_weasyprint_internals() -> None:
    found = []
    for path in sorted((ROOT / "src").rglob("*.py")):
        if path == ROOT / "src" / "publish" / "pdftext" / "hooks.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imports = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                imports = [(node.module or "", alias.name) for alias in node.names]
            else:
                continue
            for module, name in imports:
                if module.split(".")[0] != "weasyprint" or (module == "weasyprint" and name is None):
                    continue
                if module not in PUBLIC or not (PUBLIC[module] is None or name in PUBLIC[module]):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {module} {name or ''}")
    assert found == []
