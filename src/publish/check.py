"""Check: a parsed `Document` → the problems a reader would see that the parser cannot.

- Script: a language file whose text is in another script than its name says (an English
  text saved as ar.md is laid out right to left, with Arabic fonts first).
- Glyphs: a character no bundled font can draw would print as an empty box; it is an error
  naming the line, found here before WeasyPrint draws the box.
- Title headings: a `#` heading in the body makes a second title (the title comes from front
  matter) that the contents leave out; a warning at its line.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .direction import is_arabic
from .errors import SourceError
from .model import Document, SourceLocation
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
        from fontTools.ttLib import TTFont

        chars: set[int] = set()
        for path in sorted(fonts_dir.glob("*")):
            if path.suffix.lower() in (".ttf", ".otf", ".woff", ".woff2"):
                with TTFont(path, lazy=True) as font:
                    chars.update(font.getBestCmap() or {})
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


def compare_translations(docs: list[Document], project_root: Path) -> list[str]:
    """Report where translations drifted from their original: element counts, and age.

    Returns warnings, each naming files and lines; they never stop a build.
    """
    by_lang = {doc.source.lang: doc for doc in docs}
    originals = [d for d in docs if not d.source.meta.translation]
    warnings: list[str] = []
    for doc in docs:
        meta = doc.source.meta
        if not meta.translation:
            continue
        original = by_lang.get(meta.original or "") or (originals[0] if originals else None)
        if original is None or original is doc:
            continue
        here, there = _display(doc, project_root), _display(original, project_root)
        # Headings together, in order: the first place their levels differ is where to look.
        mine_h = [m for m in doc.marks if m[0].startswith("heading")]
        theirs_h = [m for m in original.marks if m[0].startswith("heading")]
        for index, (a, b) in enumerate(zip([*mine_h, ("end", 0)], [*theirs_h, ("end", 0)], strict=False)):
            if a[0] != b[0]:
                ours = f"{here}:{a[1]} ({_plural(a[0])[:-1]})" if a[0] != "end" else f"the end of {here}"
                theirs = f"{there}:{b[1]} ({_plural(b[0])[:-1]})" if b[0] != "end" else f"the end of {there}"
                warnings.append(
                    f"{here}: headings differ from the original from heading {index + 1} on: {ours} against {theirs}"
                )
                break
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
