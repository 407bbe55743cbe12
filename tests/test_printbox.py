"""The figure box read from a brand's print stylesheets: page size, margins, the figure's height cap."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from publish.config import load_project
from publish.printbox import FIGURE_MAX_HEIGHT_MM, PAGE_MARGINS_MM, PrintBox
from publish.render import load_layouts

ROOT = Path(__file__).resolve().parent.parent


def box(*texts: str) -> tuple[float, float]:
    found = PrintBox.from_css(list(texts))
    return round(found.width, 2), round(found.height, 2)


@pytest.mark.parametrize(
    ("brand", "expected"),
    [
        ("we-exist", (210 - 43, 120)),  # base: A4, 25 and 18 mm at the sides, 120 mm figures
        ("half-of-syria", (210 - 43, 120)),
        ("syrien-nest-fait", (148 - 29, 120)),  # A5 (brand.toml), 17 and 12 mm at the sides
    ],
)
def test_the_shipped_brands(brand: str, expected: tuple[float, float]) -> None:
    layouts = load_layouts(load_project(ROOT), brand)
    found = PrintBox.for_brand(layouts.stylesheets("print"), layouts.settings.page_size)
    assert (found.width, found.height) == expected


@pytest.mark.parametrize(
    ("margin", "width", "height"),
    [
        ("20mm", 170, 257),
        ("2cm 1in", 210 - 50.8, 257),
        ("10mm 36pt 30mm", 210 - 25.4, 257),
        ("10mm 20mm 30mm 96px", 210 - 45.4, 257),
        ("0 40Q", 190, 297),
    ],
)
def test_margin_shorthand_and_units(margin: str, width: float, height: float) -> None:
    assert box(f"@page {{ margin: {margin}; }}") == (round(width, 2), round(height, 2))


def test_later_and_more_specific_rules_win() -> None:
    base = "@page { size: A4; margin: 22mm 20mm 25mm; } @page :right { margin-left: 25mm; margin-right: 18mm; }"
    assert box(base) == (167, 250)  # right pages' 43 mm: the narrower text block
    # A later plain @page does not beat :right; a later :right does, and :left's side counts too.
    assert box(base, "@page { margin: 10mm; }") == (167, 277)
    assert box(base, "@page :right { margin-inline: 10mm 10mm; } @page :left { margin-left: 15mm }") == (175, 250)
    # Logical properties: block for top and bottom, inline for the sides.
    assert box("@page { margin-block: 10mm 20mm; margin-inline-start: 5mm; margin-inline-end: 15mm }") == (190, 267)
    # :first and named pages are not where figures print.
    assert box("@page { margin: 10mm } @page :first { margin: 50mm } @page wide { margin: 0 }") == (190, 277)


def test_page_size_and_figure_cap() -> None:
    assert box("@page { margin: 10mm }") == (190, 277)  # A4 unless a stylesheet says otherwise
    assert box("@page { size: A5 landscape; margin: 10mm }") == (190, 128)
    assert box("@page { size: letter; margin: 1in }") == (round(215.9 - 50.8, 2), round(279.4 - 50.8, 2))
    assert box("@page { size: 170mm 240mm; margin: 10mm }") == (150, 220)
    assert box("@page { margin: 10mm }", "@page { size: A5 }") == (128, 190)  # brand.toml's page_size, last
    assert box("@page { margin: 10mm } figure img { max-height: 120mm }") == (190, 120)
    assert box("figure img { max-height: 120mm } main figure img, figure > img { max-height: 8cm }") == (
        round(210 - 150 / 96 * 25.4, 2),
        80,
    )
    assert box("figure img { max-height: 120mm } figure img { max-height: none }")[1] == round(297 - 150 / 96 * 25.4, 2)
    # WeasyPrint's own margin, 75 px, when no stylesheet sets one.
    assert box("") == (round(210 - 150 / 96 * 25.4, 2), round(297 - 150 / 96 * 25.4, 2))


def test_what_cannot_be_read_falls_back_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="publish.printbox")
    found = box("@page { margin: 10mm var(--side) } figure img { max-height: calc(50% - 1em) }")
    assert found == (210 - PAGE_MARGINS_MM[0], FIGURE_MAX_HEIGHT_MM)
    assert box("@page { margin: 10mm; margin-top: 5% }") == (190, 297 - PAGE_MARGINS_MM[1])
    assert box("@page { margin: 10mm } @page :left { margin-left: auto }") == (210 - PAGE_MARGINS_MM[0], 277)
    messages = [r.getMessage() for r in caplog.records]
    assert "@page margin: can't read 'var(--side)' as a length" in messages
    assert "figure img { max-height }: can't read 'calc(50% - 1em)' as a length" in messages
    assert "an @page inline margin can't be read: taking 29 mm for both" in messages
    # An unknown page size keeps the size before it.
    assert box("@page { size: A5; margin: 10mm } @page { size: tabloid }") == (128, 190)


def test_a_brand_page_size_without_stylesheets() -> None:
    assert PrintBox.for_brand([], "A5 landscape") == PrintBox(210 - 150 / 96 * 25.4, 148 - 150 / 96 * 25.4)
    assert PrintBox.for_page("A4") == PrintBox(210 - PAGE_MARGINS_MM[0], FIGURE_MAX_HEIGHT_MM)
