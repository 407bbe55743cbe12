"""Social cards: 1200×630 PNGs, and Arabic titles shaped and ordered as a browser draws them.

The reference for an Arabic title is Chromium's rendering of the same text, in the same font and
size, marked up as the page's <h1> is (with its <bdi> isolation). Pillow's Raqm layout and the
basic layout (arabic-reshaper + python-bidi) must both come close to it, and a wrong rendering
(reshaped and reordered text handed to Raqm as well, letters reversed) must not.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageFont, ImageOps, features

from publish.config import load_project
from publish.direction import isolate_text
from publish.model import Direction
from publish.render import load_layouts
from publish.site import cards
from publish.site.cards import Card, TextSetter, draw_card
from publish.site.theme import load_theme

from .conftest import BRIEFINGS, LANGS, ROOT

ARABIC_TITLES = (
    "التقرير السردي لعام 2020",  # digits inside Arabic
    "مهرجان Syrien n’est fait — الدورة الخامسة",  # a Latin run, and characters only the Latin font has
)
SIZE = 64
THRESHOLD = 0.2
"""Largest difference from the reference: correct renderings measure under 0.1, wrong ones over 0.5."""


@pytest.fixture(scope="module")
def theme():
    return load_theme(load_layouts(load_project(ROOT), "base"))


@pytest.fixture(scope="module")
def faces(theme):
    return [f for f in (theme.face(family, 700) for family in theme.font_stack("--font-heading", "ar")) if f]


@pytest.fixture(scope="module")
def chromium(browser, tmp_path_factory: pytest.TempPathFactory):
    page = browser.new_page()
    yield page, tmp_path_factory.mktemp("reference")
    page.close()


def reference(chromium, faces, text: str) -> Image.Image:
    """Render a line in Chromium: the brand's heading faces, as the page's title marks it up."""
    page, folder = chromium
    font_faces = "".join(
        f'@font-face {{ font-family: "F{i}"; src: url("{face.path.as_uri()}"); }}' for i, face in enumerate(faces)
    )
    stack = ", ".join(f'"F{i}"' for i in range(len(faces)))
    doc = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><style>{font_faces}
      body {{ margin: 0; background: #fff; }}
      #line {{ display: inline-block; padding: 16px; font: {SIZE}px/1.6 {stack}; color: #000; white-space: nowrap; }}
    </style></head><body><span id="line">{isolate_text(text, Direction.RTL)}</span></body></html>"""
    path = folder / f"{abs(hash(text))}.html"
    path.write_text(doc, encoding="utf-8")
    page.goto(path.as_uri())
    page.evaluate("document.fonts.ready.then(() => true)")
    shot = folder / f"{abs(hash(text))}.png"
    page.locator("#line").screenshot(path=str(shot))
    return Image.open(shot).convert("RGB")


def ink(image: Image.Image) -> Image.Image:
    """Return the inked part of a black-on-white image, as white on black."""
    grey = ImageOps.invert(image.convert("L"))
    return grey.crop(grey.point(lambda v: 255 if v > 60 else 0).getbbox())


def difference(a: Image.Image, b: Image.Image) -> float:
    """Return how different two renderings of a line are: 0 alike, 1 nothing in common."""
    a, b = ink(a), ink(b)
    if abs(a.width - b.width) > 0.05 * max(a.width, b.width):
        return 1.0
    b = b.resize(a.size)
    # Rasterisers differ in antialiasing and hinting, not in where the strokes are: blur first.
    a, b = a.filter(ImageFilter.GaussianBlur(2)), b.filter(ImageFilter.GaussianBlur(2))
    diff = sum(ImageChops.difference(a, b).histogram()[i] * i for i in range(256))
    total = sum(a.histogram()[i] * i for i in range(256)) + sum(b.histogram()[i] * i for i in range(256))
    return diff / total


def _save(name: str, image: Image.Image) -> None:
    folder = os.environ.get("PUBLISH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        image.save(Path(folder) / name)


LAYOUTS = [
    pytest.param(
        ImageFont.Layout.RAQM,
        id="raqm",
        marks=pytest.mark.skipif(not features.check("raqm"), reason="Pillow without libraqm"),
    ),
    pytest.param(ImageFont.Layout.BASIC, id="basic"),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("text", ARABIC_TITLES)
def test_arabic_title_matches_the_browser(chromium, faces, text: str, layout: ImageFont.Layout) -> None:
    expected = reference(chromium, faces, text)
    drawn = TextSetter(faces, SIZE, layout).render(text, Direction.RTL)
    _save(f"card-line.{layout.name.lower()}.{ARABIC_TITLES.index(text)}.png", drawn)
    _save(f"card-line.reference.{ARABIC_TITLES.index(text)}.png", expected)
    assert difference(expected, drawn) < THRESHOLD


@pytest.mark.skipif(not features.check("raqm"), reason="Pillow without libraqm")
@pytest.mark.parametrize("text", ARABIC_TITLES)
def test_reshaping_for_raqm_as_well_would_be_caught(chromium, faces, text: str) -> None:
    import arabic_reshaper
    from bidi import get_display

    expected = reference(chromium, faces, text)
    # Both at once: the visual, presentation-form string handed to Raqm reverses the Arabic.
    both = get_display(arabic_reshaper.reshape(text), base_dir="R")
    wrong = TextSetter(faces, SIZE, ImageFont.Layout.RAQM).render(both, Direction.RTL)
    assert difference(expected, wrong) > 2 * THRESHOLD


def test_without_raqm_the_cards_use_the_basic_layout(monkeypatch: pytest.MonkeyPatch, theme) -> None:
    monkeypatch.setattr(cards.features, "check", lambda name: False)
    assert cards.preferred_layout() == ImageFont.Layout.BASIC
    card = Card(ARABIC_TITLES[1], "ar", Direction.RTL, "We Exist! publications", "x.png", detail="9 ديسمبر 2020")
    basic = draw_card(card, theme)
    assert basic.size == (1200, 630)
    if features.check("raqm"):
        raqm = draw_card(card, theme, ImageFont.Layout.RAQM)
        # The same card either way, to a few stray antialiased pixels.
        assert difference(raqm.convert("RGB"), basic.convert("RGB")) < THRESHOLD


def test_card_mirrors_for_arabic(theme) -> None:
    arabic = draw_card(Card("عنوان", "ar", Direction.RTL, "Site", "x.png"), theme)
    english = draw_card(Card("Title", "en", Direction.LTR, "Site", "x.png"), theme)
    # The band of the start edge: right in Arabic, left in English.
    assert arabic.getpixel((1190, 300)) == english.getpixel((10, 300))
    assert arabic.getpixel((10, 300)) != arabic.getpixel((1190, 300))


@pytest.mark.parametrize("lang", LANGS)
def test_a_card_per_briefing_and_language(built: Path, lang: str) -> None:
    for slug in BRIEFINGS:
        path = built / "site" / lang / slug / "card.png"
        with Image.open(path) as image:
            assert image.format == "PNG" and image.size == (1200, 630)
        _save(f"card.{lang}.{slug}.png", Image.open(path))
    page = (built / "site" / lang / BRIEFINGS[0] / "index.html").read_text(encoding="utf-8")
    assert '<meta property="og:image" content="card.png">' in page
    assert f'<meta property="og:image:alt" content="{html.escape(_title(lang), quote=True)}">' in page


def _title(lang: str) -> str:
    from publish.load import load_source

    return load_source(ROOT / "briefings" / BRIEFINGS[0] / f"{lang}.md", BRIEFINGS[0], load_project(ROOT)).meta.title
