"""Images: a document's `ImageRef`s → checked files and their print and web renditions.

Each image is read once, checked (inside the briefing folder, a real image, not absurdly
large), then resized and compressed for print (up to 2480 px, A4 width at 300 dpi) and for the
web (up to 1600 px). Renditions are cached by content: `build/.cache/images/<sha256>-<kind>.<ext>`,
so a rebuild reuses them and only a changed image is processed again.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import SourceError
from .model import Document, ImageRef, SourceLocation
from .output import atomic_write_bytes

logger = logging.getLogger(__name__)

MAX_PIXELS = 80_000_000
"""Larger images are refused: decoding them would take gigabytes of memory."""
SIZES = {"print": 2480, "web": 1600}
"""Longest side of each rendition, in pixels."""
RECIPE = "1"
"""Bump when the way renditions are made changes, so cached ones are made again."""


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """An image of a document and its renditions."""

    src: str
    """The path as written in the Markdown."""
    original: Path
    """The file in the briefing folder."""
    print_path: Path
    """Rendition for the PDF."""
    web_path: Path
    """Rendition for the web page."""


def locate_images(doc: Document, project_root: Path) -> list[tuple[ImageRef, Path, SourceLocation]]:
    """Find each image of a document in its briefing folder; warn about missing alt text."""
    folder = doc.source.path.parent.resolve()
    path = doc.source.path
    display = path.relative_to(project_root) if path.is_relative_to(project_root) else path
    found = []
    for ref in doc.images:
        location = SourceLocation(display, ref.line)
        original = _resolve(ref.src, folder, location)
        if not ref.alt.strip():
            logger.warning(
                "%s: image %s has no alt text: describe it between the brackets, ![…](%s)", location, ref.src, ref.src
            )
        found.append((ref, original, location))
    return found


def prepare_images(doc: Document, cache_dir: Path, project_root: Path) -> list[PreparedImage]:
    """Check a document's images and make (or reuse) their renditions."""
    prepared = []
    for ref, original, location in locate_images(doc, project_root):
        data = original.read_bytes()
        digest = hashlib.sha256(data + RECIPE.encode()).hexdigest()[:32]
        paths = {}
        for kind, size in SIZES.items():
            paths[kind] = _rendition(data, digest, kind, size, cache_dir, original, location)
        prepared.append(PreparedImage(ref.src, original, paths["print"], paths["web"]))
    return prepared


def _resolve(src: str, folder: Path, location: SourceLocation) -> Path:
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or src.startswith("/"):
        raise SourceError(
            f"image {src} is not a file of the briefing",
            location,
            hint="put the image in the briefing folder (e.g. images/) and give its relative path",
        )
    path = (folder / unquote(parts.path)).resolve()
    if not path.is_relative_to(folder):
        raise SourceError(
            f"image {src} is outside the briefing folder", location, hint="move it into the briefing folder"
        )
    if not path.is_file():
        raise SourceError(
            f"image {src} not found",
            location,
            hint=f"the path is relative to {folder.name}/; check the file name and its case",
        )
    return path


def _rendition(
    data: bytes, digest: str, kind: str, size: int, cache_dir: Path, original: Path, location: SourceLocation
) -> Path:
    """Return the cached rendition of an image, making it if needed."""
    suffix = original.suffix.lower()
    if suffix == ".svg":
        return original  # vector: nothing to resize
    for ext in (".jpg", ".png"):
        cached = cache_dir / f"{digest}-{kind}{ext}"
        if cached.is_file():
            return cached
    from io import BytesIO

    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
            with Image.open(BytesIO(data)) as image:
                image = ImageOps.exif_transpose(image)
                image.thumbnail((size, size), Image.Resampling.LANCZOS)
                keep_alpha = image.mode in ("RGBA", "LA", "P") and suffix == ".png"
                out = BytesIO()
                if keep_alpha:
                    image.save(out, "PNG", optimize=True)
                    ext = ".png"
                else:
                    image.convert("RGB").save(
                        out, "JPEG", quality=85 if kind == "print" else 80, optimize=True, progressive=True
                    )
                    ext = ".jpg"
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise SourceError(
            f"image {original.name} is too large (over {MAX_PIXELS // 1_000_000} megapixels)",
            location,
            hint="scale it down before adding it: 3000 pixels on the longest side is plenty",
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise SourceError(
            f"image {original.name} cannot be read: {exc}", location, hint="save it as JPEG or PNG"
        ) from None
    cached = cache_dir / f"{digest}-{kind}{ext}"
    atomic_write_bytes(cached, out.getvalue())
    return cached
