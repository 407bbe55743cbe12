"""Every brand's colours read at WCAG AA, and its stylesheets declare the fonts the site serves."""

from __future__ import annotations

import pytest

from publish.config import load_project
from publish.render import load_layouts
from publish.site.cards import readable_ink
from publish.site.theme import load_theme

from .conftest import ROOT

BRANDS = sorted(p.name for p in (ROOT / "layouts").iterdir() if (p / "brand.toml").is_file() or p.name == "base")
AA = 4.5
"""WCAG 2.x AA contrast for body-size text."""


def luminance(rgb: tuple[int, int, int]) -> float:
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("brand", BRANDS)
def test_brand_colours_meet_wcag_aa(brand: str) -> None:
    theme = load_theme(load_layouts(load_project(ROOT), brand))
    colour = {
        name: theme.color(f"--color-{name}", "#fff")
        for name in ("text", "accent", "muted", "background", "band", "tint")
    }
    # Body text, links and headings, dates and notes: on the page, on the header and footer band,
    # and in the highlighted boxes (::: key is set in the accent colour on the tint).
    for fg in ("text", "accent", "muted"):
        for bg in ("background", "band", "tint"):
            ratio = contrast(colour[fg], colour[bg])
            assert ratio >= AA, f"{brand}: --color-{fg} on --color-{bg} is {ratio:.2f}:1"
    # The social card writes on the accent colour, in white or the text colour, whichever reads better.
    ink = readable_ink(colour["accent"], colour["text"])
    assert contrast(ink, colour["accent"]) >= AA


@pytest.mark.parametrize("brand", BRANDS)
def test_brand_fonts_cover_latin_and_arabic(brand: str) -> None:
    theme = load_theme(load_layouts(load_project(ROOT), brand))
    assert set(theme.groups) == {"latn", "arab"}
    for lang, first in (("en", "latn"), ("ar", "arab")):
        stack = theme.font_stack("--font-body", lang)
        assert theme.face(stack[0]) is not None and theme.face(stack[0]).group == first
