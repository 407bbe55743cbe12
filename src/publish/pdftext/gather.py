"""Read a text box's glyphs from Pango as WeasyPrint would draw them, into plain data (`glyphs`).

WeasyPrint's cffi bindings are handed in by `hooks` (`Pango`), as is its `Layout.reactivate`:
this module imports nothing of WeasyPrint's.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from .fonts import face_of
from .glyphs import BoxText, Item, Run, is_mark

SKIPPED = object()
"""What `hooks` leaves on a layout it did not set up again: its text box is drawn from its plan."""


class Pango:
    """WeasyPrint's cffi bindings and what is read from them once: the drawing runs per glyph, and
    looking these up there was a good part of its cost."""

    def __init__(self, ffi: Any, pango: Any, from_units: float) -> None:
        self.ffi, self.pango, self.FROM_UNITS = ffi, pango, from_units
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


def gather(stream: Any, textbox: Any, p: Pango, reactivate: Callable[[Any, Any], None]) -> BoxText | None:
    """Read a text box's glyphs from Pango as WeasyPrint would draw them; None when it draws none.

    Boxes this package does not handle (bitmap or colour fonts, missing glyphs) give None too and
    are drawn by WeasyPrint itself. `reactivate`: WeasyPrint's own `Layout.reactivate`.
    """
    style = textbox.style
    style_size = style["font_size"]
    if style["visibility"] != "visible" or not style_size or style_size < 1e-6:
        return None
    origin = (textbox.position_x, textbox.position_y + textbox.baseline)
    if not textbox.text.strip():
        return BoxText(id(textbox), [], origin, textbox.text, style_size)
    null, empty, unknown, from_units = p.NULL, p.EMPTY, p.UNKNOWN, p.FROM_UNITS
    layout = textbox.pango_layout
    reactivate(layout, style)
    kept = False
    try:
        p.set_single_paragraph_mode(layout.layout, True)
        first_line, _ = layout.get_first_line()
        text_bytes = layout.text.encode()
        runs: list[Run] = []
        pen = 0.0
        run = first_line.runs[0]
        previous = None
        fonts = stream._fonts.values()
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
            face = face_of(fonts, font)
            info = face.info
            if not info.supported:
                return None
            offset = item.offset
            current = Run(face, font_size, analysis.level, offset)
            rtl = current.rtl
            glyph_string = glyph_item.glyphs
            count = glyph_string.num_glyphs
            clusters = p.ffi.unpack(glyph_string.log_clusters, count) if count else []
            texts = cluster_texts(text_bytes[offset : offset + item.length], clusters)
            # Most clusters are one glyph: those take their cluster's text as they are read.
            counts = None if len(texts) == count else Counter(clusters)
            marks = info.marks
            widths = face.widths
            items = current.items
            shared: dict[int, list[Item]] = {}
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
                    glyph = Item(gid, x, rise, mark, text, cluster * 64, len(items))
                    if plain and (rise or not text or not (logical_width or mark) or (rtl and len(text) > 1)):
                        plain = False
                else:
                    glyph = Item(gid, x, rise, mark, "", 0, len(items), positions=[])
                    plain = False
                    if cluster in shared:
                        shared[cluster].append(glyph)
                    else:
                        shared[cluster] = [glyph]
                items.append(glyph)
            if shared:
                assign_texts(rtl, shared, texts)
            current.plain = plain
            runs.append(current)
        # Drawn from its plan, the box needs its layout no more: `hooks` leaves it as it is.
        kept = True
        layout._publish_kept = style
        return BoxText(id(textbox), runs, origin, layout.text, style_size)
    finally:
        if not kept:
            layout.deactivate()


def cluster_texts(item_bytes: bytes, clusters: list[int]) -> dict[int, str]:
    """Map each cluster's byte offset to its text (up to the next cluster in logical order)."""
    starts = sorted(set(clusters))
    ends = [*starts[1:], len(item_bytes)]
    return {start: item_bytes[start:end].decode() for start, end in zip(starts, ends, strict=True)}


def units(text: str) -> list[tuple[str, str]]:
    """Split text into (letter, marks) units: each letter with the marks that follow it."""
    found: list[tuple[str, str]] = []
    for char in text:
        if is_mark(char) and found:
            found[-1] = (found[-1][0], found[-1][1] + char)
        else:
            found.append(("", char) if is_mark(char) else (char, ""))
    return found


def assign_texts(rtl: bool, clusters: dict[int, list[Item]], texts: dict[int, str]) -> None:
    """Share each cluster's characters among its glyphs: letters to letter glyphs, marks to marks.

    For the clusters of several glyphs (`gather` gives one-glyph clusters their text itself).
    """
    for cluster, glyphs in clusters.items():
        logical = glyphs[::-1] if rtl else glyphs
        letters = [g for g in logical if not g.mark] or logical[:1]
        marks = [g for g in logical if g not in letters]
        holders: list[Item] = []
        for index, (letter, unit_marks) in enumerate(units(texts[cluster])):
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
