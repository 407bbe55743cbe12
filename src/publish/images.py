"""Images: a document's `ImageRef`s → checked files and their print and web renditions.

Each image is found in its briefing folder and read in full when the document is parsed
(`probe_image`): a truncated, corrupt or unknown file, a pixel bomb or an unsafe SVG is an
error at the line that shows it, for `publish check` as for the build. Renditions:

    print   one copy sized for the box the figure prints in (`printbox.py`: the text block of the
            brand's page, at most as tall as its `figure img { max-height }`, both read from its
            print stylesheets) at PRINT_PPI, as 8-bit JPEG (photos) or PNG (graphics, and anything
            transparent: WeasyPrint keeps its alpha as a soft mask)
    web     WEB_WIDTHS wide (never wider than the source), each as WebP and as JPEG or PNG, none
            over 1 MB (`webcopies.py`), for a `<picture>` with `srcset` (`figures.render_image`)

EXIF orientation is applied, 16-bit images are scaled to 8 bits, colours with an ICC profile are
converted to sRGB (a CMYK JPEG without one is printed as CMYK), an animated GIF shows its
first frame. SVG is sanitised (`svg.py`) and used as it is for both.

Renditions are cached by content in `build/.cache/images/`: `<source digest>-<kind>.<own
digest><ext>`. A cached file whose bytes no longer match the digest in its name is made again.
The web copies a source got are listed in `<source digest>-web.<own digest>.json`: a copy made
narrower than planned, or as JPEG instead of PNG, to fit 1 MB is named by what it is. The build
makes (or finds) them while parsing (`WebCache`), so the page's markup names the files it serves.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from .errors import SourceError
from .model import Document, ImageRef, SourceLocation
from .output import atomic_write_bytes
from .printbox import PRINT_PPI, PrintBox
from .svg import SvgError, sanitize_svg, svg_size
from .webcopies import EXTENSIONS, ImageInfo, web_copies

if TYPE_CHECKING:
    from PIL import Image as PILImage

logger = logging.getLogger(__name__)

MAX_PIXELS = 80_000_000
"""Larger images are refused before they are decoded: decoding takes 4 bytes per pixel or more."""
FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG", "GIF": "GIF", "WEBP": "WebP", "TIFF": "TIFF", "BMP": "BMP"}
"""Raster formats publish reads (Pillow's name → the name writers know)."""
LOW_PPI = 150
"""Below this at its printed size, an image looks soft: the build warns (for images printed at least
SOFT_MIN_MM wide; an icon a few millimetres wide is left alone)."""
SOFT_MIN_MM = 50.0
RECIPE = "3"
"""Bump when the way renditions are made changes, so cached ones are made again."""

A4 = PrintBox.for_page("A4")


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """An image of a document and its renditions."""

    src: str
    """The path as written in the Markdown."""
    original: Path
    """The file in the briefing folder."""
    print_path: Path
    """Rendition for the PDF."""
    web_files: tuple[tuple[str, Path], ...] = ()
    """Each web rendition: its path relative to the page (as the markup names it) and its cached file."""


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


def probe_image(
    src: str, line: int, source_path: Path, shown_as: Path | None = None, web: WebCache | None = None
) -> ImageInfo:
    """Find an image beside a language file and read it in full; a SourceError at its line if it can't be used.

    `shown_as` is the language file's path as messages name it (relative to the project). With `web`,
    the web copies are made (or found) now, and the info lists them as served: the markup names them.
    """
    location = SourceLocation(shown_as or source_path, line)
    original = _resolve(src, source_path.parent.resolve(), location)
    data = original.read_bytes()
    if _is_svg(original, data):
        svg = _sanitized(data, original, location)
        width, height = svg_size(svg)
        return ImageInfo(width, height, "vector")
    with _opened(data, original, location) as image:
        info, frames = _info(image), getattr(image, "n_frames", 1)
    with _opened(data, original, location, decode=True, quick=True):
        pass  # read in full: a truncated or damaged file fails here, not in the PDF
    if frames > 1:
        logger.warning("%s: image %s is animated: its first frame is shown, in print and on the web", location, src)
    if web is None:
        return info
    copies = web.copies(_digest(data), _Renditions(data, original, location))
    return replace(info, served=tuple((width, mime) for width, mime, _ in copies))


@dataclass
class WebCache:
    """Where web copies are cached, and the copies of each source made or found so far (by digest).

    The build shares one between parsing (the markup names the copies) and `prepare_images` (which
    copies them beside the page), so each source's copies are made, or looked up, once.
    """

    folder: Path
    force: bool = False
    """Make each source's copies again (once), cached or not."""
    found: dict[str, tuple[tuple[int, str, Path], ...]] = field(default_factory=dict)

    def copies(self, digest: str, made: _Renditions) -> tuple[tuple[int, str, Path], ...]:
        """Return (width, MIME type, cached file) of each web copy of a source, in `srcset` order."""
        if digest not in self.found:
            self.found[digest] = (not self.force and self._listed(digest)) or self._make(digest, made)
        return self.found[digest]

    def _listed(self, digest: str) -> tuple[tuple[int, str, Path], ...] | None:
        """The copies a `<digest>-web.<own digest>.json` list names, when every one is there intact."""
        listing = _cached(self.folder, f"{digest}-web", ".json", force=False)
        if listing is None:
            return None
        try:
            copies = tuple((int(w), str(m), self.folder / str(n)) for w, m, n in json.loads(listing.read_bytes()))
        except (OSError, TypeError, ValueError):  # not a list of copies
            return None
        for *_, path in copies:
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest()[:16] != path.name.split(".")[-2]:
                return None  # made again, all of them
        return copies or None

    def _make(self, digest: str, made: _Renditions) -> tuple[tuple[int, str, Path], ...]:
        copies = tuple(
            (width, mime, _store(self.folder, f"{digest}-web-{width}", EXTENSIONS[mime], data))
            for width, mime, data in web_copies(made.image(), made.info)
        )
        listing = json.dumps([[width, mime, path.name] for width, mime, path in copies])
        _store(self.folder, f"{digest}-web", ".json", listing.encode())
        return copies


def _digest(data: bytes) -> str:
    return hashlib.sha256(data + RECIPE.encode()).hexdigest()[:32]


def prepare_images(
    doc: Document,
    cache_dir: Path,
    project_root: Path,
    box: PrintBox = A4,
    force: bool = False,
    web: WebCache | None = None,
) -> list[PreparedImage]:
    """Check a document's images and make (or reuse) their renditions; `force` makes them all again.

    `web` is the cache parsing used (`probe_image`): its copies are the ones the markup names.
    """
    web = web or WebCache(cache_dir, force)
    prepared = []
    for ref, original, location in locate_images(doc, project_root):
        data = original.read_bytes()
        digest = _digest(data)
        if _is_svg(original, data):  # sanitised, for print and the web alike
            path = _cached(cache_dir, f"{digest}-svg", ".svg", force) or _store(
                cache_dir, f"{digest}-svg", ".svg", _sanitized(data, original, location, warn=False)
            )
            prepared.append(PreparedImage(ref.src, original, path, ((unquote(urlsplit(ref.src).path), path),)))
            continue
        made = _Renditions(data, original, location)
        info = made.info
        width, height = box.pixels(info.width, info.height)
        _warn_if_soft(info, box, original, location)
        print_stem = f"{digest}-print-{width}x{height}"
        print_ext = ".jpg" if info.kind == "photo" else ".png"
        print_path = _cached(cache_dir, print_stem, print_ext, force) or _store(
            cache_dir, print_stem, print_ext, made.print_copy((width, height))
        )
        copies = web.copies(digest, made)
        served = replace(info, served=tuple((w, mime) for w, mime, _ in copies))
        names = [unquote(name) for _, _, name in served.web_files(ref.src)]
        web_files = tuple(zip(names, (path for *_, path in copies), strict=True))
        prepared.append(PreparedImage(ref.src, original, print_path, web_files))
    return prepared


class _Renditions:
    """Decodes an image once, when the first rendition that is not cached is asked for."""

    def __init__(self, data: bytes, original: Path, location: SourceLocation):
        self.data, self.original, self.location = data, original, location
        self._image: PILImage.Image | None = None
        with _opened(data, original, location) as image:
            self.info = _info(image)

    def image(self) -> PILImage.Image:
        if self._image is None:
            with _opened(self.data, self.original, self.location, decode=True) as image:
                self._image = _normalized(image)
        return self._image

    def print_copy(self, size: tuple[int, int]) -> bytes:
        from PIL import Image

        image = self.image()
        if image.size != size:
            image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        out = BytesIO()
        if self.info.kind == "photo":
            # Baseline JPEG: what every PDF reader decodes; CMYK stays CMYK (WeasyPrint labels it so).
            image.save(out, "JPEG", quality=90, optimize=True)
        else:
            image.save(out, "PNG")  # 8-bit, not interlaced: WeasyPrint embeds its data as it is
        return out.getvalue()


@contextmanager
def _opened(
    data: bytes, original: Path, location: SourceLocation, decode: bool = False, quick: bool = False
) -> Iterator[PILImage.Image]:
    """Open an image with Pillow's pixel limit set; errors name the file and what Pillow says.

    `decode` reads all its pixels; `quick` allows a JPEG to be decoded at 1/8 of its size (every byte is
    still read): enough to check it, not to use it.
    """
    from PIL import Image, ImageFile, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow refuses more before decoding (and warns above half)
    # WeasyPrint, once imported, tells Pillow to accept truncated files: not while publish checks one.
    accept_truncated, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    name = original.name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                if image.format not in FORMATS:
                    raise SourceError(
                        f"image {name} is in a format publish does not use ({image.format})",
                        location,
                        hint="save it as JPEG (photos), PNG (graphics), WebP, GIF or SVG",
                    )
                if decode:
                    if quick and image.format == "JPEG":
                        image.draft(image.mode, (image.width // 8, image.height // 8))
                    image.load()
                yield image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise SourceError(
            f"image {name} is too large (over {MAX_PIXELS // 1_000_000} megapixels)",
            location,
            hint="scale it down before adding it: 3000 pixels on the longest side is plenty",
        ) from None
    except UnidentifiedImageError:
        raise SourceError(
            f"image {name} cannot be read: it is not in a format publish knows "
            f"({', '.join(sorted(set(FORMATS.values())))} or SVG)",
            location,
            hint="save it as JPEG (photos), PNG (graphics) or SVG",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise SourceError(
            f"image {name} cannot be read: {exc}", location, hint="the file may be truncated or damaged: save it again"
        ) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = accept_truncated


def _info(image: PILImage.Image) -> ImageInfo:
    """Return the shown size and kind of an opened image (nothing decoded)."""
    width, height = image.size
    if _orientation(image) in (5, 6, 7, 8):  # turned a quarter: width and height swap
        width, height = height, width
    photo = FORMATS[image.format or ""] == "JPEG" or (image.format == "WEBP" and not _has_alpha(image))
    return ImageInfo(width, height, "photo" if photo else "graphic")


def _orientation(image: PILImage.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except (ValueError, TypeError, SyntaxError, OSError):
        return 1


def _has_alpha(image: PILImage.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _normalized(image: PILImage.Image) -> PILImage.Image:
    """Return the first frame upright, in 8-bit L, LA, RGB, RGBA or CMYK, in sRGB when it had a profile."""
    from PIL import ImageOps

    image.seek(0)
    upright = ImageOps.exif_transpose(image) or image
    mode = upright.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit grey: scale to 8 bits (a plain convert clips everything above 255 to white).
        upright = upright.convert("I").point(lambda v: v / 257).convert("L")
    elif mode == "F":
        low, high = upright.getextrema()
        upright = upright.point(lambda v: (v - low) * 255 / ((high - low) or 1)).convert("L")
    elif _has_alpha(upright):
        upright = upright.convert("LA" if mode in ("L", "LA", "La", "1") else "RGBA")
    elif mode in ("1", "L"):
        upright = upright.convert("L")
    elif mode not in ("RGB", "CMYK"):  # palette, YCbCr, LAB…
        upright = upright.convert("RGB")
    return _to_srgb(upright, image.info.get("icc_profile"))


def _to_srgb(image: PILImage.Image, profile: bytes | None) -> PILImage.Image:
    """Convert an image with an embedded ICC profile to sRGB (CMYK included); others are left as they are."""
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(BytesIO(profile))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: the colours as they are
    return converted if converted is not None else image


def _warn_if_soft(info: ImageInfo, box: PrintBox, original: Path, location: SourceLocation) -> None:
    inches = box.printed_size(info.width, info.height)
    ppi = info.width / inches[0]
    if ppi < LOW_PPI and inches[0] * 25.4 >= SOFT_MIN_MM:
        logger.warning(
            "%s: image %s prints at %d ppi, below %d: it will look soft; a version %d pixels wide would print sharp",
            location,
            original.name,
            round(ppi),
            LOW_PPI,
            round(inches[0] * PRINT_PPI),
        )


def _is_svg(original: Path, data: bytes) -> bool:
    """An .svg file is read as SVG only (a PNG named .svg is an error, not a PNG)."""
    return original.suffix.lower() == ".svg"


def _sanitized(data: bytes, original: Path, location: SourceLocation, warn: bool = True) -> bytes:
    """Return the SVG made safe; `warn` says what was removed (probe_image does, once per parse)."""
    try:
        svg, removed = sanitize_svg(data)
    except SvgError as exc:
        raise SourceError(
            f"image {original.name} cannot be used: {exc}",
            location,
            hint="export it again as plain SVG (no scripts, no entities, no external files)",
        ) from None
    if removed and warn:
        logger.warning(
            "%s: image %s: removed what an SVG figure may not carry: %s", location, original.name, ", ".join(removed)
        )
    return svg


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
        raise SourceError(f"image {src} not found", location, hint=_did_you_mean(path, folder))
    return path


def _did_you_mean(path: Path, folder: Path) -> str:
    """Name the files of the folder the missing one may be, else say what the path is relative to."""
    where = path.parent if path.parent.is_dir() else folder
    names = sorted(p.name for p in where.iterdir() if p.is_file()) if where.is_dir() else []
    close = get_close_matches(path.name, names, n=1, cutoff=0.6) or [n for n in names if n.lower() == path.name.lower()]
    if close:
        return f"did you mean {where.relative_to(folder).joinpath(close[0]).as_posix()}?"
    return f"the path is relative to {folder.name}/; check the file name and its case"


def _cached(cache_dir: Path, stem: str, ext: str, force: bool) -> Path | None:
    """Return a cached rendition whose bytes still match the digest in its name; drop damaged ones."""
    for path in sorted(cache_dir.glob(f"{stem}.*{ext}")) if cache_dir.is_dir() else ():
        own = path.name[len(stem) + 1 : -len(ext)]
        if not force and hashlib.sha256(path.read_bytes()).hexdigest()[:16] == own:
            return path
        path.unlink(missing_ok=True)  # damaged (or --force): made again
    return None


def _store(cache_dir: Path, stem: str, ext: str, data: bytes) -> Path:
    path = cache_dir / f"{stem}.{hashlib.sha256(data).hexdigest()[:16]}{ext}"
    atomic_write_bytes(path, data)
    return path
