"""Locale data for layouts: language names, dates and UI strings, all per language, via Babel.

The locale is always passed to Babel explicitly; the process locale is never changed.

UI strings ("Contents", "Download PDF", the signatories' count line…) are gettext messages. Templates
mark them with `_("…")`, `ngettext(…)` or `{% trans %}`; Python code with `strings.gettext(…)`.
Their translations live in catalogs, one per language and layout folder:

    layouts/base/locale/messages.pot                    every message (pybabel extract)
    layouts/<brand>/locale/<lang>/LC_MESSAGES/messages.po   translations (pybabel update)

A brand's catalog holds only the messages it words differently; the rest come from base, and a
message no catalog translates is shown as written (in English). The `.po` files are the only
source: publish compiles them with Babel in memory when it loads them, once per process for each
catalog's content (`.mo` files are build output, never read or tracked), leaving out fuzzy entries
as `pybabel compile` does; a broken entry is an error naming the `.po` file and line.
"""

from __future__ import annotations

import datetime
import enum
import functools
import gettext
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context

from .errors import ConfigError
from .model import SourceLocation

LOCALE_DIR = "locale"
"""A layout folder's catalogs: locale/<lang>/LC_MESSAGES/messages.po, and base's messages.pot."""
DOMAIN = "messages"
"""The gettext domain: one catalog file per language and layout folder."""


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


def catalog_path(layout_dir: Path, lang: str) -> Path:
    """Return where a layout folder keeps the catalog of a language."""
    return layout_dir / LOCALE_DIR / lang.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True, slots=True)
class Strings:
    """The UI strings of one language: gettext lookups through the brand's catalogs, then base's."""

    lang: str
    """The language the strings are for."""
    translations: gettext.NullTranslations
    """The compiled catalogs, most specific first, each falling back to the next."""
    texts: tuple[str, ...] = ()
    """Every translated text of the catalogs (all plural forms), for font subsetting."""

    def gettext(self, message: str) -> str:
        """Return the translation of a message, or the message itself."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Return the translation of a message in the plural form `n` takes in this language."""
        return self.translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """Return the translation of a message in a context (the same English words used twice)."""
        return self.translations.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        """Return the plural translation of a message in a context."""
        return self.translations.npgettext(context, singular, plural, n)

    def values(self) -> tuple[str, ...]:
        """Return every text these strings can show (translations, and messages left in English)."""
        return self.texts


def load_strings(layout_dirs: list[Path], lang: str, project_root: Path) -> Strings:
    """Load the UI strings of `lang` from the layout folders, most specific (the brand) first.

    Each folder may have a catalog for the language with its region (`ar_SY`) and without (`ar`).
    """
    codes = [lang, lang.split("-")[0]] if "-" in lang else [lang]
    chain: gettext.NullTranslations | None = None
    last: gettext.NullTranslations | None = None
    texts: list[str] = []
    for folder in layout_dirs:
        for code in codes:
            path = catalog_path(folder, code)
            if not path.is_file():
                continue
            compiled, catalog_texts = _compiled(path.read_bytes(), _display(path, project_root))
            # A new Translations each time: chaining fallbacks changes it, and chains differ by brand.
            translations = Translations(io.BytesIO(compiled), domain=DOMAIN)
            texts += catalog_texts
            if last is None:
                chain = translations
            else:
                last.add_fallback(translations)
            last = translations
    return Strings(lang, chain or gettext.NullTranslations(), tuple(dict.fromkeys(texts)))


@functools.lru_cache(maxsize=64)
def _compiled(data: bytes, display: Path) -> tuple[bytes, tuple[str, ...]]:
    """Return a catalog compiled as `pybabel compile` does (fuzzy entries left out), and its texts.

    Keyed by the `.po` file's content: a process (a build, `publish serve`, a build worker) reads
    and checks each catalog once, and again only when it changes.
    """
    catalog = read_catalog(data, display)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue(), tuple(_texts(catalog))


def read_catalog(data: bytes, display: Path) -> Catalog:
    """Read a .po catalog, reporting a syntax error or a broken entry with its file and line."""
    try:
        catalog = read_po(io.BytesIO(data), domain=DOMAIN, abort_invalid=True)
    except PoFileError as exc:
        raise ConfigError(
            f"invalid catalog entry: {str(exc).rsplit(' on ', 1)[0]}",
            SourceLocation(display, exc.lineno + 1),  # Babel counts lines from 0
            hint="check the quotes of msgid and msgstr lines; a tool such as Poedit keeps the format right",
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"cannot read catalog: {exc}", SourceLocation(display)) from None
    for message, errors in catalog.check():
        if errors:
            raise ConfigError(
                f'translation of "{message.id if isinstance(message.id, str) else message.id[0]}": {errors[0]}',
                SourceLocation(display, message.lineno),
                hint="keep the placeholders of the English text, such as %(n)s, in the translation",
            )
    return catalog


def _texts(catalog: Catalog) -> list[str]:
    texts: list[str] = []
    for message in catalog:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        translated = [s for s in strings if s]
        texts += translated or ([message.id] if isinstance(message.id, str) else list(message.id))
    return texts


def _display(path: Path, project_root: Path) -> Path:
    return path.relative_to(project_root) if path.is_relative_to(project_root) else path


# --- templates ------------------------------------------------------------------------------
# The template functions look up `strings` in the context they are called from, so a page that
# shows several languages can include a part with `{% with strings = other %}`. Jinja's
# i18n extension wraps them "newstyle": the result is escaped like any output and filled in with
# %(name)s placeholders: _("Original language: %(language)s", language=doc.original_name).


def _strings_of(context: Context) -> Strings:
    strings = context.get("strings")
    if not isinstance(strings, Strings):
        raise ValueError("this template has no `strings` for _(…); pass them in its context")
    return strings


@pass_context
def _gettext(context: Context, message: str) -> str:
    return _strings_of(context).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _strings_of(context).ngettext(singular, plural, n)


@pass_context
def _pgettext(context: Context, message_context: str, message: str) -> str:
    return _strings_of(context).pgettext(message_context, message)


@pass_context
def _npgettext(context: Context, message_context: str, singular: str, plural: str, n: int) -> str:
    return _strings_of(context).npgettext(message_context, singular, plural, n)


def install_gettext(env: Any) -> None:
    """Give a Jinja2 environment (with the i18n extension) `_`, gettext and friends over `strings`."""
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext)


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
