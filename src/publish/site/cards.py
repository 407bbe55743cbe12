"""Social cards: a page's title and brand → a 1200×630 PNG for Open Graph and Twitter previews.

Input: a `Card` (title, subtitle, a detail line such as the date, the brand line, language and
direction) and the brand's `Theme` (its heading fonts and colours). Output: a PNG beside the page.

Text is laid out as the page shows it: runs of the other direction are found by the same
`direction.isolate_runs` that writes the page's `<bdi>` elements, runs are placed in the base
direction's order, and every character is drawn with the first family of the brand's heading
stack that has it, as browsers fall back from font to font.

Shaping: with libraqm (`PIL.features.check("raqm")`) Pillow is given logical text and the run's
direction and shapes and orders it itself. Without it, arabic-reshaper joins the letters and
python-bidi puts them in visual order for Pillow's basic layout. Never both: Raqm would reorder
text that python-bidi already reversed.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from markdown_it.token import Token
from PIL import Image, ImageDraw, ImageFont, features

from ..direction import has_arabic, isolate_runs
from ..model import Direction
from ..output import atomic_write_bytes
from .theme import Face, Theme

SIZE = (1200, 630)
"""Open Graph's recommended image size, which Twitter's large cards use too."""

_MARGIN = 72
_BAR = 24
_WHITE = (255, 255, 255)


@dataclass(frozen=True, slots=True)
class Card:
    """What a social card shows."""

    title: str
    """The page's title, plain text in logical order."""
    lang: str
    """Language of the title."""
    direction: Direction
    """Base direction of the title."""
    brand_line: str
    """The publication's name, shown above the title (nothing when empty)."""
    path: str
    """Site path of the PNG (en/slug/card.png)."""
    subtitle: str | None = None
    """A second, smaller text under the title."""
    detail: str | None = None
    """A last line: the date, or what the page lists."""


def preferred_layout() -> ImageFont.Layout:
    """Return Raqm when Pillow has it, else the basic layout (with reshaping and python-bidi)."""
    return ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


@dataclass(frozen=True, slots=True)
class _Piece:
    """A stretch of a line drawn in one call: one font, one direction."""

    text: str
    """Logical text for Raqm; visual, shaped text for the basic layout."""
    font: ImageFont.FreeTypeFont
    direction: Direction
    lang: str | None


class TextSetter:
    """Lays out and draws single lines of text at one size and weight, falling back across a font stack."""

    def __init__(self, faces: list[Face], size: int, layout: ImageFont.Layout | None = None):
        self.layout = preferred_layout() if layout is None else layout
        self.size = size
        self.faces = faces
        self._fonts: dict[Path, ImageFont.FreeTypeFont] = {}

    def font(self, face: Face | None) -> ImageFont.FreeTypeFont:
        if face is None:
            return ImageFont.load_default(self.size)  # type: ignore[return-value]
        if face.path not in self._fonts:
            self._fonts[face.path] = ImageFont.truetype(str(face.path), self.size, layout_engine=self.layout)
        return self._fonts[face.path]

    @property
    def line_height(self) -> int:
        """Return the distance between baselines: more for Arabic, whose marks stack above and below."""
        arabic_first = bool(self.faces) and self.faces[0].group == "arab"
        return round(self.size * (1.6 if arabic_first else 1.25))

    def pieces(self, line: str, base: Direction) -> list[_Piece]:
        """Return a line's pieces in visual order, left to right."""
        runs = _runs(line, base)
        if base is Direction.RTL:
            runs.reverse()
        out: list[_Piece] = []
        for text, direction in runs:
            lang = "ar" if has_arabic(text) else None
            if self.layout == ImageFont.Layout.RAQM:
                segments = self._segments(text)
                if direction is Direction.RTL:
                    segments.reverse()
                out += [_Piece(t, self.font(f), direction, lang) for t, f in segments]
            else:
                shaped = arabic_reshaper.reshape(text) if lang else text
                visual = get_display(shaped, base_dir="R" if direction is Direction.RTL else "L")
                out += [_Piece(t, self.font(f), direction, lang) for t, f in self._segments(visual)]
        return out

    def width(self, line: str, base: Direction) -> float:
        """Return the width of a line in pixels."""
        return sum(self._length(piece) for piece in self.pieces(line, base))

    def draw(self, draw: ImageDraw.ImageDraw, start: float, baseline: float, line: str, base: Direction, fill) -> None:
        """Draw a line from its start edge: the left one left to right, the right one right to left."""
        pieces = self.pieces(line, base)
        x = start - sum(self._length(p) for p in pieces) if base is Direction.RTL else start
        for piece in pieces:
            draw.text((x, baseline), piece.text, font=piece.font, fill=fill, anchor="ls", **self._options(piece))
            x += self._length(piece)

    def render(self, line: str, base: Direction, fill=(0, 0, 0), background=_WHITE) -> Image.Image:
        """Return an image of one line with a margin of a quarter size around it."""
        pad = self.size // 4
        width = round(self.width(line, base)) + 2 * pad
        image = Image.new("RGB", (width, self.line_height + 2 * pad), background)
        ascent = max((self.font(face).getmetrics()[0] for face in self.faces), default=self.size)
        start = width - pad if base is Direction.RTL else pad
        self.draw(ImageDraw.Draw(image), start, pad + ascent, line, base, fill)
        return image

    def _segments(self, text: str) -> list[tuple[str, Face | None]]:
        """Split text where the font changes: each character takes the first face that has it."""
        segments: list[tuple[str, Face | None]] = []
        previous: Face | None = None
        for char in text:
            code = ord(char)
            face: Face | None
            # Spaces and punctuation stay in the font of what precedes them, to keep a run whole.
            if previous is not None and code in previous.codepoints and unicodedata.category(char)[0] not in "LNM":
                face = previous
            else:
                face = next((f for f in self.faces if code in f.codepoints), self.faces[0] if self.faces else None)
            if segments and segments[-1][1] is face:
                segments[-1] = (segments[-1][0] + char, face)
            else:
                segments.append((char, face))
            previous = face
        return segments

    def _options(self, piece: _Piece) -> dict[str, str]:
        if self.layout != ImageFont.Layout.RAQM:
            return {}
        options = {"direction": piece.direction.value}
        if piece.lang:
            options["language"] = piece.lang
        return options

    def _length(self, piece: _Piece) -> float:
        return piece.font.getlength(piece.text, **self._options(piece))


def _runs(text: str, base: Direction) -> list[tuple[str, Direction]]:
    """Split a line into runs, in logical order, each in one direction (the page's `<bdi>` runs)."""
    runs: list[tuple[str, Direction]] = []
    direction = base
    for token in isolate_runs([Token("text", "", 0, content=text)], base):
        if token.type == "bdi_open":
            direction = Direction(str(token.attrGet("dir")))
        elif token.type == "bdi_close":
            direction = base
        elif token.content:
            runs.append((token.content, direction))
    return runs


def wrap(setter: TextSetter, text: str, base: Direction, width: float) -> list[str]:
    """Break text into lines no wider than `width` at spaces (a longer word gets a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and setter.width(candidate, base) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _shorten(setter: TextSetter, line: str, base: Direction, width: float) -> str:
    """Cut the end of a line, in logical order, to fit `width` with an ellipsis."""
    words = line.split()
    while len(words) > 1 and setter.width(" ".join(words) + "…", base) > width:
        words.pop()
    return " ".join(words).rstrip(",;:—–-") + "…"


def _faces(theme: Theme, lang: str, weight: int) -> list[Face]:
    faces = [theme.face(family, weight) for family in theme.font_stack("--font-heading", lang)]
    return [f for f in faces if f is not None]


def readable_ink(background: tuple[int, int, int], dark: tuple[int, int, int]) -> tuple[int, int, int]:
    """Return white or the dark text colour, whichever reads better on the background (WCAG ratio)."""

    def luminance(rgb: tuple[int, int, int]) -> float:
        channels = [c / 255 for c in rgb]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    bg = luminance(background)
    on_white = 1.05 / (bg + 0.05)
    on_dark = (bg + 0.05) / (luminance(dark) + 0.05)
    return _WHITE if on_white >= on_dark else dark


def draw_card(card: Card, theme: Theme, layout: ImageFont.Layout | None = None) -> Image.Image:
    """Draw a social card: brand line, title (as large as fits), subtitle and detail line."""
    width, height = SIZE
    accent = theme.color("--color-accent", "#b3261e")
    text_color = theme.color("--color-text", "#1d1d1b")
    ink = readable_ink(accent, text_color)
    image = Image.new("RGB", SIZE, accent)
    draw = ImageDraw.Draw(image)
    rtl = card.direction is Direction.RTL
    # A band on the start edge, as the pages' title block has its rule: right in Arabic.
    band = (width - _BAR, 0, width, height) if rtl else (0, 0, _BAR, height)
    draw.rectangle(band, fill=_mix(accent, ink, 0.35))
    start = width - _BAR - _MARGIN if rtl else _BAR + _MARGIN
    measure = width - _BAR - 2 * _MARGIN
    regular, bold = _faces(theme, card.lang, 400), _faces(theme, card.lang, 700)

    if card.brand_line:
        brand = TextSetter(regular, 34, layout)
        brand_line = wrap(brand, card.brand_line, card.direction, measure)[0]
        brand.draw(draw, start, _MARGIN + 34, brand_line, card.direction, ink)

    top, bottom = _MARGIN + 34 + 24, height - _MARGIN - 64
    title, lines = _fit_title(card.title, card.direction, bold, measure, bottom - top, layout)
    blocks = [(title, lines, ink)]
    if card.subtitle:
        sub = TextSetter(regular, 32, layout)
        room = int((bottom - top - len(lines) * title.line_height - 16) // sub.line_height)
        sub_lines = wrap(sub, card.subtitle, card.direction, measure)
        if room >= 1 and sub_lines:
            if len(sub_lines) > min(room, 2):
                sub_lines = sub_lines[: min(room, 2)]
                sub_lines[-1] = _shorten(sub, sub_lines[-1], card.direction, measure)
            blocks.append((sub, sub_lines, _mix(ink, accent, 0.15)))
    # The title block sits in the middle of the space between the brand line and the rule.
    total = sum(len(block_lines) * setter.line_height for setter, block_lines, _ in blocks) + 16 * (len(blocks) - 1)
    y = top + max(0, (bottom - top - total) / 2)
    for setter, block_lines, color in blocks:
        for line in block_lines:
            setter.draw(draw, start, y + setter.line_height / 2 + setter.size * 0.36, line, card.direction, color)
            y += setter.line_height
        y += 16

    rule_y = height - _MARGIN - 40
    left, right = (_MARGIN, start) if rtl else (start, width - _MARGIN)
    draw.rectangle((left, rule_y, right, rule_y + 2), fill=_mix(ink, accent, 0.4))
    if card.detail:
        detail = TextSetter(regular, 28, layout)
        detail.draw(draw, start, height - _MARGIN + 4, card.detail, card.direction, ink)
    return image


def _fit_title(
    text: str, base: Direction, faces: list[Face], width: float, height: float, layout: ImageFont.Layout | None
) -> tuple[TextSetter, list[str]]:
    """Return the largest size at which the title fits, and its lines (the last one cut if it never fits)."""
    for size in (76, 68, 60, 54, 48, 44, 40):
        setter = TextSetter(faces, size, layout)
        lines = wrap(setter, text, base, width)
        room = max(1, int(height // setter.line_height))
        if len(lines) <= room:
            return setter, lines
    lines = lines[:room]
    lines[-1] = _shorten(setter, lines[-1], base, width)
    return setter, lines


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * amount) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def write_card(card: Card, theme: Theme, site_root: Path) -> Path:
    """Draw a card and write it as a PNG (no metadata: the same card gives the same bytes)."""
    out = io.BytesIO()
    draw_card(card, theme).save(out, "PNG", optimize=True)
    path = site_root / card.path
    data = out.getvalue()
    if not (path.is_file() and path.read_bytes() == data):
        atomic_write_bytes(path, data)
    return path
