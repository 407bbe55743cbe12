"""Web copies of an image: which files a page serves (`ImageInfo.web_files`), what they hold
(`web_copies`) and the `<picture>` markup that names them (`web_markup`).

Each raster image is served WEB_WIDTHS wide (never wider than its source) as WebP and as JPEG
(photos) or PNG (graphics), and no file is larger than MAX_WEB_BYTES:

    photo       WebP and JPEG at quality 80; over the cap, 65, 50, then 35
    graphic     lossless WebP and PNG; an opaque one whose largest PNG is over the cap is served
                as a photo (lossy WebP, JPEG), a transparent one's WebP goes lossy (alpha kept)
    still over  the copy is made narrower, by the size it is over, until it fits

A narrower copy is named and described by its real width (`photo.1280.jpg 1280w`): `ImageInfo.served`
lists what was made, and the markup is written from it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from PIL import Image as PILImage

WEB_WIDTHS = (480, 960, 1600)
"""Widths of the web renditions, in pixels; a smaller source stops at its own width."""
MAX_WEB_BYTES = 1_000_000
"""No served file is larger (the issue's 1 MB for photos, graphics alike)."""
LOSSY_QUALITIES = (80, 65, 50, 35)
"""JPEG and WebP qualities tried in turn until a copy fits MAX_WEB_BYTES."""
SIZES = "(max-width: 42rem) 100vw, 42rem"
"""How wide a figure shows on the web page: the text's measure (`--measure` in screen.css)."""
EXTENSIONS = {"image/webp": ".webp", "image/jpeg": ".jpg", "image/png": ".png", "image/svg+xml": ".svg"}


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What the web page's markup needs to know about an image, read from its file."""

    width: int
    """Width as shown (after EXIF orientation), in pixels; for SVG, its declared width (0 if none)."""
    height: int
    """Height as shown, in pixels."""
    kind: str
    """"photo" (JPEG fallback), "graphic" (PNG fallback) or "vector" (SVG, served as it is)."""
    served: tuple[tuple[int, str], ...] = ()
    """(width, MIME type) of each web copy as made, in `srcset` order; empty: as `planned` says."""

    def planned(self) -> tuple[tuple[int, str], ...]:
        """Return (width, MIME type) of each web copy before any is made: WEB_WIDTHS, WebP first."""
        widths = sorted({min(w, self.width) for w in WEB_WIDTHS})
        fallback = "image/jpeg" if self.kind == "photo" else "image/png"
        return tuple((w, mime) for mime in ("image/webp", fallback) for w in widths)

    def web_files(self, src: str) -> list[tuple[int, str, str]]:
        """Return (width, MIME type, path relative to the page) of each web rendition, in `srcset` order."""
        if self.kind == "vector":
            return [(self.width, "image/svg+xml", src)]
        return [(w, mime, _renamed(src, w, EXTENSIONS[mime])) for w, mime in self.served or self.planned()]

    def web_height(self, width: int) -> int:
        """Return the height of the rendition `width` pixels wide."""
        return max(1, round(self.height * width / self.width)) if self.width else self.height


def _renamed(src: str, width: int, ext: str) -> str:
    """images/photo.png → images/photo.960.webp (the path stays relative, as written)."""
    path = PurePosixPath(urlsplit(src).path)
    return str(path.with_name(f"{path.stem}.{width}{ext}"))


def web_copies(image: PILImage.Image, info: ImageInfo) -> list[tuple[int, str, bytes]]:
    """Return (width, MIME type, bytes) of each web copy of a decoded image, each at most MAX_WEB_BYTES."""
    if image.mode == "CMYK":
        image = image.convert("RGB")
    opaque = image.mode in ("RGB", "L")
    photo = info.kind == "photo"
    widths = sorted({min(w, info.width) for w in WEB_WIDTHS}, reverse=True)
    largest_png = None
    if not photo:  # the largest PNG first: over the cap, an opaque graphic is served as a photo
        largest_png = _fitted(image, info, widths[0], _encoders("image/png", photo, opaque))
        if largest_png[0] != widths[0] and opaque:
            photo, largest_png = True, None
    made = []
    for mime in ("image/webp", "image/jpeg" if photo else "image/png"):
        floor = math.inf
        for width in widths:  # largest first; a width within a fifth of a narrowed copy's is left out
            if width >= floor:
                continue
            if mime == "image/png" and width == widths[0] and largest_png:
                served, data = largest_png
            else:
                served, data = _fitted(image, info, width, _encoders(mime, photo, opaque))
            made.append((served, mime, data))
            floor = served if served == width else served * 0.8
    return sorted(made, key=lambda m: (m[1] != "image/webp", m[0]))


def _encoders(mime: str, photo: bool, opaque: bool) -> list[Callable[[Any, BytesIO], None]]:
    """Return the ways to write a copy, best first: lower qualities follow while a copy is too large."""
    if mime == "image/png":
        return [lambda image, out: image.save(out, "PNG", optimize=True)]
    if mime == "image/jpeg":
        return [
            lambda image, out, q=q: image.save(out, "JPEG", quality=q, optimize=True, progressive=True)
            for q in LOSSY_QUALITIES
        ]
    lossy = [lambda image, out, q=q: image.save(out, "WEBP", quality=q, method=4) for q in LOSSY_QUALITIES]
    if photo:
        return lossy
    return [lambda image, out: image.save(out, "WEBP", quality=80, lossless=True, method=4), *lossy]


def _fitted(
    image: PILImage.Image, info: ImageInfo, width: int, encoders: list[Callable[[Any, BytesIO], None]]
) -> tuple[int, bytes]:
    """Return the width and bytes of the first copy that fits MAX_WEB_BYTES: each encoder in turn, then
    narrower (by the square root of how much the smallest attempt was over), until one fits."""
    from PIL import Image

    while True:
        resized = image
        if image.size != (width, info.web_height(width)):
            resized = image.resize((width, info.web_height(width)), Image.Resampling.LANCZOS, reducing_gap=3.0)
        smallest = 0
        for encode in encoders:
            out = BytesIO()
            encode(resized, out)
            if out.tell() <= MAX_WEB_BYTES or width == 1:
                return width, out.getvalue()
            smallest = min(smallest or out.tell(), out.tell())
        width = max(1, min(width - 1, int(width * (MAX_WEB_BYTES / smallest) ** 0.5 * 0.95)))


def web_markup(src: str, alt: str, info: ImageInfo, lazy: bool) -> dict[str, Any]:
    """Return the attributes of a web image: `sources` (type → srcset) and the `<img>`'s own."""
    files = info.web_files(src)
    img_files = [f for f in files if f[1] != "image/webp"]
    largest = img_files[-1][0]  # the <img>'s own file: its width and height are the file's
    attrs: dict[str, Any] = {"src": img_files[-1][2], "alt": alt}
    if info.kind != "vector":
        attrs["srcset"] = ", ".join(f"{name} {w}w" for w, _, name in img_files)
        attrs["sizes"] = SIZES
    if info.width:
        attrs["width"], attrs["height"] = str(largest), str(info.web_height(largest))
    if lazy:
        attrs["loading"] = "lazy"
    attrs["decoding"] = "async"
    webp = [f for f in files if f[1] == "image/webp"]
    sources = {"image/webp": ", ".join(f"{name} {w}w" for w, _, name in webp)} if webp else {}
    return {"sources": sources, "img": attrs}


__all__ = ["MAX_WEB_BYTES", "SIZES", "WEB_WIDTHS", "ImageInfo", "web_copies", "web_markup"]
