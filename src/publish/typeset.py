"""Typeset: a `RenderedPage` → a PDF file, through WeasyPrint, with fetching confined to the project.

WeasyPrint is imported here only, when the first PDF is made, so commands that build no PDF
stay fast. The PDF is written next to its final path and moved into place only when complete:
a failed build keeps the last good PDF.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from . import pdftext
from .errors import TypesetError
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
        """The WeasyPrint version when publish's text layer could not be used with it, else None."""
        try:
            pdftext.install()
        except pdftext.WeasyPrintVersionError:
            self.text_layer_fallback = weasyprint.__version__
        self._weasyprint = weasyprint
        self.pdf_variant = pdf_variant
        self.font_config = FontConfiguration()
        self.allowed_roots = [root.resolve() for root in allowed_roots]
        self.project_root = project_root
        # Hosts the project allows fetching from over http(s) ([network] allow in publish.toml).
        self.allowed_hosts = allowed_hosts

    def fetcher(self, refused: list[str], substitutes: dict[Path, Path]) -> Any:
        """Return a URL fetcher that serves files under the allowed roots and data: URLs only.

        `substitutes` maps a briefing's image files to their print renditions.
        """
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        roots = self.allowed_roots
        hosts = self.allowed_hosts

        class ConfinedFetcher(URLFetcher):
            def fetch(self, url: str, headers: Any = None) -> Any:
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
        location = None
        if page.source:
            path = page.source.path
            location = SourceLocation(
                path.relative_to(self.project_root) if path.is_relative_to(self.project_root) else path
            )
        # Dated from the sources, not the clock, so a rebuild of the same commit is the same file.
        stamp = source_date(page.source.path.parent if page.source else None).strftime("%Y-%m-%dT%H:%M:%SZ")
        captured = _CapturedWarnings()
        weasy_logger = logging.getLogger("weasyprint")
        weasy_logger.addHandler(captured)
        # Reported below, once, against the briefing instead of WeasyPrint's internal location.
        propagate, weasy_logger.propagate = weasy_logger.propagate, False
        try:
            document = self._weasyprint.HTML(
                string=page.html, base_url=page.base_url, url_fetcher=self.fetcher(refused, substitutes or {})
            ).render(font_config=self.font_config)
            document.metadata.created = document.metadata.created or stamp
            document.metadata.modified = document.metadata.modified or stamp
            pdf = document.write_pdf(pdf_variant=self.pdf_variant)
        except Exception as exc:  # WeasyPrint raises many kinds; report them all with the source
            raise TypesetError(f"WeasyPrint failed: {exc}", location) from exc
        finally:
            weasy_logger.removeHandler(captured)
            weasy_logger.propagate = propagate
        if refused:
            if page.source and location:  # name the line of the Markdown that asked for it, if it did
                location = SourceLocation(location.path, _line_mentioning(page.source.path, refused[0]))
            raise TypesetError(
                f"refused to load {refused[0]}" + (f" and {len(refused) - 1} more" if len(refused) > 1 else ""),
                location,
                hint="reference images and files inside the briefing folder with relative paths; "
                "list a host under [network] allow in publish.toml to load from it",
            )
        for message in captured.messages:
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


class _CapturedWarnings(logging.Handler):
    """Collects WeasyPrint's warnings so they can be reported against the briefing."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
