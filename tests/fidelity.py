"""Extraction fidelity: how much of the writer's text comes back out of the PDFs, per reader.

Input: built PDFs and the briefings they were made from. Output: per language and extractor
(poppler's `pdftotext`, pdf.js as Firefox runs it, pypdf), the share of source paragraphs that
come back exactly, and the ones that do not, each with the kind of damage it took.

A paragraph comes back when it is found, character for character, in the text the extractor
gives for the type area of the pages (running heads and folios cut off): in logical order, NFC,
with whitespace collapsed, no-break spaces (U+00A0, U+202F: French typography's) aside, which
must come back as themselves (as themselves or spaces in a paragraph with right-to-left
letters: publish.pdftext leaves those of right-to-left runs alone). Only what line breaking does
is forgiven: a line break where the source has a space or a break opportunity, and WeasyPrint's
hyphen (U+2010) at a line end.
pdf.js's text is taken as Firefox's text layer and find bar get it, not normalised as its copy
step does (that one turns no-break spaces into spaces, by design).
Bidi control characters (poppler wraps every right-to-left line in U+202B … U+202C) are removed
from both sides: they steer display and are not text.

`make fidelity` builds the seed briefings and prints the report; tests/test_fidelity.py asserts
the figures reached.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("en", "ar", "fr")
EXTRACTORS = ("poppler", "pdfjs", "pypdf")

MM = 72 / 25.4
# The type area of print.css's pages, whatever their size: 22 mm from the top, 25 mm from the
# bottom (running heads and folios are in those margins), with a point of slack.
TOP_MARGIN = 22 * MM - 1
BOTTOM_MARGIN = 25 * MM - 1

_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
HARAKAT = re.compile("[\u064b-\u065f\u0670]")
# Whitespace but the no-break spaces: what is collapsed to one space (or line end) on both sides.
NO_BREAK_SPACES = "\u00a0\u202f"
SPACES = re.compile(f"[^\\S{NO_BREAK_SPACES}]+")


# --- the source ------------------------------------------------------------------------------


class _Blocks(HTMLParser):
    """Collect the text of each paragraph, list item, heading and table cell of a body fragment."""

    BLOCKS = frozenset({"p", "li", "h2", "h3", "h4", "td", "th"})

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._depth = 0
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.BLOCKS:
            if self._depth and "".join(self._text).strip():
                self.blocks.append("".join(self._text))
            self._text = []
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS and self._depth:
            self._depth -= 1
            if "".join(self._text).strip():
                self.blocks.append("".join(self._text))
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._depth:
            self._text.append(data)


def source_paragraphs(slug: str, lang: str, root: Path = ROOT) -> list[str]:
    """Return the text of each block of a language file's body, parsed as the build does."""
    from publish.config import load_project
    from publish.load import load_briefing
    from publish.parse import make_parser, parse
    from publish.render import load_layouts

    project = load_project(root)
    briefing = load_briefing(root / "briefings" / slug, project, (lang,))
    source = briefing.sources[0]
    # With the brand's digits and strings, as the build parses it (signatory count lines).
    layouts = load_layouts(project, source.meta.brand or briefing.brand or project.default_brand)
    doc = parse(source, make_parser(project.allow_html), layouts.settings.digits_for(lang), layouts.strings(lang))
    collector = _Blocks()
    collector.feed(doc.html)
    return collector.blocks


def seed_briefings(root: Path = ROOT) -> list[str]:
    """Return the slugs of a project's briefings (the repository's: the seed briefings)."""
    return sorted({p.parent.name for p in (root / "briefings").glob("*/*.md")})


# --- the extractors --------------------------------------------------------------------------


def extract_poppler(pdfs: list[Path]) -> dict[Path, str]:
    """Return each PDF's type-area text as poppler's pdftotext gives it (reading order mode)."""
    from pypdf import PdfReader

    texts = {}
    for pdf in pdfs:
        height = float(PdfReader(pdf).pages[0].mediabox.height)  # a briefing's pages share one size
        crop = ["-x", "0", "-y", f"{TOP_MARGIN:.0f}", "-W", "10000", "-H", f"{height - TOP_MARGIN - BOTTOM_MARGIN:.0f}"]
        texts[pdf] = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", *crop, str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
    return texts


def extract_pdfjs(pdfs: list[Path]) -> dict[Path, str]:
    """Return each PDF's type-area text as pdf.js gives it to Firefox's text layer, through Node
    (tests/pdfjs_text.mjs --raw: not normalised as Firefox copies it)."""
    if not pdfs:
        return {}
    run = subprocess.run(
        [
            "node",
            str(ROOT / "tests" / "pdfjs_text.mjs"),
            "--raw",
            f"{TOP_MARGIN:.2f}",
            f"{BOTTOM_MARGIN:.2f}",
            *map(str, pdfs),
        ],
        capture_output=True,
        text=True,
    )
    if run.returncode:
        raise RuntimeError(f"pdf.js failed: {run.stderr.strip()}")
    texts = json.loads(run.stdout)
    return {pdf: texts[str(pdf)] for pdf in pdfs}


def extract_pypdf(pdfs: list[Path]) -> dict[Path, str]:
    """Return each PDF's type-area text as pypdf's extract_text gives it."""
    from pypdf import PdfReader

    texts = {}
    for pdf in pdfs:
        pages = []
        for page in PdfReader(pdf).pages:
            parts: list[str] = []
            top = float(page.mediabox.height) - TOP_MARGIN

            def keep(text: str, cm: list, tm: list, _f: object, _s: object, parts: list[str] = parts, top=top) -> None:
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                if text == "\n" or BOTTOM_MARGIN <= y <= top:
                    parts.append(text)

            page.extract_text(visitor_text=keep)
            pages.append("".join(parts))
        texts[pdf] = "\n".join(pages)
    return texts


EXTRACT: dict[str, Callable[[list[Path]], dict[Path, str]]] = {
    "poppler": extract_poppler,
    "pdfjs": extract_pdfjs,
    "pypdf": extract_pypdf,
}


# --- comparing -------------------------------------------------------------------------------


def normalize_source(text: str) -> str:
    """Return a source paragraph as it should come back: NFC, no bidi controls, spaces collapsed
    (no-break spaces kept)."""
    text = unicodedata.normalize("NFC", text).translate(_BIDI_CONTROLS)
    return SPACES.sub(" ", text).strip(" ")


def normalize_extracted(text: str) -> str:
    """Return extracted text in NFC without bidi controls, line ends kept, other spaces collapsed
    (no-break spaces kept)."""
    text = unicodedata.normalize("NFC", text).translate(_BIDI_CONTROLS)
    text = re.sub("\u2010[ \t]*\n\\s*", "", text)  # WeasyPrint's hyphen where it broke a word
    return SPACES.sub(lambda m: "\n" if "\n" in m.group() else " ", text)


def paragraph_pattern(paragraph: str) -> re.Pattern[str]:
    """Compile a paragraph into a pattern that allows line breaks, and nothing else, to differ.

    In a paragraph with right-to-left letters a no-break space may come back as a plain space:
    publish.pdftext makes them read as themselves in left-to-right text only (`plan.join_no_break_spaces`).
    """
    parts = []
    rtl = any(unicodedata.bidirectional(c) in ("R", "AL") for c in paragraph)
    for index, char in enumerate(paragraph):
        if char == " ":
            parts.append("[ \n]")
            continue
        if rtl and char in NO_BREAK_SPACES:
            parts.append(f"[{char} ]")
            continue
        if index and paragraph[index - 1] != " ":
            parts.append("\n?")  # a break without a space: after a hyphen or slash, a long word
        parts.append(re.escape(char))
    return re.compile("".join(parts))


def comes_back(paragraph: str, text: str) -> bool:
    """Tell whether a normalised source paragraph is in normalised extracted text."""
    return paragraph_pattern(paragraph).search(text) is not None


# What a failed paragraph suffered, from the first relaxation that makes it come back.
_RELAXATIONS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("harakat", lambda s: HARAKAT.sub("", s)),
    ("lam-alef split", lambda s: re.sub("ل[ \n]+(?=[اأإآ])", "ل", s)),
    ("spaces", lambda s: re.sub(r"\s+", "", s)),
    ("punctuation or brackets", lambda s: re.sub(r"[\W_]+", "", s)),
)


def diagnose(paragraph: str, text: str) -> str:
    """Name the kind of damage a paragraph that did not come back took."""
    for kind, relax in _accumulate(_RELAXATIONS):
        relaxed = relax(paragraph)
        if relaxed and relaxed in relax(text):
            return kind
    return "order or letters"


def _accumulate(
    relaxations: Iterable[tuple[str, Callable[[str], str]]],
) -> Iterable[tuple[str, Callable[[str], str]]]:
    done: list[Callable[[str], str]] = []
    for kind, relax in relaxations:
        done.append(relax)
        steps = tuple(done)

        def combined(s: str, steps: tuple[Callable[[str], str], ...] = steps) -> str:
            for step in steps:
                s = step(s)
            return s

        yield kind, combined


@dataclass
class Failure:
    """A paragraph that did not come back."""

    slug: str
    lang: str
    extractor: str
    paragraph: str
    kind: str


@dataclass
class Score:
    """How many paragraphs of one language came back from one extractor."""

    lang: str
    extractor: str
    total: int = 0
    exact: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def share(self) -> float:
        """The share of paragraphs that came back, from 0 to 1."""
        return self.exact / self.total if self.total else 1.0


def measure(
    pdf_dir: Path,
    slugs: Iterable[str] | None = None,
    langs: Iterable[str] = LANGS,
    extractors: Iterable[str] = EXTRACTORS,
    root: Path = ROOT,
) -> dict[tuple[str, str], Score]:
    """Score every PDF `<slug>.<lang>.pdf` in `pdf_dir` against its source, per language and extractor."""
    slugs = list(slugs or seed_briefings(root))
    langs = list(langs)
    pdfs = {(slug, lang): pdf_dir / f"{slug}.{lang}.pdf" for slug in slugs for lang in langs}
    sources = {key: [normalize_source(p) for p in source_paragraphs(*key, root=root)] for key in pdfs}
    scores: dict[tuple[str, str], Score] = {}
    for extractor in extractors:
        texts = EXTRACT[extractor](list(pdfs.values()))
        for (slug, lang), pdf in pdfs.items():
            score = scores.setdefault((lang, extractor), Score(lang, extractor))
            text = normalize_extracted(texts[pdf])
            for paragraph in sources[slug, lang]:
                score.total += 1
                if comes_back(paragraph, text):
                    score.exact += 1
                else:
                    kind = diagnose(paragraph, text)
                    score.failures.append(Failure(slug, lang, extractor, paragraph, kind))
    return scores


# --- the report ------------------------------------------------------------------------------


def build_seeds(out: Path, root: Path = ROOT, plain: bool = False) -> Path:
    """Build every briefing's PDFs into `out`; return the folder holding them.

    With `plain`, WeasyPrint draws text its own way (publish.pdftext held back): the baseline.
    """
    from publish import build, pdftext
    from publish.model import OutputFormat

    if plain:  # typeset in this process, where WeasyPrint's own drawing is put back
        with pdftext.plain():
            result = build(project_root=root, out=out, formats=(OutputFormat.PDF,), jobs=1)
    else:
        result = build(project_root=root, out=out, formats=(OutputFormat.PDF,))
    if not result.ok:
        raise SystemExit("\n".join(str(e) for e in result.errors))
    return out / "pdf"


def report(scores: dict[tuple[str, str], Score], failures: int = 5) -> str:
    """Write the scores as a table, then up to `failures` failed paragraphs per language and extractor."""
    extractors = list(dict.fromkeys(e for _, e in scores))
    langs = list(dict.fromkeys(lang for lang, _ in scores))
    lines = ["paragraphs back exactly", "", "| lang | " + " | ".join(extractors) + " |"]
    lines.append("|---" * (len(extractors) + 1) + "|")
    for lang in langs:
        cells = [f"{s.share:6.1%} ({s.exact}/{s.total})" for s in (scores[lang, e] for e in extractors)]
        lines.append(f"| {lang} | " + " | ".join(cells) + " |")
    for score in scores.values():
        if not score.failures:
            continue
        kinds: dict[str, int] = {}
        for failure in score.failures:
            kinds[failure.kind] = kinds.get(failure.kind, 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
        lines += ["", f"{score.lang} / {score.extractor}: {len(score.failures)} not back ({summary})"]
        for failure in score.failures[:failures]:
            shown = failure.paragraph if len(failure.paragraph) < 140 else failure.paragraph[:137] + "…"
            lines.append(f"  [{failure.kind}] {failure.slug}: {shown}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build the seed briefings (or read built PDFs) and print the fidelity report."""
    parser = argparse.ArgumentParser(prog="make fidelity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdfs", type=Path, help="score the PDFs in this folder instead of building them")
    parser.add_argument("--lang", action="append", choices=LANGS, help="only this language (repeatable)")
    parser.add_argument("--extractor", action="append", choices=EXTRACTORS, help="only this extractor (repeatable)")
    parser.add_argument("--failures", type=int, default=5, help="failed paragraphs to list per group (default 5)")
    parser.add_argument("--plain", action="store_true", help="build with WeasyPrint's own text drawing, for comparison")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="publish-fidelity-") as tmp:
        pdf_dir = args.pdfs or build_seeds(Path(tmp), plain=args.plain)
        scores = measure(pdf_dir, langs=args.lang or LANGS, extractors=args.extractor or EXTRACTORS)
    print(report(scores, args.failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
