"""Data passed between the stages: small, frozen values, each made by one stage and read by the next.

A stage never mutates what an earlier stage made; it returns a new value instead.
"""

from __future__ import annotations

import datetime
import enum
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path


class Direction(enum.Enum):
    """Base direction of a document or a run of text."""

    LTR = "ltr"
    """Left to right: Latin, and the default."""
    RTL = "rtl"
    """Right to left: Arabic, Hebrew and other scripts written from the right."""

    @property
    def opposite(self) -> Direction:
        return Direction.RTL if self is Direction.LTR else Direction.LTR


DEFAULT_PDF_VARIANT = "pdf/ua-1"
"""Tagged PDF for assistive technology: it works for all three shipped languages."""


class OutputFormat(enum.Enum):
    """What a build produces for each briefing and language."""

    PDF = "pdf"
    """A print-ready PDF, typeset by WeasyPrint."""
    HTML = "html"
    """A page of the static web site."""


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A place in a file that a writer or designer can open."""

    path: Path
    """The file, as given (relative to the project when it is inside it)."""
    line: int | None = None
    """1-based line number, or None when the whole file is meant."""

    def __str__(self) -> str:
        return shown(f"{self.path}:{self.line}" if self.line else str(self.path))


def shown(text: str) -> str:
    """Return text for a message, with invisible and direction-changing characters (U+202E…) escaped."""
    return "".join(c if c.isprintable() and unicodedata.category(c) != "Cf" else f"\\u{ord(c):04x}" for c in text)


@dataclass(frozen=True, slots=True)
class Meta:
    """The validated front matter of one language file."""

    title: str
    """The title, printed on the title block and in the PDF metadata."""
    subtitle: str | None = None
    """An optional second line under the title."""
    date: datetime.date | None = None
    """Publication date, formatted per locale by Babel."""
    authors: tuple[str, ...] = ()
    """Authors or issuing organisations, in order."""
    summary: str | None = None
    """One or two sentences shown on the site's list page and in meta descriptions."""
    translation: str | None = None
    """"draft" for a translation not yet reviewed by a native speaker, else None."""
    original: str | None = None
    """The language code this text was translated from, if it is a translation."""
    brand: str | None = None
    """Layout brand for this language file; overrides briefing.toml and the project default."""
    toc: bool | None = None
    """Print a table of contents: True, False, or None for automatic (three sections or more)."""
    keywords: tuple[str, ...] = ()
    """Keywords for the PDF metadata and the web page."""


@dataclass(frozen=True, slots=True)
class Source:
    """One language file of a briefing, read and split into front matter and body."""

    slug: str
    """The briefing folder's name, used in output paths."""
    lang: str
    """BCP-47 language code, taken from the file name."""
    path: Path
    """The Markdown file."""
    meta: Meta
    """Validated front matter."""
    body: str
    """The Markdown after the front matter."""
    body_line: int
    """1-based line number in `path` where `body` starts, to report body errors at file lines."""
    locale: str = ""
    """Babel locale its dates, numbers and lists are written in (publish.toml [locales]); `lang` if unset."""

    def __post_init__(self) -> None:
        if not self.locale:
            object.__setattr__(self, "locale", self.lang)


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of the parsed body, for outlines and navigation."""

    level: int
    """2 for ##, 3 for ###, and so on."""
    text: str
    """The heading's plain text."""
    id: str
    """The anchor id given to the heading element."""
    line: int
    """1-based source line."""
    html: str = ""
    """The heading's content as HTML, with direction isolation, for tables of contents."""


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image a body refers to, as written, with the line that refers to it."""

    src: str
    """The image's path as written in the Markdown, relative to the language file."""
    line: int
    """1-based source line of the paragraph holding the image."""
    alt: str = ""
    """The alternative text written for it, empty when the writer gave none."""


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed language file: the body as an HTML fragment plus what layouts need to know."""

    source: Source
    """Where it came from."""
    direction: Direction
    """Base direction of the language."""
    html: str
    """Body HTML fragment for the web: trusted markup produced by the parser, text escaped."""
    print_html: str
    """Body HTML fragment for print: footnotes inline at their call, no endnotes."""
    headings: tuple[Heading, ...]
    """Headings of the body, in order."""
    languages: frozenset[str] = field(default_factory=frozenset)
    """Languages used inside the body besides the document's own (from lang attributes and scripts)."""
    footnotes: int = 0
    """How many footnotes the body has."""
    images: tuple[ImageRef, ...] = ()
    """Every image the body shows, in order."""
    blocks: tuple[str, ...] = ()
    """The print body split into its top-level blocks, for side-by-side bilingual layouts."""
    marks: tuple[tuple[str, int], ...] = ()
    """(kind, source line) of each countable element, in order: heading2, heading3…, item,
    footnote, figure, link, signatories. Translations are compared on these."""


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """A complete HTML page from the layouts, ready for WeasyPrint or for the web."""

    html: str
    """The page's full HTML."""
    lang: str
    """Language of the page."""
    direction: Direction
    """Base direction of the page."""
    out_path: Path
    """Where the final output goes (PDF or HTML file)."""
    base_url: str
    """URL that relative references in `html` resolve against."""
    source: Source | None = None
    """The language file behind the page; None for generated pages such as indexes."""
