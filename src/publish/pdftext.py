"""PDF text that copies out right: WeasyPrint's text drawing, rewritten for the readers people copy from.

Input: the line boxes WeasyPrint 70.0 draws onto a page. Output: the same glyphs at the same
positions with the same fonts (pages look the same), written so that poppler (pdftotext, Evince,
Okular) and pdf.js (Firefox) give the writer's text back in logical order. Nothing is reshaped or
reordered before WeasyPrint: the text it is handed stays the writer's own.

What is written, and which reader needs it (docs/weasyprint-arabic-text.md has the details):

- Every glyph occurrence reads as exactly the characters it stands for. WeasyPrint maps each
  glyph once, from its first use, so a glyph shared by two clusters kept the first one's text
  (a yeh first seen with a fathatan read as nothing, everywhere). Occurrences that need other
  text get alias codes of the same glyph (CIDToGIDMap), each with its own ToUnicode entry.
- Both readers reverse right-to-left text character by character, the characters of a ligature
  glyph too: a right-to-left glyph standing for several characters keeps its first, and blank
  "carrier" glyphs just before it hold the others. A letter drawn without advance (the alef of
  Noto Naskh's lam-alef) gives its characters to carriers as well.
- A mark raised with a text rise is on another baseline for poppler, which made a line of it.
  It is wrapped in an ActualText span that starts and ends with carriers on the baseline.
- poppler's bidi is simpler than Unicode's: it reverses stretches of right-to-left letters,
  treats `. , : - / ،` like digits, and takes all of a page's lines in its majority direction.
  Zero-width direction marks (LRM, RLM) close runs and punctuation where it must see them, and
  tip the page's majority when Latin outweighs Arabic on an Arabic page; they come out as
  invisible characters, like the embedding marks poppler adds itself. A hyphen the writer typed
  at the end of a line gets one too: poppler would take it for hyphenation and drop it.
- pdf.js reads glyphs in content order, in chunks it ends at every marked-content boundary or
  jump back, applies its own bidi to each and infers a space only where the next glyph starts
  to the right. Each run is written in pieces, in logical order; where a piece starts left of
  the previous one after a space, a blank glyph placed where pdf.js measures gaps recreates it.
  List markers, which WeasyPrint draws after everything else, are drawn with their item.

This reaches into WeasyPrint's drawing code, so it is pinned: `install()` refuses any other
WeasyPrint version than `WEASYPRINT_VERSION`. Fonts must be TrueType (CIDFontType2) and embedded
as subsets, as publish always has them; other fonts are drawn by WeasyPrint itself.
"""

from __future__ import annotations

import functools
import io
import itertools
import struct
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

WEASYPRINT_VERSION = "70.0"
"""The WeasyPrint release this module was written and tested against."""

# Advance, in thousandths of an em, given to glyphs that carry text but have none of their own
# (carriers, the alef of a lam-alef): enough for pdf.js to see them, too little for a space.
CARRIER_ADVANCE = 50

LRM, RLM = "\u200e", "\u200f"
# Characters poppler's bidi treats like digits (its UnicodeTypeTable gives them the type '#'):
# it keeps them, and the neutrals next to them, in left-to-right order inside right-to-left text.
_POPPLER_WEAK = frozenset("#$%+,-./0123456789:\u00a0\u00b2\u00b3\u00b9\u060c")

# WeasyPrint's functions while this module's replace them, and whether `plain()` holds them back.
_originals: dict[str, Any] = {}
_held_back: list[bool] = []

_category = unicodedata.category
_bidirectional = unicodedata.bidirectional
_by_start = attrgetter("start")
_by_order = attrgetter("order")
_by_index = attrgetter("index")


class _Pango:
    """WeasyPrint's cffi bindings and what is read from them once (`_pango()`): the drawing runs
    per glyph, and looking these up there was a good part of its cost."""

    def __init__(self) -> None:
        from weasyprint.text.ffi import FROM_UNITS, ffi, pango

        self.ffi, self.pango, self.FROM_UNITS = ffi, pango, FROM_UNITS
        self.NULL = ffi.NULL
        self.old = pango.pango_version() < 14802
        self.EMPTY = pango.PANGO_GLYPH_EMPTY
        self.UNKNOWN = pango.PANGO_GLYPH_UNKNOWN_FLAG
        self.set_single_paragraph_mode = pango.pango_layout_set_single_paragraph_mode
        self.get_glyph_extents = pango.pango_font_get_glyph_extents
        # A PangoGlyphInfo as cffi lays it out: glyph, width, x_offset, y_offset, attributes. Read
        # a run's glyphs in one go from its array when the layout is that one (it is, with cffi's
        # declarations in WeasyPrint 70.0); cffi's own field access otherwise.
        packed = (
            ffi.sizeof("PangoGlyphInfo") == 20
            and ffi.offsetof("PangoGlyphInfo", "glyph") == 0
            and ffi.offsetof("PangoGlyphInfo", "geometry") == 4
            and ffi.offsetof("PangoGlyphGeometry", "width") == 0
            and ffi.offsetof("PangoGlyphGeometry", "x_offset") == 4
            and ffi.offsetof("PangoGlyphGeometry", "y_offset") == 8
            and ffi.sizeof("PangoGlyph") == 4
            and ffi.sizeof("PangoGlyphUnit") == 4
        )
        self.glyph_info = struct.Struct("=Iiii4x") if packed else None

    def glyphs(self, glyph_string: Any, count: int) -> Iterator[tuple[int, int, int, int]]:
        """Yield (glyph, width, x offset, y offset) for each glyph of a Pango glyph string."""
        if not count:
            return iter(())
        if self.glyph_info is not None:
            return self.glyph_info.iter_unpack(self.ffi.buffer(glyph_string.glyphs, count * 20))
        infos = glyph_string.glyphs
        return (
            (info.glyph, info.geometry.width, info.geometry.x_offset, info.geometry.y_offset)
            for info in (infos[i] for i in range(count))
        )


_pango_cache: list[_Pango] = []


def _pango() -> _Pango:
    if not _pango_cache:
        _pango_cache.append(_Pango())
    return _pango_cache[0]


class WeasyPrintVersionError(RuntimeError):
    """WeasyPrint is not the version this module reaches into."""


def install() -> None:
    """Hook the text drawing into WeasyPrint (once); refuse a WeasyPrint version it was not tested with."""
    import weasyprint

    if weasyprint.__version__ != WEASYPRINT_VERSION:
        raise WeasyPrintVersionError(
            f"publish's PDF text drawing (publish.pdftext) is written for WeasyPrint {WEASYPRINT_VERSION}, "
            f"not {weasyprint.__version__}: install weasyprint=={WEASYPRINT_VERSION}, or port the module"
        )
    if _originals or _held_back:
        return
    import weasyprint.document
    import weasyprint.draw
    import weasyprint.draw.text
    import weasyprint.pdf.fonts
    import weasyprint.text.line_break

    _originals["draw_page"] = weasyprint.document.draw_page
    _originals["draw_inline_level"] = weasyprint.draw.draw_inline_level
    _originals["draw_first_line"] = weasyprint.draw.text.draw_first_line
    _originals["clean"] = weasyprint.pdf.fonts.Font.clean
    _originals["vector"] = weasyprint.pdf.fonts._build_vector_font_dictionary
    _originals["reactivate"] = weasyprint.text.line_break.Layout.reactivate
    weasyprint.document.draw_page = _draw_page
    weasyprint.draw.draw_inline_level = _draw_inline_level
    weasyprint.draw.text.draw_first_line = _draw_first_line
    weasyprint.pdf.fonts.Font.clean = _clean
    weasyprint.pdf.fonts._build_vector_font_dictionary = _build_vector_font_dictionary
    weasyprint.text.line_break.Layout.reactivate = _reactivate


def uninstall() -> None:
    """Give WeasyPrint its own text drawing back."""
    if not _originals:
        return
    import weasyprint.document
    import weasyprint.draw
    import weasyprint.draw.text
    import weasyprint.pdf.fonts
    import weasyprint.text.line_break

    weasyprint.document.draw_page = _originals.pop("draw_page")
    weasyprint.draw.draw_inline_level = _originals.pop("draw_inline_level")
    weasyprint.draw.text.draw_first_line = _originals.pop("draw_first_line")
    weasyprint.pdf.fonts.Font.clean = _originals.pop("clean")
    weasyprint.pdf.fonts._build_vector_font_dictionary = _originals.pop("vector")
    weasyprint.text.line_break.Layout.reactivate = _originals.pop("reactivate")


def installed() -> bool:
    """Tell whether WeasyPrint currently draws text through this module."""
    return bool(_originals)


@contextmanager
def plain() -> Iterator[None]:
    """Draw with WeasyPrint's own text drawing inside the block, `install()` notwithstanding."""
    was = installed()
    uninstall()
    _held_back.append(True)
    try:
        yield
    finally:
        _held_back.pop()
        if was:
            install()


# --- fonts: alias codes --------------------------------------------------------------------------


class _FontInfo:
    """What the drawing needs to know about one font file, and the alias codes made for it.

    Shared by every WeasyPrint `Font` object of the same file (same `hash`), as their PDF font
    dictionaries are: WeasyPrint keeps the last one written for each file.
    """

    def __init__(self, font: Any):
        self.glyph_count: int = font.glyph_count
        # Alias codes start well above the real glyphs and WeasyPrint's codes for missing ones.
        self.next_alias = font.glyph_count + 1024
        self.aliases: dict[int, tuple[int, str, int]] = {}
        """Alias codes → the glyph each draws, the text it reads as, its advance."""
        self.by_key: dict[tuple[int, str, int], int] = {}
        self.fonts: list[Any] = [font]
        """WeasyPrint's `Font` objects for this file: each gets every alias (see `_clean`)."""
        facts = _font_facts(font.file_content, font.index)
        self.marks: frozenset[int] = facts.marks
        self.blank: int | None = facts.blank
        """The space glyph: what carriers, markers and helpers are drawn with (nothing)."""
        self.advances: dict[int, int] = dict(facts.advances)
        self.blanks: frozenset[int] = facts.blanks
        """Glyphs that draw nothing."""
        self.supported = self.blank is not None and font.type == "ttf" and not font.used_in_forms


@dataclass(frozen=True)
class _FontFacts:
    """What is read once from a font file: its mark glyphs and the glyphs that draw nothing."""

    marks: frozenset[int] = frozenset()
    blank: int | None = None
    advances: tuple[tuple[int, int], ...] = ()
    blanks: frozenset[int] = frozenset()


@functools.lru_cache(maxsize=32)
def _font_facts(content: bytes, index: int) -> _FontFacts:
    """Read a font's GDEF mark class and its blank glyphs (cached: every PDF of a build uses them)."""
    from fontTools.ttLib import TTFont

    try:
        ttfont = TTFont(io.BytesIO(content), fontNumber=index, lazy=True)
        # Glyphs are known here by their ids, not their names: numbered names spare reading the
        # font's own (its `post` table), the better part of the time this takes.
        ttfont.setGlyphOrder([f"glyph{gid}" for gid in range(ttfont["maxp"].numGlyphs)])
        ids = {name: gid for gid, name in enumerate(ttfont.getGlyphOrder())}
        marks: frozenset[int] = frozenset()
        if "GDEF" in ttfont and ttfont["GDEF"].table.GlyphClassDef:
            classes = ttfont["GDEF"].table.GlyphClassDef.classDefs
            marks = frozenset(ids[name] for name, kind in classes.items() if kind == 3 and name in ids)
        blanks = _blank_glyphs(ttfont)
        space = (ttfont.getBestCmap() or {}).get(ord(" "))
        if space not in ids or ids[space] not in blanks:
            return _FontFacts(marks, None, (), blanks)
        advance = round(ttfont["hmtx"][space][0] * 1000 / ttfont["head"].unitsPerEm)
        return _FontFacts(marks, ids[space], ((ids[space], advance),), blanks)
    except Exception:  # an unreadable font draws as WeasyPrint would: no marks, no carriers
        return _FontFacts()


def _blank_glyphs(ttfont: Any) -> frozenset[int]:
    """Return the glyphs with no outline, read from `loca` and each glyph's header, not by decompiling glyphs.

    An empty glyph has no data in `glyf`, or a header that counts zero contours; reading the
    header alone is some fifty times faster than fontTools' glyph objects on a 3,000-glyph face.
    """
    if "glyf" not in ttfont or "loca" not in ttfont:
        return frozenset()
    data = ttfont.reader["glyf"]
    offsets = list(ttfont["loca"])
    return frozenset(
        gid
        for gid, (start, end) in enumerate(itertools.pairwise(offsets))
        if end - start < 2 or int.from_bytes(data[start : start + 2], "big", signed=True) == 0
    )


def _info(stream: Any, font: Any) -> _FontInfo:
    """Return what is known of a font's file, shared with the other `Font` objects of that file."""
    info = getattr(font, "_publish_info", None)
    if info is None:
        info = next(
            (f._publish_info for f in stream._fonts.values() if f.hash == font.hash and hasattr(f, "_publish_info")),
            None,
        )
        if info is None:
            info = _FontInfo(font)
        else:
            info.fonts.append(font)
        font._publish_info = info
    return info


def _code(font: Any, info: _FontInfo, gid: int, text: str, width: int | None = None) -> int:
    """Return the character code that draws glyph `gid` and reads as `text`, with advance `width`."""
    widths = font.widths
    own = widths.get(gid)
    if own is None:  # a glyph Pango did not lay out here: a blank or a direction mark
        own = widths[gid] = info.advances[gid]
    if width is None:
        width = own
    to_unicode = font.to_unicode
    known = to_unicode.get(gid)
    # A glyph's own code keeps the text of its first use, unless that would be a format character:
    # WeasyPrint's own drawing, for the boxes left to it, reads glyphs' text from it.
    if (
        width == own
        and (known is None or known == text)
        and (gid == info.blank or not text or _category(text[-1]) != "Cf")
    ):
        to_unicode[gid] = text
        return gid
    key = (gid, text, width)
    code = info.by_key.get(key)
    if code is None:
        code = info.by_key[key] = info.next_alias
        info.aliases[code] = key
        info.next_alias += 1
    to_unicode[code] = text
    widths[code] = width
    return code


def _clean(self: Any, to_unicode: dict[int, str], hinting: bool) -> Any:
    """Subset the font on the glyphs drawn, not on the alias codes that stand for them."""
    info = getattr(self, "_publish_info", None)
    if info is not None and info.aliases:
        to_unicode = {code: text for code, text in to_unicode.items() if code not in info.aliases}
        to_unicode.update({gid: "" for gid, _, _ in info.aliases.values() if gid not in to_unicode})
        # WeasyPrint writes one font dictionary per file, from one of its `Font` objects: each
        # must know every alias, whichever drew it.
        for font in info.fonts:
            for code, (_, text, width) in info.aliases.items():
                font.to_unicode[code] = text
                font.widths[code] = width
    return _originals["clean"](self, to_unicode, hinting)


def _build_vector_font_dictionary(font_dictionary: Any, pdf: Any, font: Any, *args: Any) -> Any:
    """Write WeasyPrint's font dictionary, then map alias codes to their glyphs (CIDToGIDMap)."""
    import pydyf

    result = _originals["vector"](font_dictionary, pdf, font, *args)
    info = getattr(font, "_publish_info", None)
    if info is None or not info.aliases:
        return result
    descendant = font_dictionary["DescendantFonts"][0]
    number = int(descendant.split()[0]) if isinstance(descendant, bytes) else descendant.number
    subfont = pdf.objects[number]
    last = max(max(info.aliases), max(font.widths, default=0))
    missing = set(font.missing.values())
    table = bytearray()
    for cid in range(last + 1):
        gid = info.aliases[cid][0] if cid in info.aliases else 0 if cid in missing or cid >= info.glyph_count else cid
        table += gid.to_bytes(2, "big")
    compress = args[2] if len(args) > 2 else True
    cid_to_gid = pydyf.Stream([bytes(table)], compress=compress)
    pdf.add_object(cid_to_gid)
    subfont["CIDToGIDMap"] = cid_to_gid.reference
    return result


# --- what a line box holds -----------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    """What is written for a glyph of a text box: the glyph itself, or a blank carrier standing in for it.

    `_gather` reads each glyph as an item of its own; `_expand` gives carriers to the glyphs whose
    characters some must hold, and its kind to each item.
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
    glyph's; "raised": a glyph on a raised baseline (see `_item_ops`); "quiet": the glyph,
    reading as nothing (its characters are on carriers, or it has none)."""
    positions: list[int] | None = None
    """Where each of its characters comes in the run's text, when they need not follow each other
    from `order` (the glyphs of a cluster of several, `_assign_texts`)."""


@dataclass
class _Run:
    """A run of glyphs in one font and one bidi level, in visual order."""

    font: Any
    size: float
    level: int
    start: int
    """Byte offset of the run in the box's text: runs sorted on it are in logical order."""
    items: list[_Item] = field(default_factory=list)
    """What is written for its glyphs, in visual order: one item a glyph from `_gather`, carriers
    added by `_expand`."""
    plain: bool = False
    """Whether every glyph is written as itself, reading as its own characters: `_expand` has
    nothing to change (a glyph without rise, with characters and an advance or a mark; one
    character a glyph in a right-to-left run)."""
    raised: bool = False
    """Whether `_expand` made a raised item of one of its glyphs."""
    ops: dict[int, tuple[list[tuple], list[int]]] = field(default_factory=dict)
    """What is written for its items (`_run_ops`), by the borrowed item's id (see `_borrow`)."""

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1


@dataclass
class _BoxText:
    """The glyph runs of one text box, in visual order, and where its text starts on the page."""

    box: Any
    runs: list[_Run]
    origin: tuple[float, float]
    logical: str
    """The box's text, in logical order."""
    size: float
    """Its font size: the em that pdf.js measures gaps in."""


def _gather(stream: Any, textbox: Any) -> _BoxText | None:
    """Read a text box's glyphs from Pango as WeasyPrint would draw them; None when it draws none.

    Boxes this module does not handle (bitmap or colour fonts, missing glyphs) give None too and
    are drawn by WeasyPrint itself.
    """
    style = textbox.style
    style_size = style["font_size"]
    if style["visibility"] != "visible" or not style_size or style_size < 1e-6:
        return None
    origin = (textbox.position_x, textbox.position_y + textbox.baseline)
    if not textbox.text.strip():
        return _BoxText(textbox, [], origin, textbox.text, style_size)
    p = _pango()
    null, empty, unknown, from_units = p.NULL, p.EMPTY, p.UNKNOWN, p.FROM_UNITS
    layout = textbox.pango_layout
    _originals["reactivate"](layout, style)
    kept = False
    try:
        p.set_single_paragraph_mode(layout.layout, True)
        first_line, _ = layout.get_first_line()
        text_bytes = layout.text.encode()
        runs: list[_Run] = []
        pen = 0.0
        run = first_line.runs[0]
        previous = None
        while run != null:
            glyph_item = run.data
            run = run.next
            item = glyph_item.item
            analysis = item.analysis
            pango_font = analysis.font
            if previous is None or pango_font != previous[0]:
                font, font_size = stream.add_font(pango_font)
                previous = (pango_font, font, font_size)
            else:
                _, font, font_size = previous
            if p.old or font.png:
                font_size = style_size
            if font.bitmap or font.png or font.svg or font.colr:
                return None
            info = _info(stream, font)
            if not info.supported:
                return None
            offset = item.offset
            current = _Run(font, font_size, analysis.level, offset)
            rtl = current.rtl
            glyph_string = glyph_item.glyphs
            count = glyph_string.num_glyphs
            clusters = p.ffi.unpack(glyph_string.log_clusters, count) if count else []
            texts = _cluster_texts(text_bytes[offset : offset + item.length], clusters)
            # Most clusters are one glyph: those take their cluster's text as they are read.
            counts = None if len(texts) == count else Counter(clusters)
            marks = info.marks
            widths = font.widths
            items = current.items
            shared: dict[int, list[_Item]] = {}
            plain = True
            for (gid, width, x_offset, y_offset), cluster in zip(p.glyphs(glyph_string, count), clusters, strict=True):
                if gid == empty:
                    pen += (width / font_size) * font_size / 1000
                    continue
                if gid & unknown:
                    return None
                logical_width = widths.get(gid)
                if logical_width is None:
                    p.get_glyph_extents(pango_font, gid, stream.ink_rect, stream.logical_rect)
                    logical_width = widths[gid] = round(stream.logical_rect.width * 1000 * from_units / font_size)
                offset_ = x_offset / font_size
                x = pen + offset_ * font_size / 1000
                kerning = logical_width + offset_ - width * 1000 * from_units / font_size
                pen = x + (logical_width - (int(kerning) if kerning else 0)) * font_size / 1000
                rise = y_offset / 1000
                mark = gid in marks
                if counts is None or counts[cluster] == 1:
                    text = texts[cluster]
                    item = _Item(gid, x, rise, mark, text, cluster * 64, len(items))
                    if plain and (rise or not text or not (logical_width or mark) or (rtl and len(text) > 1)):
                        plain = False
                else:
                    item = _Item(gid, x, rise, mark, "", 0, len(items), positions=[])
                    plain = False
                    if cluster in shared:
                        shared[cluster].append(item)
                    else:
                        shared[cluster] = [item]
                items.append(item)
            if shared:
                _assign_texts(rtl, shared, texts)
            current.plain = plain
            runs.append(current)
        # Drawn from its plan, the box needs its layout no more: `_reactivate` leaves it as it is.
        kept = True
        layout._publish_kept = style
        return _BoxText(textbox, runs, origin, layout.text, style_size)
    finally:
        if not kept:
            layout.deactivate()


_SKIPPED = object()
"""What `_reactivate` leaves on a layout it did not set up again: `_draw_first_line` does, if it must."""


def _reactivate(self: Any, style: Any) -> None:
    """Set up a text box's Pango layout again, as WeasyPrint does before drawing it, unless `_gather`
    left it set up for that style: the box is drawn from its plan, not from its layout."""
    if getattr(self, "_publish_kept", None) is style:
        self._publish_kept = _SKIPPED
        return
    self._publish_kept = None
    _originals["reactivate"](self, style)


def _cluster_texts(item_bytes: bytes, clusters: list[int]) -> dict[int, str]:
    """Map each cluster's byte offset to its text (up to the next cluster in logical order)."""
    starts = sorted(set(clusters))
    ends = [*starts[1:], len(item_bytes)]
    return {start: item_bytes[start:end].decode() for start, end in zip(starts, ends, strict=True)}


def _units(text: str) -> list[tuple[str, str]]:
    """Split text into (letter, marks) units: each letter with the marks that follow it."""
    units: list[tuple[str, str]] = []
    for char in text:
        if is_mark(char) and units:
            units[-1] = (units[-1][0], units[-1][1] + char)
        else:
            units.append(("", char) if is_mark(char) else (char, ""))
    return units


def _assign_texts(rtl: bool, clusters: dict[int, list[_Item]], texts: dict[int, str]) -> None:
    """Share each cluster's characters among its glyphs: letters to letter glyphs, marks to marks.

    For the clusters of several glyphs (`_gather` gives one-glyph clusters their text itself).
    """
    for cluster, glyphs in clusters.items():
        logical = glyphs[::-1] if rtl else glyphs
        letters = [g for g in logical if not g.mark] or logical[:1]
        marks = [g for g in logical if g not in letters]
        holders: list[_Item] = []
        for index, (letter, unit_marks) in enumerate(_units(texts[cluster])):
            holder = letters[min(index, len(letters) - 1)]
            if letter:
                holders.append(holder)
            for _char in unit_marks:
                # One mark per mark glyph; the last one takes the rest (shadda and vowel in one glyph).
                holders.append(marks[0] if marks else holder)
                if len(marks) > 1:
                    marks.pop(0)
        base = cluster * 64  # where the cluster starts in the run's text, room for its characters
        for position, (char, holder) in enumerate(zip(texts[cluster], holders, strict=True)):
            if not holder.text:
                holder.order = base + position
            holder.text += char
            holder.positions.append(base + position)
        for glyph in glyphs:
            if not glyph.text:
                glyph.order = base + 63  # no characters: with the end of its cluster


# --- drawing ---------------------------------------------------------------------------------------


def _expand(run: _Run) -> None:
    """Give each of a run's items its kind, and carriers to the glyphs that need them (visual order kept).

    Readers reverse right-to-left text character by character, the characters of a ligature too:
    a right-to-left glyph standing for several characters keeps its first, and carriers on its
    left hold the others. A letter drawn with no advance (the alef of Noto Naskh's lam-alef)
    starts where the next glyph starts: poppler could not tell which comes first, and pdf.js
    would measure the next one from before it; carriers just before it hold its characters.
    """
    if run.plain:
        return  # every glyph is written as itself: `_gather` made it a "glyph" item
    items: list[_Item] = []
    append = items.append
    widths = run.font.widths
    rtl = run.rtl
    for glyph in run.items:
        # A glyph's first position is its order (`_assign_texts`): both are set from its first character.
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
            _Item(glyph.gid, glyph.x, glyph.rise, glyph.mark, c, o, kind="carrier")
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
class _Piece:
    """Items of one run written together, left to right: what pdf.js reads as one chunk."""

    text: _BoxText
    run: _Run
    items: list[_Item]
    """In visual order; together, a stretch of the run's text in logical order."""
    before: list[tuple] = field(default_factory=list)
    """Written before the items: direction marks, the space pdf.js must see."""
    after: list[tuple] = field(default_factory=list)
    marks: dict[int, list[tuple]] = field(default_factory=dict)
    """Direction marks written just before an item, by the item's id."""
    borrowed: _Item | None = None
    """The item whose character is written for pdf.js before the piece (see `_keep_spaces`)."""
    unwritten: set[int] = field(default_factory=set)
    """Blank glyphs of spaces at the piece's ends, left out (see `_pieces`), by the item's id."""
    written: list[tuple] | None = field(default=None, compare=False, repr=False)
    """What `ops` gave: pieces are planned in order, and not changed once written (`_plan_line`)."""
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

    def _inked(self, blank: bool) -> list[_Item]:
        widths = self.run.font.widths
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
        widths = self.run.font.widths
        return self.text.origin[0] + max(g.x + widths[g.gid] * scale for g in self._inked(blank))

    def ops(self, stream: Any) -> list[tuple]:
        """List everything to write for the piece, in order."""
        if self.written is not None:
            return self.written
        key = id(self.borrowed)
        cached = self.run.ops.get(key)
        if cached is None:
            cached = self.run.ops[key] = _run_ops(self.run, _info(stream, self.run.font), self.borrowed)
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


@dataclass
class _Page:
    """What is decided once per page: the direction poppler must find, and how to tip it."""

    rtl: bool
    ballast: int
    """Direction marks of the page's direction still to write so that poppler finds its majority."""
    markers: dict[int, Any] = field(default_factory=dict)
    """List markers (outside ones) by the first line of their item, to be drawn with it."""
    drawn: set[int] = field(default_factory=set)
    """Lines of the markers drawn already, with their items."""


def _state(stream: Any) -> dict[int, list[tuple]]:
    """Return the text plans of the line being drawn on this stream, keyed by text box."""
    plans = getattr(stream, "_publish_plans", None)
    if plans is None:
        plans = stream._publish_plans = {}
    return plans


def _draw_page(page: Any, stream: Any) -> Any:
    """Draw a page as WeasyPrint does, keeping its box tree at hand for `_page_state`.

    WeasyPrint draws from stacking contexts holding copies of the boxes, and hands the drawing
    functions a page box without children.
    """
    stream._publish_page_box = page
    return _originals["draw_page"](page, stream)


def _page_state(stream: Any, page: Any) -> _Page:
    """Decide, for the page being drawn, the direction poppler must take its lines in."""
    page = getattr(stream, "_publish_page_box", page)
    state = getattr(stream, "_publish_page", None)
    if state is not None and state[0] is page:
        return state[1]
    root = next((c for c in page.children if getattr(c, "is_for_root_element", False)), None)
    rtl = (root or page).style["direction"] == "rtl"
    # poppler takes all the lines of a page right to left when it holds more right-to-left
    # letters than left-to-right ones (TextPage::coalesce, lrCount): count them as it will.
    balance = 0
    for char, count in Counter("".join(box.text for box in _all_text_boxes(page))).items():
        kind = _bidirectional(char)
        if kind == "L":
            balance += count
        elif kind in ("R", "AL"):
            balance -= count
    needed = max(0, balance + 1) if rtl else max(0, -balance)
    page_state = _Page(rtl, needed + 8 if needed else 0, dict(_outside_markers(page)))
    stream._publish_page = (page, page_state)
    return page_state


def _outside_markers(box: Any) -> Iterator[tuple[int, Any]]:
    """Yield (first line of the item, marker) for the list markers outside their items.

    WeasyPrint positions them absolutely and so draws them after everything else on the page:
    pdf.js, which reads in that order, put every bullet of a page at its end.
    """
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    children = list(getattr(box, "children", ()))
    for index, child in enumerate(children):
        marker = child._box if isinstance(child, AbsolutePlaceholder) else child
        if getattr(marker, "is_outside_marker", False):
            line = next((b for c in children[index + 1 :] for b in _lines(c)), None)
            if line is not None and all(isinstance(m, boxes.LineBox) for m in marker.children):
                yield _line_key(line), marker
        yield from _outside_markers(marker)


def _line_key(line: Any) -> int | None:
    """Identify a line by its first text box: stacking contexts copy line boxes, not text boxes."""
    first = next(_text_boxes(line), None)
    return None if first is None else id(first)


def _lines(box: Any) -> Iterator[Any]:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.LineBox):
        yield box
    elif isinstance(box, boxes.BlockBox):
        for child in box.children:
            yield from _lines(child)


def _all_text_boxes(box: Any) -> list[Any]:
    """Return the text boxes under `box`, in document order."""
    from weasyprint.formatting_structure import boxes

    text_box = boxes.TextBox
    found = []
    stack = [box]
    while stack:
        box = stack.pop()
        if isinstance(box, text_box):
            found.append(box)
        children = getattr(box, "children", None)
        if children:
            stack.extend(reversed(children))
    return found


def _draw_inline_level(stream: Any, page: Any, box: Any, *args: Any, **kwargs: Any) -> Any:
    """Plan the text of a whole line box before WeasyPrint draws it box by box."""
    from weasyprint.formatting_structure import boxes

    if not isinstance(box, boxes.LineBox):
        return _originals["draw_inline_level"](stream, page, box, *args, **kwargs)
    page_state = _page_state(stream, page)
    key = _line_key(box)
    if key is not None and key in page_state.drawn:
        return None  # a list marker, drawn with its item
    marker = page_state.markers.pop(key, None) if key is not None else None
    if marker is not None:
        for line in marker.children:
            _draw_inline_level(stream, page, line)
            if _line_key(line) is not None:
                page_state.drawn.add(_line_key(line))
    if box.text_overflow == "ellipsis" or box.block_ellipsis != "none":
        return _originals["draw_inline_level"](stream, page, box, *args, **kwargs)
    texts = [_gather(stream, b) for b in _text_boxes(box)]
    plans = _state(stream)
    plans.update(_plan_line(stream, page_state, texts))
    try:
        return _originals["draw_inline_level"](stream, page, box, *args, **kwargs)
    finally:
        for text in texts:
            if text is not None:
                plans.pop(id(text.box), None)


def _text_boxes(box: Any) -> Iterator[Any]:
    """Yield the text boxes of a line, in the order WeasyPrint draws them (the document's)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.stacking import StackingContext

    for child in box.children:
        if isinstance(child, StackingContext):
            continue
        if isinstance(child, boxes.TextBox):
            yield child
        elif isinstance(child, boxes.InlineBox):
            yield from _text_boxes(child)


def _draw_first_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: str, matrix: Any) -> Any:
    """Draw a text box from its line's plan; without one, as WeasyPrint does."""
    plan = _state(stream).get(id(textbox))
    layout = textbox.pango_layout
    skipped = getattr(layout, "_publish_kept", None) is _SKIPPED
    layout._publish_kept = None
    if plan is None or text_overflow == "ellipsis" or block_ellipsis != "none":
        if skipped:  # `_reactivate` did not set the layout up: WeasyPrint draws from it
            _originals["reactivate"](layout, textbox.style)
        return _originals["draw_first_line"](stream, textbox, text_overflow, block_ellipsis, matrix)
    _write(stream, plan, matrix)
    return []


def _pieces(text: _BoxText) -> list[_Piece]:
    """Cut a box's runs into pieces, in the order pdf.js must read them (the logical order).

    A raised glyph is a piece of its own: its ActualText span makes pdf.js start a new chunk.
    The cuts follow the logical order: a mark drawn before the alef of a lam-alef comes after the
    lam, and so does the piece it makes.
    """
    pieces: list[_Piece] = []
    for run in sorted(text.runs, key=_by_start):
        _expand(run)
        items = run.items
        rtl = run.rtl
        if not rtl and not run.raised:
            # Nothing cut: one piece of all the items, which are in visual order already.
            if items:
                pieces.append(_Piece(text, run, list(items)))
            continue
        cut: list[list[_Item]] = [[]]
        # Sorted on the order alone, ties stay in visual order (the sort is stable).
        for item in sorted(items, key=_by_order):
            if item.kind == "raised" or (rtl and item.kind == "quiet"):
                cut += [[item], []]
            else:
                cut[-1].append(item)
        for group in filter(None, cut):
            if rtl and not _pdfjs_reads_rtl("".join(i.text for i in group)):
                # pdf.js would keep it left to right ("( )" between two Latin runs): one a chunk.
                pieces += [_Piece(text, run, [item]) for item in group]
            else:
                pieces.append(_Piece(text, run, sorted(group, key=_by_index)))
    for piece in pieces:
        # A space at either end of a piece draws nothing and, written, would make pdf.js put a
        # space before whatever it reads next: spaces between pieces are seen to by `_keep_spaces`.
        blanks = piece.run.font._publish_info.blanks
        items = piece.items
        for side in (items, reversed(items)):
            for item in side:
                if item.kind != "glyph" or not item.text.isspace() or item.gid not in blanks:
                    break
                piece.unwritten.add(id(item))
    return pieces


def _plan_line(stream: Any, page: _Page, texts: list[_BoxText | None]) -> dict[int, list[tuple]]:
    """Plan every text box of a line: pieces in reading order, marks for poppler, spaces for pdf.js."""
    drawn = [t for t in texts if t is not None and t.runs]
    pieces = {id(t.box): _pieces(t) for t in drawn}
    _mark_directions(stream, page, [p for t in drawn for p in pieces[id(t.box)]])
    _keep_spaces(stream, texts, pieces)
    plans: dict[int, list[tuple]] = {}
    for text in texts:
        if text is not None:
            ops: list[tuple] = []
            for piece in pieces.get(id(text.box), []):
                ops.append(("piece",))
                ops += piece.ops(stream)
            plans[id(text.box)] = ops
    return plans


def _marker(stream: Any, run: _Run, marks: str, x: float) -> tuple:
    """A zero-width glyph reading as `marks` (direction marks), at `x` in the run's font."""
    info = _info(stream, run.font)
    # The space glyph, drawn with no width: fonts give the direction marks' own glyphs an outline.
    return ("glyph", run.font, run.size, _code(run.font, info, info.blank, marks, 0), x, 0.0, "char")


def _poppler_type(char: str) -> str:
    """The class poppler's bidi gives a character: "L", "R", "#" (digits and the like) or "N"."""
    if char in _POPPLER_WEAK or unicodedata.bidirectional(char) in ("EN", "AN"):
        return "#"
    kind = unicodedata.bidirectional(char)
    return "L" if kind == "L" else "R" if kind in ("R", "AL") else "N"


def _edge(piece: _Piece, side: int) -> str:
    """The character drawn at the left (side 0) or right (side -1) end of a piece, spaces aside."""
    text = piece.logical.strip()
    if not text:
        return " "
    return text[-1 - side] if piece.run.rtl else text[side]


def _mark_directions(stream: Any, page: _Page, pieces: list[_Piece]) -> None:
    """Write the direction marks poppler needs to put runs and punctuation back in logical order.

    poppler reads a line from the side of the page's direction, reversing each stretch of
    right-to-left letters it meets with the neutrals next to them, keeping letters, digits and
    `. , : - /` left to right. A run against the page's direction is closed on both sides, an RLM
    on its left and an LRM on its right, where poppler would otherwise take neutrals across its
    ends. Inside right-to-left text, each of `. , : - /` (a row of them once) gets an RLM on its
    left, so that it stays on its own instead of taking the neighbouring space along. The marks
    come out with the text: none is written where it changes nothing.
    """
    if not pieces:
        return
    visual = sorted(pieces, key=lambda p: p.left())
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
        left, right = _poppler_type(_edge(first, 0)), _poppler_type(_edge(last, -1))
        if index > 0 if page.rtl else left != "R":
            first.before.append(_marker(stream, first.run, RLM, first.left(blank=True) - first.text.origin[0] - 0.01))
        if right not in ("L", "#") if page.rtl else end < len(visual) - 1:
            last.after.append(_marker(stream, last.run, LRM, last.right(blank=True) - last.text.origin[0]))
        index = end + 1
    if page.rtl:
        # Left to right: a row of dots (a leader, "...") needs one mark, on its left.
        left = ""
        for piece in visual:
            if not piece.run.rtl:
                left = ""
                continue
            for item in piece.items:
                if item.kind == "glyph" and item.text[:1] in _POPPLER_WEAK and item.text != left:
                    piece.marks[id(item)] = [_marker(stream, piece.run, RLM, item.x - 0.01)]
                if item.text:
                    left = item.text
    # poppler joins a line ending in a hyphen to the next, dropping the hyphen: right for a word
    # it cut, wrong for a hyphen the writer typed (URLs, "synth-wave"). After one, a mark keeps it.
    end = visual[-1]
    if max(end.items, key=lambda i: i.x).text.endswith("-"):
        end.after.append(_marker(stream, end.run, RLM if page.rtl else LRM, end.right() - end.text.origin[0]))
    target = next((p for p in pieces if p.run.rtl == page.rtl), None)
    while page.ballast > 0 and target is not None:
        count = min(page.ballast, 100)
        x = target.right() - target.text.origin[0]
        target.after.append(_marker(stream, target.run, (RLM if page.rtl else LRM) * count, x))
        page.ballast -= count


def _keep_spaces(stream: Any, texts: list[_BoxText | None], pieces: dict[int, list[_Piece]]) -> None:
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
        for piece in pieces.get(id(text.box), []):
            logical = piece.logical
            if not logical:
                continue  # a glyph that reads as nothing
            if not logical.strip():
                pending = True
                continue
            if end is not None and (pending or logical[:1].isspace()) and piece.left() - end < 0.102 * em:
                _borrow(stream, piece, end - text.origin[0] + 0.06 * em, spaced=last == " ")
            pending = logical[-1:].isspace()
            ops = piece.ops(stream)
            seen, last = _pdfjs_view(ops, text.origin[0], last)
            if seen is not None:
                end, em = seen, piece.run.size
        if not text.runs:
            pending = True


def _pdfjs_view(ops: list[tuple], origin: float, last: str) -> tuple[float | None, str]:
    """Return where pdf.js sees `ops` end (the last glyph with a width and a character) and the last
    character it took (a space for whitespace; format characters are skipped)."""
    # Read from the end: the last character taken, and the last glyph with a width and a character.
    taken = None
    for op in reversed(ops):
        if op[0] != "glyph":
            continue
        font, code = op[1], op[3]
        text = font.to_unicode.get(code, "")
        if not text or _category(text[-1]) == "Cf":
            continue
        if text.isspace():
            if taken is None:
                taken = " "
            continue
        if taken is None:
            taken = text[-1]
        width = font.widths[code]
        if width:
            return origin + op[4] + width * op[2] / 1000, taken
    return None, last if taken is None else taken


def _borrow(stream: Any, piece: _Piece, x: float, spaced: bool) -> None:
    """Recreate for pdf.js the space before `piece`, from a blank glyph at `x` (see `_keep_spaces`).

    `spaced`: pdf.js took a whitespace glyph last; one more would make it forget the letter before.
    """
    run = piece.run
    first = next((i for i in sorted(piece.items, key=lambda i: i.order) if i.text.strip()), None)
    if first is None or first.kind != "glyph" or is_mark(first.text[0]) or not run.font.widths[first.gid]:
        return
    if run.rtl and len(first.text) > 1:
        return  # poppler would read the ActualText of the glyph backwards
    info = _info(stream, run.font)
    font, size = run.font, run.size
    piece.borrowed = first
    if not spaced:
        piece.before.append(("glyph", font, size, _code(font, info, info.blank, " ", 0), x, 0.0, "quiet"))
    piece.before += [
        ("begin", ""),
        ("glyph", font, size, _code(font, info, info.blank, first.text, CARRIER_ADVANCE), x, 0.0, "quiet"),
        ("end",),
    ]


def _item_ops(run: _Run, info: _FontInfo, item: _Item, borrowed: bool = False) -> list[tuple]:
    """Write one item so that it reads as its own characters, in its place.

    Glyph ops end with a role: "char" is a character poppler places where the glyph is; "flex" a
    carrier to be placed between its neighbours (`_place`); "twin" a carrier at the previous
    carrier's place; "quiet" a glyph whose characters poppler takes from elsewhere, or none.
    """
    font, size = run.font, run.size
    invisible = RLM if run.rtl else LRM  # what a glyph without characters reads as: nothing visible
    if item.kind == "raised":
        # Raised glyphs are on another baseline for poppler, which makes a line of them: an
        # ActualText span whose first glyph is a carrier on the baseline gives it the characters
        # there (poppler spreads them from the first glyph of the span to the end of the last, on
        # the baseline of the first: a second carrier ends the span level with it). pdf.js ignores
        # ActualText, skips the carriers (format characters) and reads the raised glyph itself.
        carrier = _code(font, info, info.blank, invisible, 0)
        return [
            ("begin", item.text),
            ("glyph", font, size, carrier, None, 0.0, "flex", item.order),
            ("glyph", font, size, _code(font, info, item.gid, item.text or invisible), item.x, item.rise, "quiet"),
            ("glyph", font, size, carrier, None, 0.0, "twin"),
            ("end",),
        ]
    if item.kind == "quiet":
        ops: list[tuple] = [("glyph", font, size, _code(font, info, item.gid, invisible), item.x, 0.0, "quiet")]
        if run.rtl:
            ops = [("begin", ""), *ops, ("end",)]
        if font.widths[item.gid]:
            ops.append(("sync",))  # pdf.js skips format characters without advancing: put it back
        return ops
    if item.kind == "carrier":
        code = _code(font, info, info.blank, item.text, 0 if is_mark(item.text) else CARRIER_ADVANCE)
        return [("glyph", font, size, code, None, 0.0, "flex", item.order)]
    if borrowed:
        # Its character was written for pdf.js before the piece; poppler reads it here.
        code = _code(font, info, item.gid, invisible)
        return [("begin", item.text), ("glyph", font, size, code, item.x, 0.0, "char"), ("end",), ("sync",)]
    return [("glyph", font, size, _code(font, info, item.gid, item.text), item.x, 0.0, "char")]


def _run_ops(run: _Run, info: _FontInfo, borrowed: _Item | None) -> tuple[list[tuple], list[int]]:
    """Write every item of a run (see `_item_ops`), carriers placed among the run's characters.

    Return the ops of all its items, in visual order, and their bounds: the ops of item `i` are
    `ops[bounds[i] : bounds[i + 1]]`.
    """
    ops: list[tuple] = []
    bounds = [0]
    font, size = run.font, run.size
    widths, to_unicode, blank = font.widths, font.to_unicode, info.blank
    flex = False  # carriers to place: without them, `_place` changes nothing
    for item in run.items:
        kind = item.kind
        if kind == "glyph" and item is not borrowed:
            gid, text = item.gid, item.text
            known = to_unicode.get(gid)
            # `_code`, when the glyph's own code reads as `text` (most glyphs): that code.
            if (
                (known is None or known == text)
                and gid in widths
                and (gid == blank or not text or _category(text[-1]) != "Cf")
            ):
                to_unicode[gid] = text
                code = gid
            else:
                code = _code(font, info, gid, text)
            ops.append(("glyph", font, size, code, item.x, 0.0, "char"))
        else:
            flex = flex or kind in ("carrier", "raised")
            ops += _item_ops(run, info, item, item is borrowed)
        bounds.append(len(ops))
    if flex:
        ops = _place(ops, size, run.rtl)
    return ops, bounds


def _place(ops: list[tuple], size: float, rtl: bool) -> list[tuple]:
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


def _write(stream: Any, ops: list[tuple], matrix: Any) -> None:
    """Write planned glyphs into the content stream, each at its own place."""
    import pydyf

    stream.set_text_matrix(*matrix.values)
    pen = 0.0
    rise = 0.0
    current = None
    current_font = widths = to_unicode = None
    parts: list[str] = []
    append = parts.append

    def flush() -> None:
        if parts:
            stream.show_text(" ".join(parts))
            parts.clear()

    for op in ops:
        kind = op[0]
        if kind == "glyph":
            font, size, code, x, glyph_rise = op[1], op[2], op[3], op[4], op[5]
            if font is not current_font or current is None or current[1] != size:
                if current is None or current != (font.hash, size):
                    flush()
                    pydyf.Stream.set_font_size(stream, font.hash, size)  # WeasyPrint's would skip it
                    stream._current_font = current = (font.hash, size)
                current_font, widths, to_unicode = font, font.widths, font.to_unicode
            if glyph_rise != rise:
                flush()
                stream.set_text_rise(-glyph_rise)
                rise = glyph_rise
            shift = (pen - x) * 1000 / size
            if shift >= 5e-4 or shift <= -5e-4:
                number = f"{shift:.3f}".rstrip("0").rstrip(".")
                append(number)
                pen -= float(number) * size / 1000
            append(f"<{code:04x}>")
            pen += widths[code] * size / 1000
            text = to_unicode.get(code, "")
            if text and _category(text[-1]) == "Cf":
                # pdf.js skips glyphs of format characters with the spacing after them: end the array.
                flush()
        elif kind == "begin":
            flush()
            stream.begin_marked_content("Span", pydyf.Dictionary({"ActualText": pydyf.String(op[1])}))
        elif kind == "end":
            flush()
            stream.end_marked_content()
        elif kind == "sync":
            flush()
            stream.set_text_matrix(*matrix.values)
            pen = 0.0
        elif kind == "piece":
            # pypdf reads right-to-left text across operators until the font is set: set it again
            # before the next glyph, so that it takes each piece on its own, in its place.
            current = None
    flush()
    if rise:
        stream.set_text_rise(0)


def _pdfjs_reads_rtl(text: str) -> bool:
    """Tell whether pdf.js reverses a chunk of `text`: when 30 % of it is right to left, or a little
    of it is and it is 4 characters or fewer (its bidi.js)."""
    text = " ".join(text.split())
    strong = sum(unicodedata.bidirectional(c) in ("R", "AL", "AN") for c in text)
    return bool(strong) and (strong / len(text) >= 0.3 or len(text) <= 4)


def _skipped_by_pdfjs(text: str) -> bool:
    """Tell whether pdf.js drops a glyph reading as `text` (format characters: direction marks)."""
    return bool(text) and unicodedata.category(text[-1]) == "Cf"


def is_mark(char: str) -> bool:
    """Tell whether a character is a combining mark (harakat and other nonspacing marks)."""
    return unicodedata.category(char) in ("Mn", "Me")
