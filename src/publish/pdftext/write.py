"""Write a text box's planned ops (`pieces`) into a PDF content stream, each glyph at its own place."""

from __future__ import annotations

import unicodedata
from typing import Any

_category = unicodedata.category


def write(stream: Any, ops: list[tuple], matrix: Any) -> None:
    """Write planned glyphs into the content stream (a WeasyPrint `Stream`), from the text origin `matrix`."""
    import pydyf

    # Where the text matrix is set first: the origin, or past a no-break space read with the box
    # before ("origin", `plan.join_no_break_spaces`), where an offset would look like a space.
    pen = ops[0][1] if ops and ops[0][0] == "origin" else 0.0
    if pen:
        a, b, c, d, e, f = matrix.values
        stream.set_text_matrix(a, b, c, d, e + a * pen, f + b * pen)
    else:
        stream.set_text_matrix(*matrix.values)
    rise = 0.0
    current = None
    current_face = widths = to_unicode = None
    parts: list[str] = []
    append = parts.append

    def flush() -> None:
        if parts:
            stream.show_text(" ".join(parts))
            parts.clear()

    for op in ops:
        kind = op[0]
        if kind == "glyph":
            face, size, code, x, glyph_rise = op[1], op[2], op[3], op[4], op[5]
            if face is not current_face or current is None or current[1] != size:
                if current is None or current != (face.name, size):
                    flush()
                    pydyf.Stream.set_font_size(stream, face.name, size)  # WeasyPrint's would skip it
                    stream._current_font = current = (face.name, size)
                current_face, widths, to_unicode = face, face.widths, face.to_unicode
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
