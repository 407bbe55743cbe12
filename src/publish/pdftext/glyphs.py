"""What a line's text is planned from: plain data read from WeasyPrint's boxes (`gather`).

A text box gives a `BoxText`: its glyph `Run`s in visual order, each glyph an `Item` with the
writer's characters it stands for.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from .fonts import Face

# Advance, in thousandths of an em, given to glyphs that carry text but have none of their own
# (carriers, the alef of a lam-alef): enough for pdf.js to see them, too little for a space.
CARRIER_ADVANCE = 50

LRM, RLM = "\u200e", "\u200f"


def is_mark(char: str) -> bool:
    """Tell whether a character is a combining mark (harakat and other nonspacing marks)."""
    return unicodedata.category(char) in ("Mn", "Me")


@dataclass(slots=True)
class Item:
    """What is written for a glyph of a text box: the glyph itself, or a blank carrier standing in for it.

    `gather` reads each glyph as an item of its own; `pieces.expand` gives carriers to the glyphs
    whose characters some must hold, and its kind to each item.
    """

    gid: int
    """The glyph drawn, or stood in for (a carrier)."""
    x: float
    """The glyph's origin along the line, in points from the box's text origin."""
    rise: float
    """The glyph's text rise, as WeasyPrint writes it (Ts)."""
    mark: bool
    """A combining mark glyph (GDEF class 3)."""
    text: str = ""
    """The writer's characters the item stands for, in logical order (may be empty)."""
    order: int = 0
    """Where its first character comes in the run's text: items sorted on it are in logical order."""
    index: int = field(default=0, compare=False)
    """Where it comes among its run's items, in visual order."""
    kind: str = "glyph"
    """"glyph": the glyph, reading as `text`; "carrier": a blank reading as one character of the
    glyph's; "raised": a glyph on a raised baseline (see `pieces.item_ops`); "quiet": the glyph,
    reading as nothing (its characters are on carriers, or it has none)."""
    positions: list[int] | None = None
    """Where each of its characters comes in the run's text, when they need not follow each other
    from `order` (the glyphs of a cluster of several, `gather.assign_texts`)."""
    advance: int | None = None
    """The advance it is written with, in thousandths of an em, when not its glyph's own: a glyph
    that reads as the no-break space after it too spans it (`plan.join_no_break_spaces`)."""


@dataclass
class Run:
    """A run of glyphs in one font and one bidi level, in visual order."""

    face: Face
    size: float
    level: int
    start: int
    """Byte offset of the run in the box's text: runs sorted on it are in logical order."""
    items: list[Item] = field(default_factory=list)
    """What is written for its glyphs, in visual order: one item a glyph from `gather`, carriers
    added by `pieces.expand`."""
    plain: bool = False
    """Whether every glyph is written as itself, reading as its own characters: `expand` has
    nothing to change (a glyph without rise, with characters and an advance or a mark; one
    character a glyph in a right-to-left run)."""
    raised: bool = False
    """Whether `expand` made a raised item of one of its glyphs."""
    ops: dict[int, tuple[list[tuple], list[int]]] = field(default_factory=dict)
    """What is written for its items (`pieces.run_ops`), by the borrowed item's id (see `plan.borrow`)."""

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1


@dataclass
class BoxText:
    """The glyph runs of one text box, in visual order, and where its text starts on the page."""

    key: int
    """Which text box it is (its id): what its plan is found by when WeasyPrint draws it."""
    runs: list[Run]
    origin: tuple[float, float]
    logical: str
    """The box's text, in logical order."""
    size: float
    """Its font size: the em that pdf.js measures gaps in."""
    start: float = 0.0
    """Where its text starts to be written, from its origin along the line: past a no-break space
    read with the box before (`plan.join_no_break_spaces`), so that no reader sees a gap there."""
