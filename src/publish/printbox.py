"""Print box: the largest box a figure prints in, read from a brand's print stylesheets.

A figure is as wide as the text block at most, and as tall as `figure img { max-height }` allows
(else the page's text block). `PrintBox.for_brand` reads, with tinycss2 and in cascade order (base's
stylesheets first, the brand's after them):

    @page { size }                          "A4", "A5 landscape", "170mm 240mm"; brand.toml's
                                            page_size wins, as its stylesheet comes last
    @page, @page :left, @page :right        margin (1 to 4 values), margin-top/right/bottom/left,
                                            margin-inline/-block and their -start/-end
    figure img { max-height }               the figure's height cap

Lengths in mm, cm, Q, in, pt, pc and px. Page margins start at WeasyPrint's own (75px); left and
right pages are read apart and the narrower text block is taken (the spine margin may differ). A
value it cannot read (var(), calc(), %, em, auto) falls back to PAGE_MARGINS_MM or
FIGURE_MAX_HEIGHT_MM, with a debug log: a copy then prints at 300 to about 340 ppi, as before.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import tinycss2

logger = logging.getLogger(__name__)

PRINT_PPI = 300
"""Resolution of print renditions at the size they print."""
CSS_PPI = 96
"""WeasyPrint sizes an image at 96 pixels per inch until the layout's box limits it."""
FIGURE_MAX_HEIGHT_MM = 120.0
"""`figure img { max-height }` in layouts/base/css/print.css: the fallback when a brand's can't be read."""
PAGE_MARGINS_MM = (17.0 + 12.0, 22.0 + 25.0)
"""Inline and block page margins, added together, when a brand's can't be read: the narrowest text
block of the shipped layouts (syrien-nest-fait's). A box a little wider than the real one prints at
300 to about 340 ppi, never soft and never over 400."""

PAGES_MM = {
    "a3": (297, 420),
    "a4": (210, 297),
    "a5": (148, 210),
    "a6": (105, 148),
    "b4": (250, 353),
    "b5": (176, 250),
    "jis-b4": (257, 364),
    "jis-b5": (182, 257),
    "letter": (215.9, 279.4),
    "legal": (215.9, 355.6),
    "ledger": (279.4, 431.8),
}
UNITS_MM = {"mm": 1.0, "cm": 10.0, "q": 0.25, "in": 25.4, "pt": 25.4 / 72, "pc": 25.4 / 6, "px": 25.4 / 96}
_DEFAULT_MARGIN_MM = 75 * UNITS_MM["px"]
"""WeasyPrint's page margin (`@page { margin: 75px }` in its user-agent stylesheet)."""
_SIDES = ("top", "right", "bottom", "left")
_LOGICAL = {"inline": ("left", "right"), "block": ("top", "bottom")}
_FIGURE_SELECTORS = {"figure img", "figure>img"}

_memo: dict[tuple, PrintBox] = {}


@dataclass(frozen=True, slots=True)
class PrintBox:
    """The largest box a figure prints in, in millimetres."""

    width: float
    height: float

    @classmethod
    def for_page(cls, page_size: str | None) -> PrintBox:
        """Return the figure box of a page size ("A4", "A5 landscape", "170mm 240mm"; None: A4) with the
        fallback margins and height cap: what a brand gets when its stylesheets can't be read."""
        width, height = page_mm(page_size or "A4") or PAGES_MM["a4"]
        return cls(width - PAGE_MARGINS_MM[0], min(FIGURE_MAX_HEIGHT_MM, height - PAGE_MARGINS_MM[1]))

    @classmethod
    def for_brand(cls, stylesheets: list[Path], page_size: str | None) -> PrintBox:
        """Return the figure box of a brand: its print stylesheets (base first) and brand.toml's page_size."""
        key = (tuple((p, *_stamp(p)) for p in stylesheets), page_size)
        if key not in _memo:
            texts = [p.read_text(encoding="utf-8") for p in stylesheets]
            if page_size:
                texts.append(f"@page {{ size: {page_size}; }}")
            _memo[key] = cls.from_css(texts)
        return _memo[key]

    @classmethod
    def from_css(cls, texts: list[str]) -> PrintBox:
        """Return the figure box the stylesheets give, in cascade order."""
        reader = _Reader()
        for text in texts:
            reader.read(text)
        return reader.box()

    def printed_size(self, width: int, height: int) -> tuple[float, float]:
        """Return the size in inches an image of `width` × `height` pixels prints at."""
        natural = (width / CSS_PPI, height / CSS_PPI)
        scale = min(1.0, self.width / 25.4 / natural[0], self.height / 25.4 / natural[1])
        return natural[0] * scale, natural[1] * scale

    def pixels(self, width: int, height: int) -> tuple[int, int]:
        """Return the size of the print rendition: PRINT_PPI at the printed size, never larger than the source."""
        inches = self.printed_size(width, height)
        target = (round(inches[0] * PRINT_PPI), round(inches[1] * PRINT_PPI))
        return (width, height) if target[0] >= width else (max(1, target[0]), max(1, target[1]))


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def page_mm(size: str) -> tuple[float, float] | None:
    """Return the width and height of a CSS page size in millimetres, or None when it can't be read."""
    return _page_size(_values(tinycss2.parse_component_value_list(size)))


class _Reader:
    """The page size, the margins of left and right pages and the figure's height cap, rule by rule."""

    def __init__(self) -> None:
        self.size: tuple[float, float] = PAGES_MM["a4"]
        # Margins of every page, then of left and right pages (more specific: applied after).
        self.margins: dict[str, dict[str, float | None]] = {
            "": dict.fromkeys(_SIDES, _DEFAULT_MARGIN_MM),
            "left": {},
            "right": {},
        }
        self.max_height: float | None = math.inf

    def read(self, text: str) -> None:
        for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
            if rule.type == "at-rule" and rule.lower_at_keyword == "page" and rule.content is not None:
                self.page_rule(rule)
            elif rule.type == "qualified-rule" and _figure_img(rule.prelude):
                for name, value in _declarations(rule.content):
                    if name == "max-height":
                        none = len(value) == 1 and value[0].type == "ident" and value[0].lower_value == "none"
                        self.max_height = math.inf if none else _length(value, "figure img { max-height }")

    def page_rule(self, rule) -> None:
        selector = "".join(t.serialize() for t in rule.prelude if t.type != "whitespace").lower()
        if selector not in ("", ":left", ":right"):
            return  # :first, :blank and named pages: not where figures print
        margins = self.margins[selector.lstrip(":")]
        for name, value in _declarations(rule.content):
            if name == "size" and not selector:
                self.size = _page_size(value) or self.size
            elif name == "margin" and 1 <= len(value) <= 4:
                lengths = _expand([_length([v], "@page margin") for v in value])
                margins.update(zip(_SIDES, lengths, strict=True))
            elif not name.startswith("margin-"):
                continue
            elif name[7:] in _SIDES:
                margins[name[7:]] = _length(value, f"@page {name}")
            elif name[7:].partition("-")[0] in _LOGICAL:
                axis, _, edge = name[7:].partition("-")
                start, end = _LOGICAL[axis]  # inline-start as left: the sum is what counts
                lengths = [_length([v], f"@page {name}") for v in value]
                if not edge and len(lengths) in (1, 2):
                    margins[start], margins[end] = lengths[0], lengths[-1]
                elif edge in ("start", "end") and len(lengths) == 1:
                    margins[start if edge == "start" else end] = lengths[0]

    def box(self) -> PrintBox:
        width, height = self.size
        inline, block = [], []
        for side in ("left", "right"):
            margins = self.margins[""] | self.margins[side]
            inline.append(_total(margins["left"], margins["right"], PAGE_MARGINS_MM[0], "inline"))
            block.append(_total(margins["top"], margins["bottom"], PAGE_MARGINS_MM[1], "block"))
        max_height = FIGURE_MAX_HEIGHT_MM if self.max_height is None else self.max_height
        return PrintBox(width - max(inline), min(max_height, height - max(block)))


def _expand(values: list[float | None]) -> list[float | None]:
    """CSS's 1 to 4 value shorthand → top, right, bottom, left."""
    if len(values) == 1:
        return values * 4
    if len(values) == 2:
        return [values[0], values[1], values[0], values[1]]
    if len(values) == 3:
        return [values[0], values[1], values[2], values[1]]
    return values


def _total(first: float | None, second: float | None, fallback: float, axis: str) -> float:
    if first is None or second is None:
        logger.debug("an @page %s margin can't be read: taking %g mm for both", axis, fallback)
        return fallback
    return first + second


def _values(tokens: list) -> list:
    return [t for t in tokens if t.type not in ("whitespace", "comment")]


def _declarations(content: list | None) -> list[tuple[str, list]]:
    found = []
    for item in tinycss2.parse_declaration_list(content or [], skip_comments=True, skip_whitespace=True):
        if item.type == "declaration":
            found.append((item.lower_name, _values(item.value)))
    return found


def _figure_img(prelude: list) -> bool:
    selectors = tinycss2.serialize(prelude).lower().split(",")
    return any(" ".join(s.replace(">", " > ").split()).replace(" > ", ">") in _FIGURE_SELECTORS for s in selectors)


def _length(value: list, what: str) -> float | None:
    """Return a length in millimetres, or None (said in a debug log) when it is not a plain length."""
    if len(value) == 1:
        token = value[0]
        if token.type == "dimension" and token.lower_unit in UNITS_MM:
            return token.value * UNITS_MM[token.lower_unit]
        if token.type == "number" and token.value == 0:
            return 0.0
    logger.debug("%s: can't read %r as a length", what, tinycss2.serialize(value))
    return None


def _page_size(value: list) -> tuple[float, float] | None:
    """Return a CSS `size` in millimetres (portrait unless it says landscape), or None."""
    names = [t.lower_value for t in value if t.type == "ident"]
    lengths = [_length([t], "@page size") for t in value if t.type != "ident"]
    if any(length is None for length in lengths) or len(lengths) > 2:
        return None
    named = [PAGES_MM[n] for n in names if n in PAGES_MM]
    if set(names) - set(PAGES_MM) - {"portrait", "landscape", "auto"} or len(named) > 1 or (named and lengths):
        return None
    if lengths:
        width, height = lengths[0], lengths[-1]
        return (width, height) if width is not None and height is not None else None
    width, height = named[0] if named else PAGES_MM["a4"]
    width, height = min(width, height), max(width, height)
    return (height, width) if "landscape" in names else (width, height)


__all__ = ["CSS_PPI", "FIGURE_MAX_HEIGHT_MM", "PAGE_MARGINS_MM", "PRINT_PPI", "PrintBox", "page_mm"]
