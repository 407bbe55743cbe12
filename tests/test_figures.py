"""Figures in every format: what the PDF prints (pdfimages, pdftoppm) and what Chromium shows, in en, ar
and fr; bad images fail their own language file with a message; unsafe SVG is cleaned."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image

from publish import build
from publish.build import lint
from publish.model import OutputFormat

from .conftest import LANGS, MakeProject, require_tool
from .figures_fixture import COLOURS, FIGURES, GREYS, WHITE, Figure, write_briefing

RASTER = [f for f in FIGURES if not f.file.endswith(".svg")]


@pytest.fixture(scope="module")
def figures_project(tmp_path_factory: pytest.TempPathFactory, make_project: MakeProject) -> Path:
    """The figure fixture built once, in the three languages."""
    root = make_project(tmp_path_factory.mktemp("figures"))
    write_briefing(root / "briefings" / "figures")
    result = build(project_root=root)
    assert result.ok, [str(e) for e in result.errors]
    # What the build says, and nothing else: the animated GIF shows its first frame, and the
    # 480 px phone photo prints soft.
    assert sorted(result.warnings) == sorted(
        w
        for lang in LANGS
        for w in (
            f"briefings/figures/{lang}.md:27: image images/gif.gif is animated: its first frame is shown, "
            "in print and on the web",
            f"briefings/figures/{lang}.md:25: image jpeg-exif-rotated.jpg prints at 96 ppi, below 150: "
            "it will look soft; a version 1500 pixels wide would print sharp",
        )
    )
    return root


def expected(figure: Figure) -> list[tuple[int, int, int]]:
    """The four quadrant colours a figure should show on white paper."""
    colours = [(g, g, g) for g in GREYS] if figure.grey else list(COLOURS)
    if figure.transparent:
        colours[3] = WHITE
    return colours


def quadrant_colours(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> list[tuple[int, ...]]:
    """Sample the middle of each quarter of an image (or of a box in it), composited over white."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    image = image.convert("RGB")
    left, top, right, bottom = box or (0, 0, *image.size)
    xs = (left + (right - left) // 4, left + 3 * (right - left) // 4)
    ys = (top + (bottom - top) // 4, top + 3 * (bottom - top) // 4)
    return [image.getpixel((x, y)) for y in ys for x in xs]


def close(found: list[tuple[int, ...]], wanted: list[tuple[int, int, int]], tolerance: int = 24) -> bool:
    return all(
        max(abs(a - b) for a, b in zip(f, w, strict=True)) <= tolerance for f, w in zip(found, wanted, strict=True)
    )


def dominant(found: list[tuple[int, ...]], wanted: list[tuple[int, int, int]]) -> bool:
    """Each quadrant's strongest channel is the one of the colour it should be (for CMYK, printed as CMYK)."""
    return all(
        max(range(3), key=f.__getitem__) == max(range(3), key=w.__getitem__) for f, w in zip(found, wanted, strict=True)
    )


def listing(pdf: Path) -> list[dict[str, str]]:
    out = subprocess.run([require_tool("pdfimages"), "-list", str(pdf)], capture_output=True, text=True, check=True)
    head, _, *rows = out.stdout.splitlines()
    names = head.split()
    return [dict(zip(names, row.split(), strict=False)) for row in rows]


@pytest.mark.parametrize("lang", LANGS)
def test_every_format_prints_like_its_source(figures_project: Path, lang: str, tmp_path: Path) -> None:
    pdf = figures_project / "build" / "pdf" / f"figures.{lang}.pdf"
    rows = listing(pdf)
    images = [r for r in rows if r["type"] == "image"]
    masks = {r["object"] for r in rows if r["type"] == "smask"}
    assert len(images) == len(RASTER)
    subprocess.run([require_tool("pdfimages"), "-all", str(pdf), str(tmp_path / "img")], check=True)
    extracted = sorted(p for p in tmp_path.iterdir() if p.name.startswith("img-"))
    by_number = {int(p.stem.split("-")[1]): p for p in extracted}
    for figure, row in zip(RASTER, images, strict=True):
        name = figure.file
        ppi = int(row["x-ppi"])
        assert ppi <= 400, (name, ppi)
        width, height = int(row["width"]), int(row["height"])
        # Upright: the embedded picture has the shape the source shows (EXIF applied).
        assert (width > height) == (figure.size[0] > figure.size[1]), (name, width, height)
        if figure.size[0] > 3000:  # large sources are resampled to about 300 ppi at their printed size
            assert 290 <= ppi <= 310, (name, ppi)
        assert (row["object"] in masks) == figure.transparent, name  # alpha kept as a soft mask
        with Image.open(by_number[int(row["num"])]) as embedded:
            colours = quadrant_colours(embedded)
        wanted = [(g, g, g) for g in GREYS] if figure.grey else list(COLOURS)
        if figure.transparent:  # the transparent quarter's colour is the mask's business
            with Image.open(by_number[int(row["num"]) + 1]) as mask:
                assert [v[0] for v in quadrant_colours(mask)] == [255, 255, 255, 0], name
            colours, wanted = colours[:3], wanted[:3]
        if row["color"] == "cmyk":
            assert dominant(colours, wanted), (name, colours)
        else:
            assert close(colours, wanted), (name, colours)


@pytest.mark.parametrize("lang", LANGS)
def test_figures_on_the_rendered_page(figures_project: Path, lang: str, tmp_path: Path) -> None:
    """The page as printed: each figure alone on its page shows its quadrants upright, transparency as paper."""
    pdf = figures_project / "build" / "pdf" / f"figures.{lang}.pdf"
    images = [r for r in listing(pdf) if r["type"] == "image"]
    pages: dict[str, list[int]] = {}
    for index, row in enumerate(images):
        pages.setdefault(row["page"], []).append(index)
    checked = 0
    for page, indexes in pages.items():
        figure = RASTER[indexes[0]]
        if len(indexes) != 1 or figure.grey or "cmyk" in figure.file:
            continue  # colour figures alone on their page: located by their colours
        prefix = tmp_path / f"page{page}"
        subprocess.run([require_tool("pdftoppm"), "-png", "-r", "40", "-f", page, "-l", page, str(pdf), str(prefix)])
        (png,) = tmp_path.glob(f"page{page}*.png")
        with Image.open(png) as rendered:
            rendered = rendered.convert("RGB")
            box = figure_box(rendered)
            assert box is not None, figure.file
            assert close(quadrant_colours(rendered, box), expected(figure), 40), figure.file
        checked += 1
    assert checked >= 8


def figure_box(page: Image.Image) -> tuple[int, int, int, int] | None:
    """Return the bounding box of the pixels of the quadrant colours on a rendered page."""
    mask = Image.new("1", page.size)
    pixels, out = page.load(), mask.load()
    for y in range(page.height):
        for x in range(page.width):
            if any(max(abs(a - b) for a, b in zip(pixels[x, y], c, strict=True)) < 30 for c in COLOURS):
                out[x, y] = 1
    return mask.getbbox()


BRANDS = {
    # A4, its text block 170 mm wide on both sides of a spread (the shorthand, then :left and :right).
    "wide": (
        'page_size = "A4"',
        "@page { margin: 20mm 10mm 25mm; }\n@page :right { margin-left: 25mm; margin-right: 15mm; }\n"
        "@page :left { margin-inline: 15mm 25mm; }\n",
    ),
    # A5, narrower on right pages (the narrower text block counts), figures at most 80 mm tall. Base's
    # :left and :right margins win over a plain @page's: the brand sets its own for both.
    "booklet": (
        'page_size = "A5"',
        "@page { margin: 2cm 14mm 25mm; }\n@page :left { margin-left: 14mm; margin-right: 14mm; }\n"
        "@page :right { margin: 2cm 18mm 25mm 14mm; }\nfigure img { max-height: 80mm; }\n",
    ),
}


@pytest.mark.parametrize(
    ("brand", "wide_mm", "tall_mm"), [("wide", (170, 113.3), (90, 120)), ("booklet", (116, 77.3), (60, 80))]
)
def test_print_copies_fit_the_brand_page(
    brand: str, wide_mm: tuple[float, float], tall_mm: tuple[float, float], tmp_path: Path, make_project: MakeProject
) -> None:
    """Copies are made for the box the figure prints in, read from the brand's stylesheets and page
    size: about 300 ppi in the PDF, a wide photo as wide as the text block, a tall one as tall as allowed."""
    root = make_project(tmp_path, layouts=["base"])
    settings, css = BRANDS[brand]
    (root / "layouts" / brand / "css").mkdir(parents=True)
    (root / "layouts" / brand / "brand.toml").write_text(f'name = "{brand}"\n{settings}\n', encoding="utf-8")
    (root / "layouts" / brand / "css" / "print.css").write_text(css, encoding="utf-8")
    folder = root / "briefings" / "photos" / "images"
    folder.mkdir(parents=True)
    Image.new("RGB", (6000, 4000), (200, 30, 30)).save(folder / "wide.jpg", quality=80)
    Image.new("RGB", (3000, 4000), (30, 30, 200)).save(folder / "tall.jpg", quality=80)
    (folder.parent / "en.md").write_text(
        f"---\ntitle: Photos\nbrand: {brand}\n---\n\n![Wide](images/wide.jpg)\n\n![Tall](images/tall.jpg)\n",
        encoding="utf-8",
    )
    result = build(project_root=root, formats=[OutputFormat.PDF])
    assert result.ok, [str(e) for e in result.errors]
    rows = [r for r in listing(root / "build" / "pdf" / "photos.en.pdf") if r["type"] == "image"]
    assert [290 <= int(r["x-ppi"]) <= 310 and 290 <= int(r["y-ppi"]) <= 310 for r in rows] == [True, True], rows
    for row, (width_mm, height_mm) in zip(rows, (wide_mm, tall_mm), strict=True):
        size = (int(row["width"]), int(row["height"]))
        assert abs(size[0] - width_mm / 25.4 * 300) <= 3 and abs(size[1] - height_mm / 25.4 * 300) <= 3, (row, size)


def test_web_pages_serve_light_renditions(figures_project: Path) -> None:
    site = figures_project / "build" / "site"
    for lang in LANGS:
        folder = site / lang / "figures" / "images"
        for path in folder.iterdir():
            if path.suffix == ".svg":
                continue
            with Image.open(path) as image:
                # The extension says what the file is; no file is wider than 2400 px or heavier than 1 MB.
                assert {"WEBP": ".webp", "JPEG": ".jpg", "PNG": ".png"}[image.format] == path.suffix, path.name
                assert image.width <= 1600, path.name
            assert path.stat().st_size <= 1_000_000, path.name
        # The sources themselves are not published under their own names (a PNG's data in a .png only).
        assert not (folder / "png-rgb.png").exists() and not (folder / "big-photo.jpg").exists()
    page = (site / "en" / "figures" / "index.html").read_text(encoding="utf-8")
    assert page.count("<picture>") == len(RASTER)
    assert page.count('loading="lazy"') == len(FIGURES) - 1  # all but the first
    assert 'width="1600" height="1200"' in page


def test_chromium_shows_every_figure(figures_project: Path, browser) -> None:
    site = figures_project / "build" / "site"
    for lang in LANGS:
        page = browser.new_page(viewport={"width": 900, "height": 900})
        page.goto((site / lang / "figures" / "index.html").as_uri())
        images = page.locator("figure img")
        assert images.count() == len(FIGURES)
        for index, figure in enumerate(FIGURES):
            image = images.nth(index)
            image.scroll_into_view_if_needed()
            image.evaluate("img => img.decode()")
            state = image.evaluate("img => ({width: img.naturalWidth, src: img.currentSrc})")
            if figure.file.endswith(".svg"):
                assert state["width"] == figure.size[0], (lang, figure.file)
            else:
                # `sizes` says the figure shows 42rem (672 px) wide: Chromium takes the smallest
                # WebP rendition at least that wide, or the largest there is.
                assert state["width"] == 672, (lang, figure.file, state)
                assert state["src"].endswith(".webp"), state
                with Image.open(Path(unquote(urlsplit(state["src"]).path))) as chosen:
                    assert chosen.width == min(960, figure.size[0]), (figure.file, state["src"])
            with Image.open(_screenshot(image, figures_project / f"shot-{lang}-{index}.png")) as shot:
                assert close(quadrant_colours(shot), expected(figure), 40), (lang, figure.file)
        page.close()


def _screenshot(locator, path: Path) -> Path:
    locator.screenshot(path=str(path))
    return path


def test_arabic_captions_sit_right_aligned(figures_project: Path, browser) -> None:
    page = browser.new_page(viewport={"width": 900, "height": 900})
    page.goto((figures_project / "build" / "site" / "ar" / "figures" / "index.html").as_uri())
    figure, caption = page.locator("figure").first.bounding_box(), page.locator("figcaption").first.bounding_box()
    assert caption["y"] > figure["y"]
    text_right = page.locator("figcaption").first.evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getBoundingClientRect().right; }"
    )
    assert abs(text_right - (figure["x"] + figure["width"])) < 2
    page.close()


# Bad images: each fails its own language file with a message at its line; the others build.


def bomb_png() -> bytes:
    """A PNG declaring 50 000 × 50 000 pixels, a few hundred bytes long."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def truncated_png() -> bytes:
    from io import BytesIO

    out = BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(out, "PNG")
    return out.getvalue()[: len(out.getvalue()) // 2]


def pcx() -> bytes:
    from io import BytesIO

    out = BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(out, "PCX")
    return out.getvalue()


BAD = {
    "truncated.png": (truncated_png, "image truncated.png cannot be read: "),
    "bomb.png": (bomb_png, "image bomb.png is too large (over 80 megapixels)"),
    "old.pcx": (pcx, "image old.pcx is in a format publish does not use (PCX)"),
    "fake.svg": (lambda: b"\x89PNG\r\n\x1a\n", "image fake.svg cannot be used: it is not an SVG"),
    "entity.svg": (
        lambda: (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
        ),
        "image entity.svg cannot be used: it declares entities",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_image_fails_its_own_language_only(name: str, tmp_path: Path, make_project: MakeProject) -> None:
    make, message = BAD[name]
    root = make_project(tmp_path)
    folder = root / "briefings" / "bad"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / name).write_bytes(make())
    Image.new("RGB", (2000, 1500), (10, 120, 10)).save(folder / "images" / "good.jpg")
    for lang in LANGS:
        image = name if lang == "ar" else "good.jpg"
        (folder / f"{lang}.md").write_text(
            f"---\ntitle: Bad {lang}\n---\n\nText.\n\n![Figure](images/{image})\n", encoding="utf-8"
        )
    done = subprocess.run(
        [sys.executable, "-m", "publish", "build"], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr
    assert f"briefings/bad/ar.md:7: {message}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr
    built = sorted(p.name for p in (root / "build" / "pdf").iterdir())
    assert built == ["bad.en.pdf", "bad.fr.pdf"]
    # `publish check` reads images too.
    (error,) = lint(project_root=root).errors
    assert str(error).startswith(f"briefings/bad/ar.md:7: {message}")


def test_a_missing_image_suggests_the_file_meant(tmp_path: Path, make_project: MakeProject) -> None:
    root = make_project(tmp_path)
    folder = root / "briefings" / "typo"
    (folder / "images").mkdir(parents=True)
    Image.new("RGB", (2000, 1500)).save(folder / "images" / "market.jpg")
    (folder / "en.md").write_text("---\ntitle: Typo\n---\n\n![Market](images/markt.jpg)\n", encoding="utf-8")
    (error,) = build(project_root=root).errors
    assert str(error).startswith("briefings/typo/en.md:5: image images/markt.jpg not found")
    assert "did you mean images/market.jpg?" in str(error)


HOSTILE_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
 width="400" height="300" onload="alert('svg')">
<script>alert('script')</script>
<foreignObject width="10" height="10"><p xmlns="http://www.w3.org/1999/xhtml">html</p></foreignObject>
<image xlink:href="https://evil.example/pixel.png" width="10" height="10"/>
<use href="file:///etc/passwd#x"/>
<rect width="400" height="300" fill="#dc2828" onclick="alert('click')"/>
</svg>
"""


def test_svg_figures_are_sanitised(tmp_path: Path, make_project: MakeProject) -> None:
    root = make_project(tmp_path)
    folder = root / "briefings" / "drawing"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "chart.svg").write_bytes(HOSTILE_SVG)
    (folder / "en.md").write_text("---\ntitle: Drawing\n---\n\n![A red chart](images/chart.svg)\n", encoding="utf-8")
    result = build(project_root=root)
    assert result.ok, [str(e) for e in result.errors]
    (warning,) = result.warnings
    assert warning.startswith("briefings/drawing/en.md:5: image chart.svg: removed what an SVG figure may not carry")
    published = (root / "build" / "site" / "en" / "drawing" / "images" / "chart.svg").read_text(encoding="utf-8")
    for gone in ("alert", "script", "foreignObject", "evil.example", "/etc/passwd"):
        assert gone not in published
    assert 'fill="#dc2828"' in published
    page = (root / "build" / "site" / "en" / "drawing" / "index.html").read_text(encoding="utf-8")
    assert '<img src="images/chart.svg" alt="A red chart" width="400" height="300"' in page


def test_damaged_cache_is_made_again(tmp_path: Path, make_project: MakeProject) -> None:
    root = make_project(tmp_path)
    folder = root / "briefings" / "cache"
    (folder / "images").mkdir(parents=True)
    Image.new("RGB", (2000, 1500), (30, 90, 200)).save(folder / "images" / "photo.jpg")
    (folder / "en.md").write_text("---\ntitle: Cache\n---\n\n![Photo](images/photo.jpg)\n", encoding="utf-8")
    assert build(project_root=root).ok
    cache = root / "build" / ".cache" / "images"
    (printed,) = cache.glob("*-print-*")
    printed.write_bytes(printed.read_bytes()[:200])  # truncated, as a full disk or a killed build leaves it
    assert build(project_root=root, force=True).ok
    (remade,) = cache.glob("*-print-*")
    with Image.open(remade) as image:
        image.load()
    rows = [r for r in listing(root / "build" / "pdf" / "cache.en.pdf") if r["type"] == "image"]
    assert len(rows) == 1
