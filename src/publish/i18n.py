"""Locale data for layouts: language names, dates and UI strings, all per language, via Babel.

The locale is always passed to Babel explicitly; the process locale is never changed.
UI strings live in `layouts/<brand>/strings/<lang>.toml` (brand first, then base, then English).
"""

from __future__ import annotations

import datetime
import enum
import tomllib
from pathlib import Path

from babel import Locale
from babel.dates import format_date

from .errors import ConfigError
from .model import SourceLocation


def locale_of(lang: str) -> Locale:
    """Return Babel's locale for a BCP-47 language code."""
    return Locale.parse(lang.replace("-", "_"))


def language_name(lang: str) -> str:
    """Return the language's name in itself: English, العربية, Français."""
    name = locale_of(lang).get_display_name(locale_of(lang)) or lang
    return name[:1].upper() + name[1:]


def long_date(date: datetime.date | None, lang: str) -> str:
    """Format a date as the locale writes it in running text (26 novembre 2026)."""
    return format_date(date, "long", locale=locale_of(lang)) if date else ""


def load_strings(layout_dirs: list[Path], lang: str, project_root: Path) -> dict[str, str]:
    """Merge UI strings for `lang`: English defaults, then base, then the brand, most specific last.

    Tables (or dotted keys) are flattened: `signatories.individuals.one` is one key.
    """
    merged: dict[str, str] = {}
    for code in ("en", lang.split("-")[0], lang):
        for folder in reversed(layout_dirs):
            path = folder / "strings" / f"{code}.toml"
            if path.is_file():
                try:
                    merged.update(_flatten(tomllib.loads(path.read_text(encoding="utf-8"))))
                except tomllib.TOMLDecodeError as exc:
                    display = path.relative_to(project_root) if path.is_relative_to(project_root) else path
                    raise ConfigError(
                        f"invalid TOML: {exc}", SourceLocation(display, getattr(exc, "lineno", None))
                    ) from None
    return merged


def _flatten(table: dict[str, object], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


class Digits(enum.Enum):
    """Which digits a document's generated numbers use (folios, contents, lists, note markers)."""

    LATIN = "latn"
    """0123456789, the default everywhere."""
    ARABIC_INDIC = "arab"
    """٠١٢٣٤٥٦٧٨٩, for Arabic documents of brands that choose it."""

    @property
    def counter_style(self) -> str:
        """The CSS counter style that writes numbers in these digits."""
        return "arabic-indic" if self is Digits.ARABIC_INDIC else "decimal"


_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def localize_digits(text: str, digits: Digits) -> str:
    """Write the digits of `text` in the chosen digits."""
    return text.translate(_ARABIC_INDIC) if digits is Digits.ARABIC_INDIC else text
