"""The figure fixture: a briefing with one figure per image format writers send, made with Pillow.

Every figure is four solid quadrants, so a check only has to sample the middle of each quarter:

    red    green
    blue   yellow

Greyscale figures use four grey levels instead; a transparent figure has a transparent yellow
quadrant (the page shows through). Run it to look at the fixture:

    python tests/figures_fixture.py /tmp/figures      # writes /tmp/figures/{en,ar,fr}.md + images/
"""

from __future__ import annotations

import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

COLOURS = ((220, 40, 40), (40, 160, 60), (40, 70, 200), (240, 200, 40))
"""Top left, top right, bottom left, bottom right."""
GREYS = (30, 100, 170, 230)
"""The same quadrants in a greyscale figure."""
WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Figure:
    """One figure of the fixture."""

    file: str
    """Its file under images/."""
    size: tuple[int, int]
    """Width and height as displayed (after EXIF orientation)."""
    grey: bool = False
    """Quadrants are GREYS, not COLOURS."""
    transparent: bool = False
    """The bottom-right quadrant is transparent."""
    photo: bool = False
    """A photograph for the web's purposes (JPEG fallback, the 1 MB limit)."""


FIGURES = (
    Figure("png-rgb.png", (1600, 1200)),
    Figure("png-rgba.png", (1600, 1200), transparent=True),
    Figure("png-palette.png", (1600, 1200)),
    Figure("png-grey.png", (1600, 1200), grey=True),
    Figure("png-16bit.png", (1600, 1200), grey=True),
    Figure("png-interlaced.png", (1600, 1200)),
    Figure("jpeg-baseline.jpg", (1600, 1200), photo=True),
    Figure("jpeg-progressive.jpg", (1600, 1200), photo=True),
    Figure("jpeg-cmyk.jpg", (1600, 1200), photo=True),
    Figure("jpeg-exif-rotated.jpg", (480, 360), photo=True),
    Figure("gif.gif", (1600, 1200)),
    Figure("webp.webp", (1600, 1200), photo=True),
    Figure("svg.svg", (1600, 1200)),
    Figure("big-transparent.png", (4000, 3000), transparent=True),
    Figure("big-photo.jpg", (6000, 4000), photo=True),
    Figure("portrait-photo.jpg", (3000, 4000), photo=True),
)

CAPTIONS = {
    "en": ("Figure", "This briefing shows one figure per image format."),
    "fr": ("Figure", "Ce dossier montre une figure par format d’image."),
    "ar": ("الشكل", "يعرض هذا الملف شكلًا واحدًا لكل صيغة صورة."),
}


def quadrants(size: tuple[int, int], grey: bool = False, transparent: bool = False) -> Image.Image:
    """Return the four-quadrant picture at a size, in RGB(A) or L."""
    width, height = size
    mode = "L" if grey else ("RGBA" if transparent else "RGB")
    image = Image.new(mode, size)
    draw = ImageDraw.Draw(image)
    boxes = ((0, 0, width // 2, height // 2), (width // 2, 0, width, height // 2))
    boxes += ((0, height // 2, width // 2, height), (width // 2, height // 2, width, height))
    for number, box in enumerate(boxes):
        fill = GREYS[number] if grey else COLOURS[number]
        if transparent and number == 3:
            fill = (*fill, 0)
        elif transparent:
            fill = (*fill, 255)
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=fill)
    return image


def write_image(figure: Figure, path: Path) -> None:
    """Write one figure in its format."""
    image = quadrants(figure.size, figure.grey, figure.transparent)
    name = figure.file
    if name == "png-palette.png":
        image.quantize(8).save(path)
    elif name == "png-16bit.png":
        image.convert("I").point(lambda v: v * 257).convert("I;16").save(path)
    elif name == "png-interlaced.png":
        path.write_bytes(interlaced_png(image))
    elif name == "jpeg-progressive.jpg":
        image.save(path, quality=92, progressive=True)
    elif name == "jpeg-cmyk.jpg":
        image.convert("CMYK").save(path, quality=92)
    elif name == "jpeg-exif-rotated.jpg":
        # Stored on its side, as a phone does, with orientation 6: "rotate 90° clockwise to show".
        exif = Image.Exif()
        exif[0x0112] = 6
        image.transpose(Image.Transpose.ROTATE_90).save(path, quality=92, exif=exif.tobytes())
    elif name == "gif.gif":
        second = quadrants(figure.size).transpose(Image.Transpose.ROTATE_180)
        image.save(path, save_all=True, append_images=[second], duration=500, loop=0)
    elif name == "webp.webp":
        image.save(path, quality=90)
    elif name == "svg.svg":
        path.write_text(svg(figure.size), encoding="utf-8")
    elif name.endswith(".jpg"):
        image.save(path, quality=90)
    else:
        image.save(path)


def svg(size: tuple[int, int]) -> str:
    """Return the quadrants as an SVG drawing."""
    width, height = size
    rects = []
    for number, (x, y) in enumerate(((0, 0), (width // 2, 0), (0, height // 2), (width // 2, height // 2))):
        red, green, blue = COLOURS[number]
        fill = f"#{red:02x}{green:02x}{blue:02x}"
        rects.append(f'<rect x="{x}" y="{y}" width="{width // 2}" height="{height // 2}" fill="{fill}"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(rects)}</svg>\n'
    )


def interlaced_png(image: Image.Image) -> bytes:
    """Encode an RGB image as an Adam7-interlaced PNG (Pillow writes only non-interlaced ones)."""
    width, height = image.size
    pixels = image.convert("RGB").tobytes()
    passes = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        for y in range(y0, height, dy):
            row = bytearray([0])  # filter: none
            for x in range(x0, width, dx):
                offset = (y * width + x) * 3
                row += pixels[offset : offset + 3]
            if len(row) > 1:
                raw += row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")
    )


def write_briefing(folder: Path, langs: tuple[str, ...] = ("en", "ar", "fr")) -> Path:
    """Write the fixture briefing into `folder`: its images and one language file per language."""
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    for figure in FIGURES:
        write_image(figure, images / figure.file)
    for lang in langs:
        word, intro = CAPTIONS[lang]
        lines = ["---", f"title: {word} {lang}", "---", "", intro, ""]
        for number, figure in enumerate(FIGURES, start=1):
            lines += [f'![{word} {number}: {figure.file}](images/{figure.file} "{word} {number}")', ""]
        (folder / f"{lang}.md").write_text("\n".join(lines), encoding="utf-8")
    return folder


if __name__ == "__main__":
    write_briefing(Path(sys.argv[1]))
