"""Plan a line: its boxes' pieces in reading order, direction marks for poppler, spaces for pdf.js.

Pure functions over plain data (`glyphs`, `pieces`): what they decide is the list of ops each
text box is written with (`write`).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from operator import attrgetter

from .fonts import code
from .glyphs import CARRIER_ADVANCE, LRM, RLM, BoxText, Item, Run, is_mark
from .pieces import Piece, pieces

_category = unicodedata.category
_by_order = attrgetter("order")
_bidirectional = unicodedata.bidirectional

# Characters poppler's bidi treats like digits (its UnicodeTypeTable gives them the type '#'):
# it keeps them, and the neutrals next to them, in left-to-right order inside right-to-left text.
NO_BREAK_SPACES = frozenset("\u00a0\u202f")

POPPLER_WEAK = frozenset("#$%+,-./0123456789:\u00a0\u00b2\u00b3\u00b9\u060c")


@dataclass
class Page:
    """What is decided once per page: the direction poppler must find, and how to tip it."""

    rtl: bool
    ballast: int
    """Direction marks of the page's direction still to write so that poppler finds its majority."""


def page_plan(rtl: bool, text: str) -> Page:
    """Decide, for a page of direction `rtl` holding `text`, how many marks tip poppler its way.

    poppler takes all the lines of a page right to left when it holds more right-to-left letters
    than left-to-right ones (TextPage::coalesce, lrCount): they are counted as it will.
    """
    balance = 0
    for char, count in Counter(text).items():
        kind = _bidirectional(char)
        if kind == "L":
            balance += count
        elif kind in ("R", "AL"):
            balance -= count
    needed = max(0, balance + 1) if rtl else max(0, -balance)
    return Page(rtl, needed + 8 if needed else 0)


def plan_line(page: Page, texts: list[BoxText | None]) -> dict[int, list[tuple]]:
    """Plan every text box of a line: pieces in reading order, marks for poppler, spaces for pdf.js.

    `texts`: the line's text boxes in drawing order, None for those WeasyPrint draws itself.
    Return the ops of each box, by its key.
    """
    drawn = [t for t in texts if t is not None and t.runs]
    if any(NO_BREAK_SPACES.intersection(t.logical) for t in drawn):
        join_no_break_spaces(texts)
    cut = {t.key: pieces(t) for t in drawn}
    mark_directions(page, [p for t in drawn for p in cut[t.key]])
    keep_spaces(texts, cut)
    plans: dict[int, list[tuple]] = {}
    for text in texts:
        if text is not None:
            ops: list[tuple] = [("origin", text.start)] if text.start else []
            for piece in cut.get(text.key, []):
                ops.append(("piece",))
                ops += piece.ops()
            plans[text.key] = ops
    return plans


def join_no_break_spaces(texts: list[BoxText | None]) -> None:
    """Make the glyph before each no-break space of left-to-right text read as it and the space.

    Both readers drop a glyph that reads as one whitespace character and infer a plain space from
    the gap it leaves: poppler whatever the character (TextPage::addChar), pdf.js whenever the
    glyph's text starts with one (its \\s takes U+00A0 and U+202F). A glyph reading as several
    characters is kept whole by both. So the blank glyph of the space is left out and the glyph
    before it reads as its own characters and the space, with an advance to the space's end: no
    gap is left for a reader to fill, and the page looks the same. The glyph before may end the
    previous run or text box of the line, when it is on the same baseline, just before.
    """
    previous: tuple[BoxText, Run, Item] | None = None
    for text in texts:
        if text is None or not text.runs:
            previous = None  # drawn by WeasyPrint, or a box of spaces
            continue
        for run in text.runs:
            if run.rtl:
                previous = None
                continue
            kept = []
            for item in run.items:
                if item.text in NO_BREAK_SPACES and previous is not None and joins(previous, text, run, item):
                    before_text, before_run, before = previous
                    end = text.origin[0] + item.x + run.face.widths[item.gid] * run.size / 1000
                    start = before_text.origin[0] + before.x
                    before.text += item.text
                    before.advance = round((end - start) * 1000 / before_run.size)
                    if before_text is not text:
                        text.start = end - text.origin[0]  # the box's first glyph: start after it
                    continue
                kept.append(item)
                previous = (text, run, item)
            if len(kept) < len(run.items):
                run.items = kept
                for index, item in enumerate(kept):
                    item.index = index


def joins(previous: tuple[BoxText, Run, Item], text: BoxText, run: Run, space: Item) -> bool:
    """Tell whether a no-break space can be read with the glyph before it (see `join_no_break_spaces`)."""
    before_text, before_run, before = previous
    if space.gid not in run.face.info.blanks or space.rise or before.rise or before.mark:
        return False  # a space drawn with ink, or on another baseline: left as it is
    chars = before.text
    if not chars or chars[0].isspace() or _category(chars[-1]) == "Cf" or any(is_mark(c) for c in chars):
        return False  # read as a space, skipped, or taken for a mark by pdf.js (no advance)
    if not before_run.face.widths[before.gid] or before.positions is not None:
        return False
    if before_text is not text:
        # Both left to right (`join_no_break_spaces`), on one baseline, the space just after the glyph.
        if abs(before_text.origin[1] - text.origin[1]) > 0.01:
            return False
        gap = text.origin[0] + space.x - (before_text.origin[0] + before.x)
        if not 0 < gap < before_run.face.widths[before.gid] * before_run.size / 1000 + 0.3 * run.size:
            return False
    return True


def marker(run: Run, marks: str, x: float) -> tuple:
    """A zero-width glyph reading as `marks` (direction marks), at `x` in the run's font."""
    face = run.face
    # The space glyph, drawn with no width: fonts give the direction marks' own glyphs an outline.
    return ("glyph", face, run.size, code(face, face.info.blank, marks, 0), x, 0.0, "char")


def poppler_type(char: str) -> str:
    """The class poppler's bidi gives a character: "L", "R", "#" (digits and the like) or "N"."""
    if char in POPPLER_WEAK or _bidirectional(char) in ("EN", "AN"):
        return "#"
    kind = _bidirectional(char)
    return "L" if kind == "L" else "R" if kind in ("R", "AL") else "N"


def edge(piece: Piece, side: int) -> str:
    """The character drawn at the left (side 0) or right (side -1) end of a piece, spaces aside."""
    text = piece.logical.strip()
    if not text:
        return " "
    return text[-1 - side] if piece.run.rtl else text[side]


def mark_directions(page: Page, drawn: list[Piece]) -> None:
    """Write the direction marks poppler needs to put runs and punctuation back in logical order.

    poppler reads a line from the side of the page's direction, reversing each stretch of
    right-to-left letters it meets with the neutrals next to them, keeping letters, digits and
    `. , : - /` left to right. A run against the page's direction is closed on both sides, an RLM
    on its left and an LRM on its right, where poppler would otherwise take neutrals across its
    ends. Inside right-to-left text, each of `. , : - /` (a row of them once) gets an RLM on its
    left, so that it stays on its own instead of taking the neighbouring space along. The marks
    come out with the text: none is written where it changes nothing.
    """
    if not drawn:
        return
    visual = sorted(drawn, key=lambda p: p.left())
    index = 0
    while index < len(visual):
        if visual[index].run.rtl == page.rtl:
            index += 1
            continue
        end = index
        while end + 1 < len(visual) and visual[end + 1].run.rtl != page.rtl:
            end += 1
        # Around the whole run, spaces inside it included: they belong to it, and are drawn in it.
        # poppler reads a right-to-left line from the right, a stretch of left-to-right text
        # running left until the next right-to-left letter, neutrals included: no RLM is needed
        # at the line's left end, no LRM after a letter or digit. A left-to-right line the other
        # way round: no RLM before a right-to-left letter, no LRM at the line's right end.
        first, last = visual[index], visual[end]
        left, right = poppler_type(edge(first, 0)), poppler_type(edge(last, -1))
        if index > 0 if page.rtl else left != "R":
            first.before.append(marker(first.run, RLM, first.left(blank=True) - first.text.origin[0] - 0.01))
        if right not in ("L", "#") if page.rtl else end < len(visual) - 1:
            last.after.append(marker(last.run, LRM, last.right(blank=True) - last.text.origin[0]))
        index = end + 1
    if page.rtl:
        # Left to right: a row of dots (a leader, "...") needs one mark, on its left.
        left = ""
        for piece in visual:
            if not piece.run.rtl:
                left = ""
                continue
            for item in piece.items:
                if item.kind == "glyph" and item.text[:1] in POPPLER_WEAK and item.text != left:
                    piece.marks[id(item)] = [marker(piece.run, RLM, item.x - 0.01)]
                if item.text:
                    left = item.text
    # poppler joins a line ending in a hyphen to the next, dropping the hyphen: right for a word
    # it cut, wrong for a hyphen the writer typed (URLs, "synth-wave"). After one, a mark keeps it.
    end = visual[-1]
    if max(end.items, key=lambda i: i.x).text.endswith("-"):
        end.after.append(marker(end.run, RLM if page.rtl else LRM, end.right() - end.text.origin[0]))
    target = next((p for p in drawn if p.run.rtl == page.rtl), None)
    while page.ballast > 0 and target is not None:
        count = min(page.ballast, 100)
        x = target.right() - target.text.origin[0]
        target.after.append(marker(target.run, (RLM if page.rtl else LRM) * count, x))
        page.ballast -= count


def keep_spaces(texts: list[BoxText | None], cut: dict[int, list[Piece]]) -> None:
    """Make pdf.js see the spaces before pieces that start left of the previous one's end.

    pdf.js infers a space only where a glyph starts right of the end of the last one, a little
    further than a space if other glyphs came in between. In reading order a right-to-left piece
    starts left of the previous one: there, after a zero-width space, a blank glyph is written
    just right of the previous piece's end, where pdf.js turns the pair into a space. That blank
    reads as the first character of the piece, whose own glyph then reads as a format character
    pdf.js skips. ActualText spans give poppler, which reads ActualText, nothing for the blank
    and the character for the glyph, where it is.
    """
    end: float | None = None
    em = 0.0
    pending = False
    last = " "  # the last character pdf.js took, a space standing for any whitespace
    for text in texts:
        if text is None:
            end, pending, last = None, False, " "
            continue
        for piece in cut.get(text.key, []):
            logical = piece.logical
            if not logical:
                continue  # a glyph that reads as nothing
            if not logical.strip():
                pending = True
                continue
            if end is not None and (pending or logical[:1].isspace()) and piece.left() - end < 0.102 * em:
                borrow(piece, end - text.origin[0] + 0.06 * em, spaced=last == " ")
            # A no-break space read with the glyph before it is no whitespace glyph to pdf.js.
            pending = logical[-1:].isspace() and max(piece.items, key=_by_order).advance is None
            ops = piece.ops()
            seen, last = pdfjs_view(ops, text.origin[0], last)
            if seen is not None:
                end, em = seen, piece.run.size
        if not text.runs:
            pending = True


def pdfjs_view(ops: list[tuple], origin: float, last: str) -> tuple[float | None, str]:
    """Return where pdf.js sees `ops` end (the last glyph with a width and a character) and the last
    character it took (a space for whitespace; format characters are skipped)."""
    # Read from the end: the last character taken, and the last glyph with a width and a character.
    taken = None
    for op in reversed(ops):
        if op[0] != "glyph":
            continue
        face, glyph = op[1], op[3]
        text = face.to_unicode.get(glyph, "")
        if not text or _category(text[-1]) == "Cf":
            continue
        if text.isspace():
            if taken is None:
                taken = " "
            continue
        if taken is None:
            taken = text[-1]
        width = face.widths[glyph]
        if width:
            return origin + op[4] + width * op[2] / 1000, taken
    return None, last if taken is None else taken


def borrow(piece: Piece, x: float, spaced: bool) -> None:
    """Recreate for pdf.js the space before `piece`, from a blank glyph at `x` (see `keep_spaces`).

    `spaced`: pdf.js took a whitespace glyph last; one more would make it forget the letter before.
    """
    run = piece.run
    first = next((i for i in sorted(piece.items, key=lambda i: i.order) if i.text.strip()), None)
    if first is None or first.kind != "glyph" or is_mark(first.text[0]) or not run.face.widths[first.gid]:
        return
    if run.rtl and len(first.text) > 1:
        return  # poppler would read the ActualText of the glyph backwards
    face, size = run.face, run.size
    blank = face.info.blank
    piece.borrowed = first
    if not spaced:
        piece.before.append(("glyph", face, size, code(face, blank, " ", 0), x, 0.0, "quiet"))
    piece.before += [
        ("begin", ""),
        ("glyph", face, size, code(face, blank, first.text, CARRIER_ADVANCE), x, 0.0, "quiet"),
        ("end",),
    ]
