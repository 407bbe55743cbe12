"""Theme: what a brand's stylesheets say about its fonts and colours, for the site's own tools.

Input: the brand's screen stylesheets, base first (`Layouts.stylesheets("screen")`), and its
brand.toml settings (`Layouts.settings`). Output: a `Theme`: the `@font-face` faces of its
`fonts.css` files and of brand.toml's [fonts.faces] (the same faces print uses, so web pages, PDFs
and social cards share one set of fonts) and the custom properties of `:root` and `html:lang(…)`
rules (colours and font stacks), in cascade order: base, the brand's CSS, then brand.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import tinycss2
from fontTools.ttLib import TTLibError
from PIL import ImageColor

from ..brand import FONTS_CSS, BrandFace, FontFaceRule, arabic_only, font_face_rules
from ..confine import contained_file, outside
from ..errors import ConfigError
from ..fontfiles import codepoints as font_codepoints
from ..model import SourceLocation
from ..render import Layouts

_LANG_RULE = re.compile(r"^(?:html)?:lang\(\s*([A-Za-z0-9-]+)\s*\)$")


@dataclass(frozen=True, slots=True)
class Face(BrandFace):
    """One face of a brand (declared in brand.toml or by an `@font-face` of fonts.css), with what the
    site needs to subset it: the script group it serves and the characters it has."""

    group: str = "latn"
    """The script group the face serves: "arab" for Arabic-only faces, else "latn"."""
    codepoints: frozenset[int] = field(default=frozenset(), repr=False)
    """Every code point the font has a glyph for."""

    @property
    def stem(self) -> str:
        return self.path.stem


@dataclass(frozen=True, slots=True)
class Theme:
    """A brand's faces and custom properties."""

    brand: str
    """The brand's name (its folder under layouts/)."""
    faces: tuple[Face, ...]
    """Declared faces, later declarations of a family, weight and style replacing earlier ones."""
    properties: dict[str, str]
    """Custom properties of `:root`, e.g. {"--color-accent": "#b3261e"}."""
    lang_properties: dict[str, dict[str, str]]
    """Custom properties of `html:lang(xx)` rules, by language."""

    def value(self, name: str, lang: str | None = None) -> str | None:
        """Return a custom property's value for a language, falling back to `:root`."""
        if lang is not None:
            for code in (lang, lang.split("-")[0]):
                if name in self.lang_properties.get(code, {}):
                    return self.lang_properties[code][name]
        return self.properties.get(name)

    def color(self, name: str, default: str) -> tuple[int, int, int]:
        """Return a colour custom property as RGB (any CSS colour Pillow understands)."""
        value = self.value(name) or default
        try:
            return ImageColor.getrgb(value)[:3]
        except ValueError:
            return ImageColor.getrgb(default)[:3]

    def font_stack(self, name: str, lang: str | None = None) -> list[str]:
        """Return the families of a font-stack custom property (`--font-heading`), in order."""
        value = self.value(name, lang) or ""
        families = [part.strip().strip("\"'") for part in value.split(",")]
        return [f for f in families if f] or sorted({face.family for face in self.faces})

    def face(self, family: str, weight: int = 400, style: str = "normal") -> Face | None:
        """Return the closest declared face of a family (exact style first, then nearest weight)."""
        candidates = [f for f in self.faces if f.family == family]
        if not candidates:
            return None
        return min(candidates, key=lambda f: (f.style != style, abs(f.weight - weight)))

    @property
    def groups(self) -> list[str]:
        """Return the script groups of the faces, "latn" first."""
        return sorted({f.group for f in self.faces}, key=lambda g: (g != "latn", g))


def load_theme(layouts: Layouts) -> Theme:
    """Read a brand's faces and custom properties from its screen stylesheets."""
    faces: dict[tuple[str, int, str], Face] = {}
    properties: dict[str, str] = {}
    lang_properties: dict[str, dict[str, str]] = {}
    settings = layouts.settings
    for declared in settings.faces:  # [fonts.faces] of brand.toml
        face = _file_face(declared.family, declared.weight, declared.style, declared.path)
        faces[(face.family, face.weight, face.style)] = face
    for css in layouts.stylesheets("screen"):
        display = layouts.project.relative(css)
        text = contained_file(css, layouts.project.root).read_text(encoding="utf-8")
        if css.name == FONTS_CSS:
            for declared_rule in font_face_rules(text):
                face = _face(declared_rule, css, display, layouts.project.root)
                if face is not None:
                    faces[(face.family, face.weight, face.style)] = face
        rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
        for rule in rules:
            if rule.type == "qualified-rule":
                selector = tinycss2.serialize(rule.prelude).strip()
                if selector == ":root":
                    properties.update(_custom_properties(rule))
                elif match := _LANG_RULE.match(selector):
                    lang_properties.setdefault(match.group(1), {}).update(_custom_properties(rule))
    # brand.toml's colours and stacks come after the stylesheets in every page, so they win.
    properties.update(settings.properties())
    for lang, values in settings.lang_properties().items():
        lang_properties.setdefault(lang, {}).update(values)
    return Theme(layouts.brand, tuple(faces.values()), properties, lang_properties)


def _custom_properties(rule: tinycss2.ast.QualifiedRule) -> dict[str, str]:
    found = {}
    for declaration in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True):
        if declaration.type == "declaration" and declaration.name.startswith("--"):
            found[declaration.name] = tinycss2.serialize(declaration.value).strip()
    return found


def _face(rule: FontFaceRule, css: Path, display: Path, root: Path) -> Face | None:
    """Turn one @font-face rule into a Face; a rule without a local font file is skipped."""
    if not rule.local:
        return None
    url, family = rule.url, rule.family
    path = css.parent / url
    location = SourceLocation(display, rule.line)
    if not path.is_file():
        raise ConfigError(f'font file "{url}" of "{family}" not found', location, hint="fonts live in fonts/")
    if outside(path, root):  # the web build would subset and publish it
        raise ConfigError(
            f'font file "{url}" of "{family}" is outside the project: refused', location, hint="fonts live in fonts/"
        )
    path = contained_file(path, root).resolve()
    try:
        return _file_face(family, rule.weight, rule.style, path)
    except (TTLibError, OSError) as exc:
        raise ConfigError(f'cannot read font file "{url}": {exc}', location) from None


def _file_face(family: str, weight: int, style: str, path: Path) -> Face:
    """Read a font file's code points into a Face."""
    codepoints = font_codepoints(path)
    group = "arab" if arabic_only(codepoints) else "latn"
    return Face(family=family, path=path, weight=weight, style=style, group=group, codepoints=codepoints)
