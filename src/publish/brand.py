"""Brand settings: `layouts/base/brand.toml`, then the brand's own → validated `BrandSettings`.

    name = "Half of Syria"            # the brand's name: the logo's text alternative
    logo = "logo.svg"                 # a file in the brand's folder (SVG, PNG or JPEG)
    digits = "arab"                   # Arabic documents number pages, notes and lists in ٠-٩
    page_size = "A4"                  # print: A5, letter, "170mm 240mm", "A4 landscape"…

    [colors]                          # CSS colours; each sets the variable --color-<name>
    accent = "#0b5d57"

    [fonts]                           # font stacks: families of fonts.css or of [fonts.faces]
    body = ["Noto Sans", "Noto Sans Arabic"]
    heading = ["Noto Serif", "Noto Naskh Arabic"]

    [fonts.faces]                     # more families, from font files in the project's fonts/
    "Noto Sans Display" = ["NotoSansDisplay-Regular.ttf", "NotoSansDisplay-Bold.ttf"]

    [fonts.arabic]                    # Arabic set beside another language (publish pair's column)
    body = ["Noto Naskh Arabic", "Noto Serif"]
    heading = ["Noto Sans Arabic", "Noto Sans"]

A brand's file sets only what differs from base; tables merge key by key. Every problem of every
file is reported at once, each with its file, line, key path and a hint. The settings become one
generated stylesheet (`BrandSettings.css`) that templates put after the layout's stylesheets, so
brand.toml wins over the CSS files; stacks are put Arabic faces first for Arabic documents, as
are [fonts.arabic]'s, which only PDFs use (--font-arabic-body, --font-arabic-heading).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tinycss2
from fontTools.ttLib import TTFont, TTLibError

from .config import Problem, Project, check_keys, did_you_mean, key_line, located_error, read_toml
from .i18n import Digits
from .model import SourceLocation

BRAND_FILE = "brand.toml"
FONTS_CSS = "fonts.css"

COLORS = {
    "text": "running text",
    "accent": "headings, links, rules and the social card",
    "muted": "dates, bylines, captions and notes",
    "background": "the web page",
    "band": "the web page's header and footer",
    "rule": "thin rules between list items on the web",
    "focus": "the keyboard focus ring on the web",
    "tint": "the background of ::: key and ::: note boxes",
}
"""The colours a brand may set, each the CSS variable --color-<name>, and what they paint."""

STACKS = ("body", "heading")
"""The font stacks a brand may set, each the CSS variable --font-<name>."""

_SCHEMA: dict[str, type] = {"name": str, "digits": str, "logo": str, "page_size": str, "colors": dict, "fonts": dict}
_FONT_SCHEMA: dict[str, type] = {"body": list, "heading": list, "faces": dict, "arabic": dict}
_STACK_SCHEMA: dict[str, type] = dict.fromkeys(STACKS, list)
_LOGO_TYPES = (".svg", ".png", ".jpg", ".jpeg")
_PAGE_NAMES = "a3|a4|a5|a6|b4|b5|jis-b4|jis-b5|letter|legal|ledger"
_LENGTH = r"\d+(?:\.\d+)?(?:mm|cm|in|pt)"
_PAGE_SIZE = re.compile(rf"^(?:(?:{_PAGE_NAMES})(?: (?:portrait|landscape))?|{_LENGTH} {_LENGTH})$", re.IGNORECASE)
_FAMILY = re.compile(r"^[^\"\\<>{};]+$")


@dataclass(frozen=True, slots=True)
class BrandFace:
    """A font face brand.toml declares: a family, one of its files in fonts/, its weight and style."""

    family: str
    """The CSS family name stacks use."""
    path: Path
    """The font file, inside the project's fonts/."""
    weight: int
    """CSS weight, read from the file (OS/2 usWeightClass)."""
    style: str
    """"normal" or "italic", read from the file."""


@dataclass(frozen=True, slots=True)
class BrandSettings:
    """What the brand.toml files of a brand set, base first, the brand's over it."""

    name: str
    """The brand's display name; the logo's text alternative."""
    digits: Digits = Digits.LATIN
    """Digits for Arabic documents' folios, contents, list numbers and note markers."""
    logo: Path | None = None
    """The logo file, in the brand's (or base's) folder."""
    page_size: str | None = None
    """The CSS page size of the PDFs ("A4", "170mm 240mm"), or None for the stylesheets' own."""
    colors: dict[str, str] = field(default_factory=dict)
    """Colours by name (text, accent…), as #rrggbb or rgba(…)."""
    fonts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Font stacks by name (body, heading), families in order."""
    faces: tuple[BrandFace, ...] = ()
    """Faces declared in [fonts.faces]."""
    arabic_fonts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Font stacks (body, heading) for Arabic set beside another language: the Arabic column of a pair."""
    arabic_families: frozenset[str] = frozenset()
    """Families whose fonts are made for Arabic: first in the stacks of Arabic documents."""

    def digits_for(self, lang: str) -> Digits:
        """Return the digits a document in `lang` uses: the brand's choice applies to Arabic only."""
        return self.digits if lang.split("-")[0] == "ar" else Digits.LATIN

    def properties(self) -> dict[str, str]:
        """Return the CSS custom properties of `:root`: colours and font stacks."""
        found = {f"--color-{name}": value for name, value in self.colors.items()}
        found |= {f"--font-{name}": _stack(families) for name, families in self.fonts.items()}
        return found

    def lang_properties(self) -> dict[str, dict[str, str]]:
        """Return the custom properties for Arabic documents: the same stacks, Arabic faces first."""
        arabic = {f"--font-{name}": self._arabic_first(families) for name, families in self.fonts.items()}
        return {"ar": arabic} if arabic else {}

    def arabic_properties(self) -> dict[str, str]:
        """Return the custom properties of [fonts.arabic]: --font-arabic-<name>, Arabic faces first."""
        return {f"--font-arabic-{name}": self._arabic_first(families) for name, families in self.arabic_fonts.items()}

    def _arabic_first(self, families: tuple[str, ...]) -> str:
        return _stack(sorted(families, key=lambda f: f not in self.arabic_families))

    def css(self, medium: str) -> str:
        """Return the stylesheet these settings make for "print" or "screen" (empty when none)."""
        rules = []
        if medium == "print":
            for face in self.faces:
                rules.append(
                    f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
                    f'font-style: {face.style}; src: url("{face.path.as_uri()}"); }}'
                )
            if self.page_size:
                rules.append(f"@page {{ size: {self.page_size}; }}")
        properties = self.properties()
        if medium == "print":  # only PDFs set Arabic beside another language (publish pair)
            properties |= self.arabic_properties()
        if properties:
            rules.append(":root { " + " ".join(f"{k}: {v};" for k, v in properties.items()) + " }")
        for lang, values in self.lang_properties().items():
            rules.append(f"html:lang({lang}) {{ " + " ".join(f"{k}: {v};" for k, v in values.items()) + " }")
        return "\n".join(rules)


def _stack(families: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f'"{family}"' for family in families)


def load_brand_settings(dirs: list[Path] | tuple[Path, ...], project: Project) -> BrandSettings:
    """Merge the brand.toml files of layout folders (most specific first), checking every value.

    Raises one ConfigError listing every problem of every file, each at its line.
    """
    declared = _declared_families(dirs)
    problems: list[tuple[SourceLocation, str, str | None]] = []
    merged: dict[str, Any] = {"colors": {}, "fonts": {}, "arabic_fonts": {}}
    faces: dict[str, list[BrandFace]] = {}
    for folder in reversed(dirs):
        path = folder / BRAND_FILE
        if not path.is_file():
            continue
        display = project.relative(path)
        data = read_toml(path, display)
        checked = _Check(folder, project, set(declared) | set(faces))
        checked.run(data)
        text = path.read_text(encoding="utf-8")
        problems += [(SourceLocation(display, key_line(text, p.key)), p.message, p.hint) for p in checked.problems]
        faces |= checked.faces
        for key, value in checked.values.items():
            if key in ("colors", "fonts", "arabic_fonts"):
                merged[key] |= value
            else:
                merged[key] = value
    if problems:
        raise located_error(problems)
    all_faces = tuple(face for family in faces.values() for face in family)
    arabic = {family for family, paths in declared.items() if paths and all(_is_arabic(p) for p in paths)}
    arabic |= {family for family, found in faces.items() if all(_is_arabic(f.path) for f in found)}
    return BrandSettings(
        name=merged.get("name", "publish"),
        digits=Digits(merged.get("digits", Digits.LATIN.value)),
        logo=merged.get("logo"),
        page_size=merged.get("page_size"),
        colors=merged["colors"],
        fonts=merged["fonts"],
        arabic_fonts=merged["arabic_fonts"],
        faces=all_faces,
        arabic_families=frozenset(arabic),
    )


class _Check:
    """Checks one brand.toml: collects its problems (key path, message, hint) and its good values."""

    def __init__(self, folder: Path, project: Project, families: set[str]):
        self.folder, self.project, self.families = folder, project, families
        self.problems: list[Problem] = []
        self.values: dict[str, Any] = {}
        self.faces: dict[str, list[BrandFace]] = {}

    def problem(self, key: str, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(key, message, hint))

    def run(self, data: dict[str, Any]) -> None:
        self.problems += check_keys(data, _SCHEMA)
        good = {k: v for k, v in data.items() if isinstance(v, _SCHEMA.get(k, type(None)))}
        if "name" in good:
            self.values["name"] = good["name"]
        if "digits" in good:
            if good["digits"] in {d.value for d in Digits}:
                self.values["digits"] = good["digits"]
            else:
                self.problem(
                    "digits",
                    f'"digits" must be "latn" or "arab", not {good["digits"]!r}',
                    'digits = "latn" writes 0-9, digits = "arab" writes ٠-٩ (Arabic documents only)',
                )
        if "logo" in good:
            self.logo(good["logo"])
        if "page_size" in good:
            size = good["page_size"].strip()
            if _PAGE_SIZE.match(size):
                self.values["page_size"] = size
            else:
                self.problem(
                    "page_size",
                    f'"page_size" is not a page size: {good["page_size"]!r}',
                    'write a size name such as "A4", "A5", "letter", "A4 landscape", or two lengths: "170mm 240mm"',
                )
        if "colors" in good:
            self.colors(good["colors"])
        if "fonts" in good:
            self.fonts(good["fonts"])

    def logo(self, name: str) -> None:
        path = (self.folder / name).resolve()
        here = self.project.relative(self.folder)
        if not path.is_relative_to(self.folder.resolve()):
            self.problem("logo", f'"logo" must be a file in {here}/, not {name!r}', f"copy it into {here}/")
        elif not path.is_file():
            self.problem(
                "logo",
                f'"logo" file {here}/{name} not found',
                f'put the logo in {here}/ and give its file name, e.g. logo = "logo.svg"',
            )
        elif path.suffix.lower() not in _LOGO_TYPES:
            self.problem("logo", f'"logo" must be an SVG, PNG or JPEG file, not {path.name}')
        elif path.suffix.lower() == ".svg" and not _is_svg(path):
            self.problem(
                "logo", f"{here}/{name} is not a well-formed SVG file", "open it in a browser or an SVG editor to see"
            )
        else:
            self.values["logo"] = path

    def colors(self, table: dict[str, Any]) -> None:
        self.problems += check_keys(table, dict.fromkeys(COLORS, str), "colors.")
        found = {}
        for name, value in table.items():
            if name not in COLORS or not isinstance(value, str):
                continue
            rgba = _parse_color(value)
            if rgba is None:
                self.problem(
                    f"colors.{name}",
                    f'"colors.{name}" is not a colour: {value!r}',
                    'write a CSS colour such as "#b3261e", "rgb(179, 38, 30)" or "darkred"',
                )
            else:
                found[name] = rgba
        self.values["colors"] = found

    def fonts(self, table: dict[str, Any]) -> None:
        self.problems += check_keys(table, _FONT_SCHEMA, "fonts.")
        faces = table.get("faces")
        if isinstance(faces, dict):
            self.font_faces(faces)
        self.values["fonts"] = self.stacks(table, "fonts")
        arabic = table.get("arabic")
        if isinstance(arabic, dict):
            self.problems += check_keys(arabic, _STACK_SCHEMA, "fonts.arabic.")
            self.values["arabic_fonts"] = self.stacks(arabic, "fonts.arabic")

    def stacks(self, table: dict[str, Any], prefix: str) -> dict[str, tuple[str, ...]]:
        """Return the good font stacks (body, heading) of a table, each family one declared."""
        stacks: dict[str, tuple[str, ...]] = {}
        families = self.families | set(self.faces)
        for name in STACKS:
            stack = table.get(name)
            if not isinstance(stack, list):
                continue
            key = f"{prefix}.{name}"
            bad = [f for f in stack if not isinstance(f, str) or not _FAMILY.match(f)]
            if bad or not stack:
                self.problem(key, f'"{key}" must list font family names, e.g. ["Noto Serif", "Noto Naskh Arabic"]')
                continue
            unknown = [f for f in stack if f not in families]
            for family in unknown:
                self.problem(
                    key,
                    f'"{key}" names the font family "{family}", which no fonts.css or [fonts.faces] declares',
                    did_you_mean(family, sorted(families)) or "declare it under [fonts.faces] with its font files",
                )
            if not unknown:
                stacks[name] = tuple(stack)
        return stacks

    def font_faces(self, table: dict[str, Any]) -> None:
        fonts_dir = self.project.fonts_dir.resolve()
        available = sorted(p.name for p in fonts_dir.glob("*") if p.suffix.lower() in (".ttf", ".otf"))
        for family, files in table.items():
            key = f"fonts.faces.{family}"
            quoted = f'fonts.faces."{family}"'
            if not _FAMILY.match(family):
                self.problem(key, f"{quoted}: a family name cannot contain quotes, <, >, braces or semicolons")
                continue
            if isinstance(files, str):
                files = [files]
            if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
                self.problem(key, f'{quoted} must list font files in fonts/, e.g. ["NotoSans-Regular.ttf"]')
                continue
            found = []
            for name in files:
                path = (fonts_dir / name).resolve()
                if not path.is_relative_to(fonts_dir) or not path.is_file():
                    self.problem(
                        key,
                        f'{quoted} names "{name}", which is not a font file in fonts/',
                        did_you_mean(name, available) or f"put the font file in fonts/ (it has {', '.join(available)})",
                    )
                    continue
                try:
                    font = TTFont(path, lazy=True)
                    weight = int(font["OS/2"].usWeightClass)
                    italic = bool(font["head"].macStyle & 2) or bool(font["OS/2"].fsSelection & 1)
                except (TTLibError, KeyError, OSError) as exc:
                    self.problem(key, f"{quoted}: cannot read fonts/{name}: {exc}", "use a TrueType or OpenType file")
                    continue
                found.append(BrandFace(family, path, weight, "italic" if italic else "normal"))
            if found and len(found) == len(files):
                self.faces[family] = found


def _parse_color(value: str) -> str | None:
    """Return a CSS colour as #rrggbb (or rgba(…) when translucent), or None when it is not one."""
    try:
        from tinycss2 import color4 as colors
    except ImportError:  # tinycss2 < 1.3
        from tinycss2 import color3 as colors  # type: ignore[no-redef]
    parsed = colors.parse_color(value.strip())
    if parsed is None or isinstance(parsed, str):  # None, or "currentColor"
        return None
    if hasattr(parsed, "to"):  # color4 colours: any space → sRGB
        red, green, blue = parsed.to("srgb").coordinates
        alpha = parsed.alpha
    else:
        red, green, blue, alpha = parsed
    channels = [round(max(0.0, min(1.0, c)) * 255) for c in (red, green, blue)]
    if alpha < 1:
        return f"rgba({channels[0]}, {channels[1]}, {channels[2]}, {alpha:g})"
    return "#" + "".join(f"{c:02x}" for c in channels)


def _is_svg(path: Path) -> bool:
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return False
    return root.tag in ("svg", "{http://www.w3.org/2000/svg}svg")


@dataclass(frozen=True, slots=True)
class FontFaceRule:
    """What one `@font-face` rule of a stylesheet declares."""

    family: str
    url: str | None
    """Its first `src: url(…)`, as written (relative to the stylesheet), or None."""
    weight: int
    style: str
    line: int
    """The rule's line in the stylesheet."""

    @property
    def local(self) -> bool:
        """True when the font file is a file beside the stylesheet (not a URL or data)."""
        return self.url is not None and "://" not in self.url and not self.url.startswith("data:")


def font_face_rules(css_text: str) -> list[FontFaceRule]:
    """Read the `@font-face` rules of a stylesheet (a later declaration of a property wins, as in CSS)."""
    found = []
    for rule in tinycss2.parse_stylesheet(css_text, skip_comments=True, skip_whitespace=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "font-face":
            continue
        values: dict[str, list] = {}
        for declaration in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True):
            if declaration.type == "declaration":
                values[declaration.lower_name] = [
                    t for t in declaration.value if t.type not in ("whitespace", "comment")
                ]
        family = next((t.value for t in values.get("font-family", []) if t.type in ("string", "ident")), None)
        if family is not None:
            url = _first_url(values.get("src", []))
            weight, style = _weight(values.get("font-weight", [])), _style(values.get("font-style", []))
            found.append(FontFaceRule(family, url, weight, style, rule.source_line))
    return found


def _first_url(tokens: list) -> str | None:
    for token in tokens:
        if token.type == "url":
            return token.value
        if token.type == "function" and token.lower_name == "url":
            args = [a for a in token.arguments if a.type == "string"]
            if args:
                return args[0].value
    return None


def _weight(tokens: list) -> int:
    for token in tokens:
        if token.type == "number" and token.is_integer:
            return token.int_value
        if token.type == "ident":
            return 700 if token.lower_value == "bold" else 400
    return 400


def _style(tokens: list) -> str:
    for token in tokens:
        if token.type == "ident" and token.lower_value in ("italic", "oblique"):
            return "italic"
    return "normal"


def _declared_families(dirs: list[Path] | tuple[Path, ...]) -> dict[str, list[Path]]:
    """Return the families the layouts' fonts.css files declare, with their font files."""
    found: dict[str, list[Path]] = {}
    for folder in reversed(dirs):
        css = folder / "css" / FONTS_CSS
        if not css.is_file():
            continue
        for rule in font_face_rules(css.read_text(encoding="utf-8")):
            paths = found.setdefault(rule.family, [])
            if rule.local:
                paths.append((css.parent / rule.url).resolve())
    return found


def arabic_only(codepoints: Container[int]) -> bool:
    """Tell whether a font's characters make it an Arabic face: Arabic letters (alef) and no Latin ones (A)."""
    return 0x0627 in codepoints and ord("A") not in codepoints


def _is_arabic(path: Path) -> bool:
    """Tell whether a font file is made for Arabic (`arabic_only`)."""
    from .fontfiles import codepoints

    try:
        return arabic_only(codepoints(path))
    except (TTLibError, OSError):
        return False


__all__ = [
    "COLORS",
    "FONTS_CSS",
    "BrandFace",
    "BrandSettings",
    "FontFaceRule",
    "arabic_only",
    "font_face_rules",
    "load_brand_settings",
]
