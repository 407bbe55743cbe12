"""Font facts and alias codes: what the drawing knows of a font file, and the codes it draws glyphs with.

WeasyPrint maps each glyph once, from its first use. Occurrences that must read as other text get
alias codes of the same glyph, each with its own ToUnicode entry and width, mapped back to the
glyph in the font's CIDToGIDMap (`cid_to_gid_map`) and left out of its subsetting (`for_subsetting`).
"""

from __future__ import annotations

import functools
import io
import itertools
import unicodedata
from dataclasses import dataclass
from typing import Any

_category = unicodedata.category


@dataclass(frozen=True)
class FontFacts:
    """What is read once from a font file: its mark glyphs and the glyphs that draw nothing."""

    marks: frozenset[int] = frozenset()
    blank: int | None = None
    advances: tuple[tuple[int, int], ...] = ()
    blanks: frozenset[int] = frozenset()


class FontInfo:
    """What the drawing needs to know about one font file, and the alias codes made for it.

    Shared by every `Face` of the same file (WeasyPrint `Font` objects with the same `hash`), as
    their PDF font dictionaries are: WeasyPrint keeps the last one written for each file.
    """

    def __init__(self, glyph_count: int, facts: FontFacts, embeddable: bool = True):
        self.glyph_count = glyph_count
        # Alias codes start well above the real glyphs and WeasyPrint's codes for missing ones.
        self.next_alias = glyph_count + 1024
        self.aliases: dict[int, tuple[int, str, int]] = {}
        """Alias codes → the glyph each draws, the text it reads as, its advance."""
        self.by_key: dict[tuple[int, str, int], int] = {}
        self.faces: list[Face] = []
        """The faces of this file: each gets every alias (see `for_subsetting`)."""
        self.marks: frozenset[int] = facts.marks
        self.blank: int | None = facts.blank
        """The space glyph: what carriers, markers and helpers are drawn with (nothing)."""
        self.advances: dict[int, int] = dict(facts.advances)
        self.blanks: frozenset[int] = facts.blanks
        """Glyphs that draw nothing."""
        self.supported = self.blank is not None and embeddable
        """TrueType, embedded as a subset, with a blank space glyph: drawn by this package."""


@dataclass(eq=False, slots=True)
class Face:
    """One font as the planning sees it: its name in the content stream, and its code tables.

    `widths` and `to_unicode` are the WeasyPrint font's own dictionaries (code → advance in
    thousandths of an em, code → text): what is planned is written into them.
    """

    name: str
    widths: dict[int, int]
    to_unicode: dict[int, str]
    info: FontInfo


@functools.lru_cache(maxsize=32)
def font_facts(content: bytes, index: int) -> FontFacts:
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
            return FontFacts(marks, None, (), blanks)
        advance = round(ttfont["hmtx"][space][0] * 1000 / ttfont["head"].unitsPerEm)
        return FontFacts(marks, ids[space], ((ids[space], advance),), blanks)
    except Exception:  # an unreadable font draws as WeasyPrint would: no marks, no carriers
        return FontFacts()


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


def code(face: Face, gid: int, text: str, width: int | None = None) -> int:
    """Return the character code that draws glyph `gid` and reads as `text`, with advance `width`."""
    info = face.info
    widths = face.widths
    own = widths.get(gid)
    if own is None:  # a glyph Pango did not lay out here: a blank or a direction mark
        own = widths[gid] = info.advances[gid]
    if width is None:
        width = own
    to_unicode = face.to_unicode
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
    alias = info.by_key.get(key)
    if alias is None:
        alias = info.by_key[key] = info.next_alias
        info.aliases[alias] = key
        info.next_alias += 1
    to_unicode[alias] = text
    widths[alias] = width
    return alias


def for_subsetting(info: FontInfo, to_unicode: dict[int, str]) -> dict[int, str]:
    """Return the codes to subset a font file on: the glyphs drawn, not the alias codes standing for them.

    Every face of the file is given every alias too: WeasyPrint writes one font dictionary per
    file, from one of its faces, which must know them all, whichever drew them.
    """
    if not info.aliases:
        return to_unicode
    kept = {code: text for code, text in to_unicode.items() if code not in info.aliases}
    kept.update({gid: "" for gid, _, _ in info.aliases.values() if gid not in kept})
    for face in info.faces:
        for alias, (_, text, width) in info.aliases.items():
            face.to_unicode[alias] = text
            face.widths[alias] = width
    return kept


def cid_to_gid_map(info: FontInfo, codes: dict[int, int] | set[int], missing: set[int]) -> bytes:
    """Return the CIDToGIDMap of a font file's codes: aliases to their glyphs, glyphs to themselves.

    `codes`: the codes written (its widths' keys); `missing`: WeasyPrint's codes for missing glyphs,
    and codes beyond the font's glyphs, map to glyph 0.
    """
    last = max(max(info.aliases), max(codes, default=0))
    table = bytearray()
    for cid in range(last + 1):
        gid = info.aliases[cid][0] if cid in info.aliases else 0 if cid in missing or cid >= info.glyph_count else cid
        table += gid.to_bytes(2, "big")
    return bytes(table)


def face_of(fonts: Any, font: Any) -> Face:
    """Return the face of a WeasyPrint `Font`, sharing its file's `FontInfo` with the stream's other fonts.

    `fonts`: the stream's WeasyPrint fonts (its `_fonts` values).
    """
    face = getattr(font, "_publish_face", None)
    if face is None:
        info = next(
            (f._publish_face.info for f in fonts if f.hash == font.hash and hasattr(f, "_publish_face")),
            None,
        )
        if info is None:
            facts = font_facts(font.file_content, font.index)
            info = FontInfo(font.glyph_count, facts, font.type == "ttf" and not font.used_in_forms)
        face = font._publish_face = Face(font.hash, font.widths, font.to_unicode, info)
        info.faces.append(face)
    return face
