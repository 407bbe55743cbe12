"""Web fonts: a brand's bundled fonts → WOFF2 subsets per language, and the stylesheets that load them.

Input: the brand's faces (`theme.Face`, from the same `fonts.css` print uses) and the text of the
site's pages. Output, under `assets/fonts/<brand>/`:

    <lang>/<group>.css          @font-face rules for one script group (latn, arab) of that
                                language's pages, each face subset to the characters those pages
                                use, with font-display: swap and a unicode-range
    <lang>/<Face>.<hash>.woff2  the subsets (hash of the content: a cached old subset that lacks
                                a character is never used by a page that needs it)
    names/<group>.css           tiny subsets with just the characters of the language names, so
                                an English page can show "العربية" in its language switcher
                                without loading the Arabic fonts

Pages load `latn` always and another group (`arab`) only when they contain that script: their
language, a language used in their body (`Document.languages`) or the script in their titles.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import hashlib
import io
import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import fontTools
import tinycss2
import uharfbuzz
from babel.core import get_global
from fontTools.ttLib import TTFont

from ..direction import has_arabic
from ..output import atomic_write_bytes, atomic_write_text
from .theme import Face, Theme

FONTS_DIR = "assets/fonts"
NAMES = "names"
DEFAULT_GROUP = "latn"
RECIPE = "3"
"""Bump when the subsetting options change, so cached subsets are made again."""

# Characters every subset keeps when the face has them, whatever the text: what browsers and the
# stylesheets may add (list numbers, quotes, French spaces), so a page rebuilt alone or a
# screen reader's generated text never meets a missing glyph.
_ALWAYS = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "\u00a0\u202f\u2009\u200c\u200d\u2010\u2011\u2013\u2014\u2018\u2019\u201c\u201d\u00ab\u00bb\u2026\u2022\u00b7"
    + "\u060c\u061b\u061f\u0640\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
)


def script_group(lang: str) -> str:
    """Return the font group of a language's script (Babel's likely subtags): "arab" or "latn"."""
    likely = get_global("likely_subtags").get(lang.replace("-", "_").split("_")[0], "")
    return "arab" if "_Arab" in likely else DEFAULT_GROUP


def text_groups(text: str) -> set[str]:
    """Return the font groups the characters of a text need."""
    return {"arab"} if has_arabic(text) else set()


def page_groups(langs: Iterable[str], texts: Iterable[str | None]) -> frozenset[str]:
    """Return the font groups a page loads in full: Latin always, plus its languages' and texts' scripts."""
    groups = {DEFAULT_GROUP} | {script_group(lang) for lang in langs}
    for text in texts:
        if text:
            groups |= text_groups(text)
    return frozenset(groups)


def font_stylesheets(brand: str, lang: str, groups: frozenset[str], name_groups: Iterable[str]) -> list[str]:
    """Return the site paths of the font stylesheets a page links, Latin first."""
    ordered = sorted(groups, key=lambda g: (g != DEFAULT_GROUP, g))
    paths = [f"{FONTS_DIR}/{brand}/{lang}/{group}.css" for group in ordered]
    paths += [f"{FONTS_DIR}/{brand}/{NAMES}/{group}.css" for group in sorted(set(name_groups) - groups)]
    return paths


@dataclass(frozen=True, slots=True)
class FontRequest:
    """What one set of subsets must cover: the faces of some groups, and the text they show."""

    folder: str
    """Site path of the folder the subsets and stylesheets go to (assets/fonts/<brand>/<lang>)."""
    groups: frozenset[str]
    """Script groups to write a stylesheet for."""
    text: str
    """Every character the pages served by these subsets show."""
    label: str
    """What the subsets are for, for the generated stylesheet's comment."""
    safety: bool = True
    """Keep the characters browsers and stylesheets may add (digits, quotes, spaces) as well."""


@dataclass(frozen=True, slots=True)
class Subset:
    """One WOFF2 subset of a face."""

    face: Face
    """The face it was cut from."""
    path: Path
    """Where it was written."""
    codepoints: frozenset[int]
    """The characters it keeps."""
    size: int
    """Its size in bytes."""


SubsetKey = tuple[Path, frozenset[int]]
"""A face's file and the characters a subset of it keeps."""


def subsets_needed(theme: Theme, request: FontRequest) -> list[tuple[str, Face, frozenset[int]]]:
    """Return (group, face, characters to keep) for each subset a request makes, in stylesheet order."""
    text = request.text + _ALWAYS if request.safety else request.text
    wanted = {ord(c) for c in text if not c.isspace() or c in " \u00a0\u202f\u2009"}
    needed = []
    for group in sorted(request.groups):
        for face in (f for f in theme.faces if f.group == group):
            keep = frozenset(wanted & face.codepoints)
            if keep:
                needed.append((group, face, keep))
    return needed


def write_fonts(
    theme: Theme,
    request: FontRequest,
    site_root: Path,
    cache: Path | None = None,
    made_already: dict[SubsetKey, bytes] | None = None,
) -> list[Subset]:
    """Subset the faces of the requested groups to the requested text; write them and their stylesheets.

    `made_already` holds subsets computed beforehand (in the build's workers); the others are made here.
    """
    folder = site_root / request.folder
    needed = subsets_needed(theme, request)
    made: list[Subset] = []
    for group in sorted(request.groups):
        rules = []
        for face, keep in ((face, keep) for g, face, keep in needed if g == group):
            data = (made_already or {}).get((face.path, keep))
            if data is None:
                data = cached_subset(face.path, keep, cache)
            name = f"{face.stem}.{hashlib.sha256(data).hexdigest()[:10]}.woff2"
            path = folder / name
            if not (path.is_file() and path.read_bytes() == data):
                atomic_write_bytes(path, data)
            made.append(Subset(face, path, keep, len(data)))
            rules.append(font_face_rule(face, name, keep))
        header = f"/* Generated by publish: {request.label}, {group} faces. Do not edit. */\n"
        atomic_write_text(folder / f"{group}.css", header + "".join(rules))
    _remove_stale(folder, {s.path.name for s in made})
    return made


def font_cache(default: Path) -> Path:
    """Return where subsets are cached: `default` (inside the build folder) unless $PUBLISH_CACHE says.

    A build reads and writes nothing outside the project unless told to; $PUBLISH_CACHE lets
    several projects (or a test session) share one cache, since subsets depend only on the font
    file and the characters.
    """
    if os.environ.get("PUBLISH_CACHE"):
        return Path(os.environ["PUBLISH_CACHE"]) / "fonts"
    return default


def cached_subset(path: Path, codepoints: frozenset[int], cache: Path | None) -> bytes:
    """Return a subset from the cache, making it when the font, the characters or fontTools changed."""
    if cache is None:
        return subset_font(path, codepoints)
    versions = f"{RECIPE}\0{uharfbuzz.__version__}\0{fontTools.version}"
    key = hashlib.sha256(f"{versions}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\0".encode())
    key.update(",".join(map(str, sorted(codepoints))).encode())
    # Named by what it is made from and by its own content: a file damaged in the cache (truncated,
    # overwritten) no longer matches its name, and is made again rather than published.
    prefix = f"{path.stem}.{key.hexdigest()[:32]}."
    for cached in sorted(cache.glob(f"{glob.escape(prefix)}*.woff2")):
        with contextlib.suppress(OSError):
            data = cached.read_bytes()
            if cached.name == f"{prefix}{hashlib.sha256(data).hexdigest()[:16]}.woff2":
                return data
            cached.unlink()
    data = subset_font(path, codepoints)
    with contextlib.suppress(OSError):  # a read-only cache only costs time
        atomic_write_bytes(cache / f"{prefix}{hashlib.sha256(data).hexdigest()[:16]}.woff2", data)
    return data


# HarfBuzz's subsetter (the one browsers' font tooling and WeasyPrint use) is several times faster
# than fontTools' pure-Python one and keeps the same OpenType shaping; fontTools then wraps the
# subset as WOFF2 (Brotli).
_SUBSET_FLAGS = (
    uharfbuzz.SubsetFlags.NO_HINTING  # browsers rasterise web fonts without TrueType hints; a third smaller
    | uharfbuzz.SubsetFlags.DESUBROUTINIZE
    | uharfbuzz.SubsetFlags.NOTDEF_OUTLINE
)
_NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)
"""Name records kept: the family and style, and the copyright and OFL licence fields."""


def subset_font(path: Path, codepoints: Iterable[int]) -> bytes:
    """Return a WOFF2 of a font keeping only the glyphs (and their OpenType shaping) for `codepoints`."""
    face = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path)))
    request = uharfbuzz.SubsetInput()
    request.unicode_set.update(codepoints)
    request.sets(uharfbuzz.SubsetInputSets.NAME_ID).update(_NAME_IDS)
    request.flags = _SUBSET_FLAGS
    made = uharfbuzz.subset(face, request)
    if made is None:
        raise ValueError(f"HarfBuzz could not subset {path.name}")
    # recalcTimestamp=False: fontTools would otherwise write the current time into head.modified,
    # and every release would get new font bytes and names. The subset keeps the date of the font
    # file it is cut from (HarfBuzz copies head), so the same font and text always give the same
    # bytes, whatever the date of the build, and browsers keep them cached from release to release.
    font = TTFont(io.BytesIO(made.blob.data), recalcTimestamp=False)
    try:
        font.flavor = "woff2"
        out = io.BytesIO()
        font.save(out, reorderTables=False)
    finally:
        font.close()
    return out.getvalue()


def font_face_rule(face: Face, url: str, codepoints: Iterable[int]) -> str:
    """Return the @font-face rule that loads a subset."""
    family = face.family.replace("\\", "\\\\").replace('"', '\\"')
    return (
        "@font-face {\n"
        f'  font-family: "{family}";\n'
        f"  font-style: {face.style};\n"
        f"  font-weight: {face.weight};\n"
        "  font-display: swap;\n"
        f'  src: url("{url}") format("woff2");\n'
        f"  unicode-range: {unicode_range(codepoints)};\n"
        "}\n"
    )


def unicode_range(codepoints: Iterable[int]) -> str:
    """Write code points as a CSS unicode-range, joining consecutive ones: U+20-7E, U+A0."""
    ranges: list[list[int]] = []
    for code in sorted(set(codepoints)):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in ranges)


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Remove subsets of earlier builds that no stylesheet of this build names any more."""
    for path in folder.glob("*.woff2"):
        if path.name not in keep:
            path.unlink()


class _Text(HTMLParser):
    """Collect what a page shows as text: text nodes outside head/script/style, and alt texts."""

    _HIDDEN = frozenset({"head", "script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        alt = dict(attrs).get("alt")
        if alt:
            self.parts.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


class _FontLinks(HTMLParser):
    """Collect the font stylesheets a page links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = dict(attrs)
        href = data.get("href") or ""
        if tag == "link" and data.get("rel") == "stylesheet" and f"{FONTS_DIR}/" in href:
            self.hrefs.append(href)


def font_sheets_of(html: str, page: str) -> list[str]:
    """Return the site paths of the font stylesheets a page links (assets/fonts/base/en/latn.css)."""
    parser = _FontLinks()
    parser.feed(html)
    parser.close()
    paths = []
    for href in parser.hrefs:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page), href))
        if path.startswith(f"{FONTS_DIR}/"):
            paths.append(path)
    return paths


def page_text(html: str) -> str:
    """Return the text a browser shows for a page's HTML."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def generated_text(stylesheets: Iterable[Path]) -> str:
    """Return the strings stylesheets add with `content:` (separators, quotes, labels)."""
    return "".join(_generated_text(path.read_text(encoding="utf-8")) for path in stylesheets)


@functools.lru_cache(maxsize=64)
def _generated_text(css: str) -> str:
    found: list[str] = []

    def walk(rules: list) -> None:
        for rule in rules:
            if rule.type == "qualified-rule":
                for declaration in tinycss2.parse_declaration_list(rule.content, skip_comments=True):
                    if declaration.type == "declaration" and declaration.lower_name == "content":
                        found.extend(t.value for t in declaration.value if t.type == "string")
            elif rule.type == "at-rule" and rule.content is not None:
                walk(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True))

    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return "".join(found)
