"""Check: a parsed `Document` → the problems a reader would see that the parser cannot.

- Script: a language file whose text is in another script than its name says (an English
  text saved as ar.md is laid out right to left, with Arabic fonts first).
- Glyphs: a character no bundled font can draw would print as an empty box; it is an error
  naming the line, found here before WeasyPrint draws the box.
- Title headings: a `#` heading in the body makes a second title (the title comes from front
  matter) that the contents leave out; a warning at its line.
- Contrast: a brand's colours too faint on their background to read (WCAG AA), a warning at the
  brand.toml line that sets them (`brand_contrast`).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .direction import is_arabic
from .errors import ConfigError, SourceError
from .model import Document, Heading, SourceLocation
from .sourcedate import last_commit_time

logger = logging.getLogger(__name__)

# Characters that are never drawn: spaces, controls, format characters (ZWJ, bidi marks…).
_INVISIBLE = {"Zs", "Zl", "Zp", "Cc", "Cf"}
_ARABIC_SCRIPT_LANGS = {"ar", "fa", "ur", "ps", "ckb", "sd", "ug"}


@dataclass(frozen=True, slots=True)
class Coverage:
    """The characters the project's bundled fonts can draw."""

    chars: frozenset[int]
    """Code points present in the cmap of at least one font in fonts/."""

    @classmethod
    def of_fonts(cls, fonts_dir: Path) -> Coverage:
        """Read the character maps of every font file in a folder."""
        from .fontfiles import codepoints

        chars: set[int] = set()
        for path in sorted(fonts_dir.glob("*")):
            if path.suffix.lower() in (".ttf", ".otf", ".woff", ".woff2"):
                chars.update(codepoints(path))
        return cls(frozenset(chars))


def check_document(doc: Document, coverage: Coverage, display: Path) -> None:
    """Raise a SourceError for the first problem a reader would see."""
    check_script(doc, display)
    check_glyphs(doc, coverage, display)
    warn_title_headings(doc, display)


def warn_title_headings(doc: Document, display: Path) -> None:
    """Warn about each `#` heading in the body: the page would have two titles, and the contents skip it."""
    for heading in doc.headings:
        if heading.level == 1:
            logger.warning(
                "%s: a # heading in the body (%s): the title comes from the front matter (title:); "
                "use ## for a section",
                SourceLocation(display, heading.line),
                heading.text,
            )


def check_script(doc: Document, display: Path) -> None:
    """Refuse a language file whose letters are mostly in another script than its language's."""
    text = doc.source.meta.title + "\n" + doc.source.body
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 40:
        return
    arabic = sum(1 for c in letters if is_arabic(c)) / len(letters)
    expects_arabic = doc.source.lang.split("-")[0] in _ARABIC_SCRIPT_LANGS
    if expects_arabic and arabic < 0.2:
        found = "Latin"
    elif not expects_arabic and arabic > 0.6:
        found = "Arabic"
    else:
        return
    raise SourceError(
        f"{doc.source.path.name} is mostly in {found} script, not the script of its language",
        SourceLocation(display, doc.source.body_line),
        hint="check the file is named after the language it is written in (en.md, ar.md, fr.md)",
    )


def check_glyphs(doc: Document, coverage: Coverage, display: Path) -> None:
    """Refuse a character that no bundled font has, naming its line."""
    meta = doc.source.meta
    used = set("".join(filter(None, [meta.title, meta.subtitle, meta.summary, *meta.authors, doc.source.body])))
    missing = sorted(c for c in used if ord(c) not in coverage.chars and unicodedata.category(c) not in _INVISIBLE)
    if not missing:
        return
    char = missing[0]
    # Only on failure: find where the writer typed it (front matter or body).
    lines = doc.source.path.read_text(encoding="utf-8").split("\n")
    line = next((n for n, text in enumerate(lines, start=1) if char in text), None)
    name = unicodedata.name(char, "unnamed character")
    more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
    raise SourceError(
        f"no bundled font can draw “{char}” (U+{ord(char):04X} {name}){more}: it would print as a box",
        SourceLocation(display, line),
        hint="replace or remove the character, or add a font that has it to fonts/ "
        "and to the layout's @font-face rules",
    )


CONTRAST_PAIRS = (
    ("text", "background", 4.5, "running text"),
    ("muted", "background", 4.5, "dates, bylines and captions"),
    ("text", "tint", 4.5, "the text of ::: key and ::: note boxes"),
    ("text", "band", 4.5, "the web page's header and footer"),
    ("accent", "background", 3.0, "headings (large text)"),
)
"""Colours drawn on one another, the contrast WCAG AA asks of them (4.5:1 for text, 3:1 for large
text) and what they paint. Print pages are white: `background` is also the paper."""

_CSS_COLOR = re.compile(r"--color-([a-z]+)\s*:\s*([^;}]+)")


def brand_contrast(dirs: Sequence[Path], colors: dict[str, str], project_root: Path) -> list[str]:
    """Return a warning for each pair of a brand's colours below WCAG AA contrast, at the brand.toml line.

    `dirs` are the brand's layout folders (most specific first) and `colors` its brand.toml
    colours; a colour no brand.toml sets is the stylesheets' (`--color-<name>` in css/). Pairs
    whose colours no brand.toml sets, or that are translucent, are left alone.
    """
    from .brand import BRAND_FILE, _parse_color
    from .config import key_line
    from .confine import contained_file

    values: dict[str, str] = {}
    for folder in reversed(dirs):
        for css in sorted((folder / "css").glob("*.css")):
            try:  # a FIFO or a link out of the project is not read here; the build refuses it by name
                css = contained_file(css, project_root)
            except ConfigError:
                continue
            for name, value in _CSS_COLOR.findall(css.read_text(encoding="utf-8")):
                parsed = _parse_color(value)
                if parsed:
                    values[name] = parsed
    values |= colors
    warnings = []
    for front, back, needed, what in CONTRAST_PAIRS:
        setter = _color_setter(dirs, front, BRAND_FILE) or _color_setter(dirs, back, BRAND_FILE)
        one, two = values.get(front, ""), values.get(back, "")
        if setter is None or not one.startswith("#") or not two.startswith("#"):
            continue
        ratio = contrast_ratio(one, two)
        if ratio < needed:
            path, key = setter
            text = path.read_text(encoding="utf-8")
            display = path.relative_to(project_root) if path.is_relative_to(project_root) else path
            warnings.append(
                f"{SourceLocation(display, key_line(text, key))}: colors.{front} {one} on colors.{back} {two} "
                f"has a contrast of {ratio:.2f}:1, below the {needed:g}:1 WCAG AA asks for {what}: "
                f"darken one or lighten the other"
            )
    return warnings


def _color_setter(dirs: Sequence[Path], name: str, file_name: str) -> tuple[Path, str] | None:
    """Return the most specific brand.toml that sets a colour, and its key."""
    import tomllib

    for folder in dirs:
        path = folder / file_name
        if not path.is_file():
            continue
        try:
            colors = tomllib.loads(path.read_text(encoding="utf-8")).get("colors", {})
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if isinstance(colors, dict) and name in colors:
            return path, f"colors.{name}"
    return None


def contrast_ratio(one: str, two: str) -> float:
    """Return the WCAG contrast ratio of two #rrggbb colours, from 1 (same) to 21 (black on white)."""

    def luminance(color: str) -> float:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        red, green, blue = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def compare_translations(docs: list[Document], project_root: Path) -> list[str]:
    """Report where translations drifted from their original: headings, element counts, and age.

    Every language file but the original is compared with it, drafts and reviewed ones alike.
    The original is the file a translation names (`original: en`), else the one file that is
    marked neither `translation:` nor `original:` (the first, in the order given, when several are).
    Returns warnings, each naming files and lines; they never stop a build.
    """
    by_lang = {doc.source.lang: doc for doc in docs}
    unmarked = [d for d in docs if not d.source.meta.translation and not d.source.meta.original]
    named = [by_lang[d.source.meta.original] for d in docs if d.source.meta.original in by_lang]
    default = named[0] if named else unmarked[0] if unmarked else None
    warnings: list[str] = []
    for doc in docs:
        meta = doc.source.meta
        original = by_lang.get(meta.original or "") or default
        if original is None or original is doc or (doc in unmarked and original is not default):
            continue
        here, there = _display(doc, project_root), _display(original, project_root)
        warnings += _heading_drift(doc, original, here, there)
        kinds = dict.fromkeys(kind for kind, _ in (*original.marks, *doc.marks) if not kind.startswith("heading"))
        for kind in kinds:
            mine = [line for k, line in doc.marks if k == kind]
            theirs = [line for k, line in original.marks if k == kind]
            if len(mine) == len(theirs):
                continue
            name = _plural(kind)
            if len(mine) > len(theirs):
                where = f"{here}:{mine[len(theirs)]}"
                warnings.append(
                    f"{where}: {len(mine)} {name} where {there} has {len(theirs)}: this one has no counterpart"
                )
            else:
                where = f"{there}:{theirs[len(mine)]}"
                warnings.append(
                    f"{here}: {len(mine)} {name} where {there} has {len(theirs)}: {where} has no counterpart"
                )
        age = _age(doc.source.path), _age(original.source.path)
        if age[0] and age[1] and age[0][0] < age[1][0]:
            warnings.append(
                f"{here}: older than its original {there} (by {age[0][1]}): the original may have changed since"
            )
    return warnings


def align_headings(
    mine: Sequence[Heading], theirs: Sequence[Heading], sizes: tuple[Sequence[int], Sequence[int]] | None = None
) -> list[tuple[Heading | None, Heading | None]]:
    """Pair a translation's headings with its original's, by level, order and length (texts differ by language).

    The cheapest edit turning one outline into the other: a heading missing, extra or at another
    level costs one each. Pairing two sections of very different lengths (`sizes`: the visible
    characters under each heading) costs up to two, beyond the spread translation brings (about
    30 %): so when a `##` section is left out, the sections after it pair with their own
    translations rather than each with the one before. Returns (translation's, original's) pairs
    in order, None where one side has no counterpart.
    """
    n, m = len(mine), len(theirs)
    ours_size, their_size = sizes or ([0] * n, [0] * m)
    cost = [[float(i + j) if i == 0 or j == 0 else 0.0 for j in range(m + 1)] for i in range(n + 1)]
    step = [["mine" if j == 0 else "theirs" for j in range(m + 1)] for i in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            change = mine[i - 1].level != theirs[j - 1].level
            spread = abs(math.log((ours_size[i - 1] + 10) / (their_size[j - 1] + 10)))
            length = min(2.0, 2 * max(0.0, spread - 0.3))
            cost[i][j], step[i][j] = min(
                (cost[i - 1][j - 1] + change + length, "both"),
                (cost[i - 1][j] + 1, "mine"),
                (cost[i][j - 1] + 1, "theirs"),
            )
    pairs: list[tuple[Heading | None, Heading | None]] = []
    i, j = n, m
    while i or j:
        if step[i][j] == "both":
            pairs.append((mine[i - 1], theirs[j - 1]))
            i, j = i - 1, j - 1
        elif step[i][j] == "theirs":
            pairs.append((None, theirs[j - 1]))
            j -= 1
        else:
            pairs.append((mine[i - 1], None))
            i -= 1
    return pairs[::-1]


def section_sizes(doc: Document) -> list[int]:
    """Return the number of visible characters under each heading of a document, up to the next one."""
    lines = doc.source.body.split("\n")
    starts = [h.line - doc.source.body_line for h in doc.headings]
    ends = [*starts[1:], len(lines)][: len(starts)]
    return [sum(len("".join(line.split())) for line in lines[a + 1 : b]) for a, b in zip(starts, ends, strict=True)]


def _heading_drift(doc: Document, original: Document, here: Path, there: Path) -> list[str]:
    """Name every heading missing from, extra in, or at another level in a translation, with both files' lines."""
    warnings = []
    last: tuple[Heading | None, Heading | None] = (None, None)  # the last pair with both sides
    sizes = (section_sizes(doc), section_sizes(original))
    for ours, theirs in align_headings(doc.headings, original.headings, sizes):
        if ours is not None and theirs is not None:
            if ours.level != theirs.level:
                warnings.append(
                    f"{here}:{ours.line}: “{ours.text}” is a level-{ours.level} heading where its counterpart "
                    f"{there}:{theirs.line} “{theirs.text}” is level {theirs.level}"
                )
            last = (ours, theirs)
        elif theirs is not None:
            after = f"after {here}:{last[0].line} “{last[0].text}”" if last[0] else "before the first heading"
            warnings.append(
                f"{here}: no counterpart for the level-{theirs.level} heading {there}:{theirs.line} "
                f"“{theirs.text}”: it would come {after}"
            )
        elif ours is not None:
            after = f"after {there}:{last[1].line} “{last[1].text}”" if last[1] else "before the first heading"
            warnings.append(
                f"{here}:{ours.line}: the level-{ours.level} heading “{ours.text}” has no counterpart in {there} "
                f"(it comes {after})"
            )
    return warnings


def _display(doc: Document, root: Path) -> Path:
    path = doc.source.path
    return path.relative_to(root) if path.is_relative_to(root) else path


def _plural(kind: str) -> str:
    if kind.startswith("heading"):
        return f"level-{kind[7:]} headings"
    return {"list item": "list items", "signatories": "signatory blocks"}.get(kind, kind + "s")


def _age(path: Path) -> tuple[float, str] | None:
    """When a file last changed: its last commit when git knows it, else its modification time."""
    committed = last_commit_time(path)
    if committed is not None:
        return committed.timestamp(), "git history"
    try:
        return path.stat().st_mtime, "file time"
    except OSError:
        return None
