"""Cut a text box's runs into pieces in reading order, and list what is written for each: ops.

An op is a tuple: ("glyph", face, size, code, x, rise, role[, order]), ("begin", actual text),
("end",), ("sync",) (back to the text origin), ("piece",) (set the font again) or, first in a
box's ops, ("origin", x) (start at x, not the origin: `plan.join_no_break_spaces`); `write` turns
them into PDF operators.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from operator import attrgetter

from .fonts import FontInfo, code
from .glyphs import CARRIER_ADVANCE, LRM, RLM, BoxText, Item, Run, is_mark

_category = unicodedata.category
_by_start = attrgetter("start")
_by_order = attrgetter("order")
_by_index = attrgetter("index")


def expand(run: Run) -> None:
    """Give each of a run's items its kind, and carriers to the glyphs that need them (visual order kept).

    Readers reverse right-to-left text character by character, the characters of a ligature too:
    a right-to-left glyph standing for several characters keeps its first, and carriers on its
    left hold the others. A letter drawn with no advance (the alef of Noto Naskh's lam-alef)
    starts where the next glyph starts: poppler could not tell which comes first, and pdf.js
    would measure the next one from before it; carriers just before it hold its characters.
    """
    if run.plain:
        return  # every glyph is written as itself: `gather` made it a "glyph" item
    items: list[Item] = []
    append = items.append
    widths = run.face.widths
    rtl = run.rtl
    for glyph in run.items:
        # A glyph's first position is its order (`assign_texts`): both are set from its first character.
        text, order = glyph.text, glyph.order
        if glyph.rise:
            glyph.kind = "raised"
            append(glyph)
            run.raised = True
            continue
        if not text:
            glyph.kind = "quiet"
            append(glyph)
            continue
        zero = not widths[glyph.gid] and not glyph.mark
        if not zero and not (rtl and len(text) > 1 and not all(is_mark(c) for c in text)):
            append(glyph)
            continue
        orders = glyph.positions if glyph.positions is not None else range(order, order + len(text))
        kept = 0 if zero else 1
        carried = [
            Item(glyph.gid, glyph.x, glyph.rise, glyph.mark, c, o, kind="carrier")
            for c, o in zip(text[kept:], orders[kept:], strict=True)
        ]
        items += carried[::-1] if rtl else carried
        if zero:
            glyph.kind, glyph.text = "quiet", ""
        else:
            glyph.text = text[0]
        append(glyph)
    for index, item in enumerate(items):
        item.index = index
    run.items = items


@dataclass(slots=True)
class Piece:
    """Items of one run written together, left to right: what pdf.js reads as one chunk."""

    text: BoxText
    run: Run
    items: list[Item]
    """In visual order; together, a stretch of the run's text in logical order."""
    before: list[tuple] = field(default_factory=list)
    """Written before the items: direction marks, the space pdf.js must see."""
    after: list[tuple] = field(default_factory=list)
    marks: dict[int, list[tuple]] = field(default_factory=dict)
    """Direction marks written just before an item, by the item's id."""
    borrowed: Item | None = None
    """The item whose character is written for pdf.js before the piece (see `plan.keep_spaces`)."""
    unwritten: set[int] = field(default_factory=set)
    """Blank glyphs of spaces at the piece's ends, left out (see `pieces`), by the item's id."""
    written: list[tuple] | None = field(default=None, compare=False, repr=False)
    """What `ops` gave: pieces are planned in order, and not changed once written (`plan.plan_line`)."""
    reading: str | None = field(default=None, compare=False, repr=False)
    """What `logical` gave: a piece's items do not change."""
    start: float | None = field(default=None, compare=False, repr=False)
    """What `left()` gave."""

    @property
    def logical(self) -> str:
        """The characters of the piece, in logical order."""
        if self.reading is None:
            self.reading = "".join(i.text for i in sorted(self.items, key=_by_order))
        return self.reading

    def _inked(self, blank: bool) -> list[Item]:
        widths = self.run.face.widths
        inked = [i for i in self.items if i.kind == "glyph" and (blank or i.text.strip()) and widths[i.gid]]
        return inked or self.items

    def left(self, blank: bool = False) -> float:
        """Where the piece starts on the page: its first glyph with a width and characters (or any)."""
        if blank:
            return self.text.origin[0] + min(g.x for g in self._inked(blank))
        if self.start is None:
            self.start = self.text.origin[0] + min(g.x for g in self._inked(blank))
        return self.start

    def right(self, blank: bool = False) -> float:
        """Where the piece ends: the end of its last glyph with a width and characters (or any)."""
        scale = self.run.size / 1000
        widths = self.run.face.widths
        return self.text.origin[0] + max(g.x + widths[g.gid] * scale for g in self._inked(blank))

    def ops(self) -> list[tuple]:
        """List everything to write for the piece, in order."""
        if self.written is not None:
            return self.written
        key = id(self.borrowed)
        cached = self.run.ops.get(key)
        if cached is None:
            cached = self.run.ops[key] = run_ops(self.run, self.run.face.info, self.borrowed)
        ops, bounds = cached
        before = [*self.before, ("piece",)] if self.before else []
        marks, unwritten, borrowed = self.marks, self.unwritten, self.borrowed
        if not marks and not unwritten and borrowed is None:
            if len(self.items) == len(self.run.items):
                # All the run's items, in visual order (a piece's items always are): the run's ops.
                self.written = before + ops + self.after
            else:
                written = [op for item in self.items for op in ops[bounds[item.index] : bounds[item.index + 1]]]
                self.written = before + written + self.after
            return self.written
        written: list[tuple] = []
        rtl = self.run.rtl
        for item in self.items:
            if marks:
                written += marks.get(id(item), [])
            if id(item) not in unwritten:
                item_ops = ops[bounds[item.index] : bounds[item.index + 1]]
                if item is borrowed and not rtl:
                    # The borrowed glyph reads as a direction mark for readers that ignore
                    # ActualText (pypdf), and the blank before it as its character: written
                    # before the blank, the mark stays out of the first word ("2016", not
                    # "2\u200e016"). A right-to-left piece's is its last glyph already.
                    blank = len(before) - 4  # the blank's span and the "piece" op close `before`
                    before[blank:blank] = item_ops
                else:
                    written += item_ops
        self.written = before + written + self.after
        return self.written


def pieces(text: BoxText) -> list[Piece]:
    """Cut a box's runs into pieces, in the order pdf.js must read them (the logical order).

    A raised glyph is a piece of its own: its ActualText span makes pdf.js start a new chunk.
    The cuts follow the logical order: a mark drawn before the alef of a lam-alef comes after the
    lam, and so does the piece it makes.
    """
    found: list[Piece] = []
    for run in sorted(text.runs, key=_by_start):
        expand(run)
        items = run.items
        rtl = run.rtl
        if not rtl and not run.raised:
            # Nothing cut: one piece of all the items, which are in visual order already.
            if items:
                found.append(Piece(text, run, list(items)))
            continue
        cut: list[list[Item]] = [[]]
        # Sorted on the order alone, ties stay in visual order (the sort is stable).
        for item in sorted(items, key=_by_order):
            if item.kind == "raised" or (rtl and item.kind == "quiet"):
                cut += [[item], []]
            else:
                cut[-1].append(item)
        for group in filter(None, cut):
            if rtl and not pdfjs_reads_rtl("".join(i.text for i in group)):
                # pdf.js would keep it left to right ("( )" between two Latin runs): one a chunk.
                found += [Piece(text, run, [item]) for item in group]
            else:
                found.append(Piece(text, run, sorted(group, key=_by_index)))
    for piece in found:
        # A space at either end of a piece draws nothing and, written, would make pdf.js put a
        # space before whatever it reads next: spaces between pieces are seen to by `keep_spaces`.
        blanks = piece.run.face.info.blanks
        items = piece.items
        for side in (items, reversed(items)):
            for item in side:
                if item.kind != "glyph" or not item.text.isspace() or item.gid not in blanks:
                    break
                piece.unwritten.add(id(item))
    return found


def pdfjs_reads_rtl(text: str) -> bool:
    """Tell whether pdf.js reverses a chunk of `text`: when 30 % of it is right to left, or a little
    of it is and it is 4 characters or fewer (its bidi.js)."""
    text = " ".join(text.split())
    strong = sum(unicodedata.bidirectional(c) in ("R", "AL", "AN") for c in text)
    return bool(strong) and (strong / len(text) >= 0.3 or len(text) <= 4)


def item_ops(run: Run, item: Item, borrowed: bool = False) -> list[tuple]:
    """Write one item so that it reads as its own characters, in its place.

    Glyph ops end with a role: "char" is a character poppler places where the glyph is; "flex" a
    carrier to be placed between its neighbours (`place`); "twin" a carrier at the previous
    carrier's place; "quiet" a glyph whose characters poppler takes from elsewhere, or none.
    """
    face, size = run.face, run.size
    blank = face.info.blank
    invisible = RLM if run.rtl else LRM  # what a glyph without characters reads as: nothing visible
    if item.kind == "raised":
        # Raised glyphs are on another baseline for poppler, which makes a line of them: an
        # ActualText span whose first glyph is a carrier on the baseline gives it the characters
        # there (poppler spreads them from the first glyph of the span to the end of the last, on
        # the baseline of the first: a second carrier ends the span level with it). pdf.js ignores
        # ActualText, skips the carriers (format characters) and reads the raised glyph itself.
        carrier = code(face, blank, invisible, 0)
        return [
            ("begin", item.text),
            ("glyph", face, size, carrier, None, 0.0, "flex", item.order),
            ("glyph", face, size, code(face, item.gid, item.text or invisible), item.x, item.rise, "quiet"),
            ("glyph", face, size, carrier, None, 0.0, "twin"),
            ("end",),
        ]
    if item.kind == "quiet":
        ops: list[tuple] = [("glyph", face, size, code(face, item.gid, invisible), item.x, 0.0, "quiet")]
        if run.rtl:
            ops = [("begin", ""), *ops, ("end",)]
        if face.widths[item.gid]:
            ops.append(("sync",))  # pdf.js skips format characters without advancing: put it back
        return ops
    if item.kind == "carrier":
        carrier = code(face, blank, item.text, 0 if is_mark(item.text) else CARRIER_ADVANCE)
        return [("glyph", face, size, carrier, None, 0.0, "flex", item.order)]
    if borrowed:
        # Its character was written for pdf.js before the piece; poppler reads it here.
        own = code(face, item.gid, invisible, item.advance)
        return [("begin", item.text), ("glyph", face, size, own, item.x, 0.0, "char"), ("end",), ("sync",)]
    return [("glyph", face, size, code(face, item.gid, item.text, item.advance), item.x, 0.0, "char")]


def run_ops(run: Run, info: FontInfo, borrowed: Item | None) -> tuple[list[tuple], list[int]]:
    """Write every item of a run (see `item_ops`), carriers placed among the run's characters.

    Return the ops of all its items, in visual order, and their bounds: the ops of item `i` are
    `ops[bounds[i] : bounds[i + 1]]`.
    """
    ops: list[tuple] = []
    bounds = [0]
    face, size = run.face, run.size
    widths, to_unicode, blank = face.widths, face.to_unicode, info.blank
    flex = False  # carriers to place: without them, `place` changes nothing
    for item in run.items:
        kind = item.kind
        if kind == "glyph" and item is not borrowed:
            gid, text = item.gid, item.text
            known = to_unicode.get(gid)
            # `code`, when the glyph's own code reads as `text` (most glyphs): that code.
            if (
                item.advance is None
                and (known is None or known == text)
                and gid in widths
                and (gid == blank or not text or _category(text[-1]) != "Cf")
            ):
                to_unicode[gid] = text
                own = gid
            else:
                own = code(face, gid, text, item.advance)
            ops.append(("glyph", face, size, own, item.x, 0.0, "char"))
        else:
            flex = flex or kind in ("carrier", "raised")
            ops += item_ops(run, item, item is borrowed)
        bounds.append(len(ops))
    if flex:
        ops = place(ops, size, run.rtl)
    return ops, bounds


def place(ops: list[tuple], size: float, rtl: bool) -> list[tuple]:
    """Give carriers their places: strictly between the characters around them, close to the next.

    poppler cuts words where characters overlap and then orders the pieces by where they start,
    so every character needs a place of its own, in reading order; pdf.js must not see a gap.
    """
    placed = list(ops)
    sequence = [i for i, op in enumerate(placed) if op[0] == "glyph" and op[6] in ("char", "flex")]
    start = 0
    while start < len(sequence):
        if placed[sequence[start]][6] != "flex":
            start += 1
            continue
        end = start
        while end + 1 < len(sequence) and placed[sequence[end + 1]][6] == "flex":
            end += 1
        before = placed[sequence[start - 1]][4] if start else None
        after = placed[sequence[end + 1]][4] if end + 1 < len(sequence) else None
        count = end - start + 1
        # Hundredths of an em apart, just before the next character: poppler puts no space in a
        # gap under three hundredths; squeezed in halves when the previous character is closer.
        step = 0.01 * size
        right = after if after is not None else (before if before is not None else 0.0) + step * (count + 1)
        if before is not None and right - step * count <= before:
            step = (right - before) / (count + 1)
        # In reading order: right to left in a right-to-left run, whatever order they are written in.
        group = sorted(sequence[start : end + 1], key=lambda i: placed[i][7], reverse=rtl)
        for k, i in enumerate(group):
            placed[i] = (*placed[i][:4], right - step * (count - k), *placed[i][5:])
        start = end + 1
    last = 0.0
    for i, op in enumerate(placed):
        if op[0] == "glyph" and op[6] == "flex":
            last = op[4]
        elif op[0] == "glyph" and op[6] == "twin":
            placed[i] = (*op[:4], last, *op[5:])
    return placed
