"""Typeset: a `RenderedPage` → a PDF file, through WeasyPrint, with fetching confined to the project.

WeasyPrint is imported here only, when the first PDF is made, so commands that build no PDF
stay fast. The PDF is written next to its final path and moved into place only when complete:
a failed build keeps the last good PDF.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from . import pdftext
from .errors import TypesetError
from .images import MAX_PIXELS
from .logcapture import capture_warnings
from .model import RenderedPage, SourceLocation
from .output import atomic_write_bytes
from .sourcedate import source_date

logger = logging.getLogger(__name__)


class Typesetter:
    """Makes PDFs for one build: one font configuration and one confined fetcher for all of them."""

    def __init__(
        self,
        allowed_roots: list[Path],
        project_root: Path,
        pdf_variant: str | None = None,
        allowed_hosts: frozenset[str] = frozenset(),
        time_limit: int | None = None,
    ):
        # WeasyPrint reports each rendering step at INFO; writers need only the outcome.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
        import weasyprint
        from weasyprint.pdf import VARIANTS
        from weasyprint.text.fonts import FontConfiguration

        if pdf_variant is not None and pdf_variant not in VARIANTS:
            raise TypesetError(
                f'unknown PDF variant "{pdf_variant}"',
                hint=f"choose one of {', '.join(VARIANTS)}, or 'none' for a plain PDF",
            )
        # Text that copies out in logical order from poppler and pdf.js (Arabic above all). It reaches
        # into WeasyPrint's internals, so on a WeasyPrint it was not written for, PDFs are still made,
        # with WeasyPrint's own text layer; the build says so once (`text_layer_fallback`).
        self.text_layer_fallback: str | None = None
        """Why publish's text layer cannot be used with the installed WeasyPrint, else None."""
        try:
            pdftext.check()
        except pdftext.WeasyPrintVersionError as exc:
            self.text_layer_fallback = str(exc)
        self._weasyprint = weasyprint
        self.pdf_variant = pdf_variant
        self.font_config = FontConfiguration()
        self.allowed_roots = [root.resolve() for root in allowed_roots]
        self.project_root = project_root
        # Hosts the project allows fetching from over http(s) ([network] allow in publish.toml).
        self.allowed_hosts = allowed_hosts
        # Seconds one PDF may take ([pdf] time_limit): a layout WeasyPrint never finishes fails alone.
        self.time_limit = time_limit

    def fetcher(self, refused: list[str], substitutes: dict[Path, Path], oversized: set[str] | None = None) -> Any:
        """Return a URL fetcher that serves files under the allowed roots and data: URLs only.

        `substitutes` maps a briefing's image files to their print renditions.
        """
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        roots = self.allowed_roots
        hosts = self.allowed_hosts
        oversized = set() if oversized is None else oversized

        class ConfinedFetcher(URLFetcher):
            def fetch(self, url: str, headers: Any = None) -> Any:
                response = self.confined(url, headers)
                data = response.read()
                # The pixel limit holds for every image WeasyPrint decodes, not only the briefing's
                # own figures: one drawn inside an SVG, or given as a data: URL, is refused too.
                if _too_many_pixels(data):
                    refused.append(url)
                    oversized.add(url)
                    raise ValueError(f"publish does not load {url[:80]}: over {MAX_PIXELS // 1_000_000} megapixels")
                return URLFetcherResponse(response.url, data, response.headers, response.status)

            def confined(self, url: str, headers: Any = None) -> Any:
                scheme = urlsplit(url).scheme.lower()
                if scheme == "data":
                    return super().fetch(url, headers)
                if scheme in ("http", "https") and (urlsplit(url).hostname or "").lower() in hosts:
                    return super().fetch(url, headers)
                if scheme == "file":
                    path = Path(unquote(urlsplit(url).path)).resolve()
                    allowed = any(path.is_relative_to(root) for root in roots) and path.is_file()
                    served = url
                    if path in substitutes:  # a checked briefing image: serve its print rendition
                        path, allowed = substitutes[path], True
                        # The response's URL must name the file whose bytes it carries: WeasyPrint
                        # decodes the bytes, then embeds the file the URL names (LazyLocalImage).
                        served = path.as_uri()
                    if allowed:
                        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                        return URLFetcherResponse(served, path.read_bytes(), {"Content-Type": kind})
                refused.append(url)
                raise ValueError(f"publish does not fetch {url}: only files inside the project are allowed")

        return ConfinedFetcher()

    def typeset(self, page: RenderedPage, substitutes: dict[Path, Path] | None = None) -> Path:
        """Write the page as a PDF at its out_path; return the path."""
        refused: list[str] = []
        oversized: set[str] = set()
        location = None
        if page.source:
            path = page.source.path
            location = SourceLocation(
                path.relative_to(self.project_root) if path.is_relative_to(self.project_root) else path
            )
        # Dated from the sources, not the clock, so a rebuild of the same commit is the same file.
        stamp = source_date(page.source.path.parent if page.source else None).strftime("%Y-%m-%dT%H:%M:%SZ")
        # The text layer replaces WeasyPrint functions for this document only: at layout, then drawing.
        text_layer = pdftext.text_layer() if self.text_layer_fallback is None else contextlib.nullcontext()
        # WeasyPrint's warnings are reported below, once, against the briefing instead of its internals.
        try:
            with capture_warnings("weasyprint", propagate=False) as captured, _limit(self.time_limit), text_layer:
                document = self._weasyprint.HTML(
                    string=page.html,
                    base_url=page.base_url,
                    url_fetcher=self.fetcher(refused, substitutes or {}, oversized),
                ).render(font_config=self.font_config)
                document.metadata.created = document.metadata.created or stamp
                document.metadata.modified = document.metadata.modified or stamp
                pdf = document.write_pdf(pdf_variant=self.pdf_variant)
        except _OutOfTime:
            raise TypesetError(
                f"the PDF took longer than {self.time_limit} s to typeset: stopped",
                location,
                hint="look for what WeasyPrint lays out again and again (a huge table, floats in a grid,"
                " an SVG that repeats itself); raise [pdf] time_limit in publish.toml if it only needs longer",
            ) from None
        except Exception as exc:  # WeasyPrint raises many kinds; report them all with the source
            raise TypesetError(f"WeasyPrint failed: {exc}", location) from exc
        if oversized:
            shown = min(oversized)
            raise TypesetError(
                f"an image of the page is too large (over {MAX_PIXELS // 1_000_000} megapixels):"
                f" {shown[:60]}{'…' if len(shown) > 60 else ''}",
                location,
                hint="scale it down before adding it (3000 pixels on the longest side is plenty), also inside SVGs",
            )
        if refused:
            if page.source and location:  # name the line of the Markdown that asked for it, if it did
                location = SourceLocation(location.path, _line_mentioning(page.source.path, refused[0]))
            raise TypesetError(
                f"refused to load {refused[0]}" + (f" and {len(refused) - 1} more" if len(refused) > 1 else ""),
                location,
                hint="reference images and files inside the briefing folder with relative paths; "
                "list a host under [network] allow in publish.toml to load from it",
            )
        for _, _, message in captured:
            logger.warning("%s: %s", location or page.out_path, message)
        atomic_write_bytes(page.out_path, pdf)
        return page.out_path


def _line_mentioning(path: Path, url: str) -> int | None:
    """Find the first line of a file that mentions a URL (or its path, as written relative)."""
    parts = urlsplit(url)
    needles = [url, unquote(parts.path), *([Path(unquote(parts.path)).name] if parts.path else [])]
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except OSError:
        return None
    for needle in filter(None, needles):
        for number, line in enumerate(lines, start=1):
            if needle in line:
                return number
    return None


class _OutOfTime(BaseException):
    """Raised by the alarm inside WeasyPrint: a BaseException, so its own `except Exception` lets it pass."""


@contextlib.contextmanager
def _limit(seconds: int | None) -> Iterator[None]:
    """Stop the block with _OutOfTime after `seconds` (in the main thread of a process; else no limit).

    WeasyPrint catches even BaseException where it draws an SVG (and leaves the image out), so the
    alarm rings again every second until the block ends, and the block fails at its end anyway.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    rang = False

    def alarm(signum: int, frame: Any) -> None:
        nonlocal rang
        rang = True
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if rang:
        raise _OutOfTime


def _too_many_pixels(data: bytes) -> bool:
    """Tell whether bytes are a raster image of more than MAX_PIXELS, from its header alone."""
    import warnings
    from io import BytesIO

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return True
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return False
    return width * height > MAX_PIXELS
