"""Signatories: a data file of names → the signatory block of a statement (count line and list).

In the Markdown, where the list goes:

    ::: signatories file=signatories.csv individuals=948 sort=name
    :::

The CSV next to the briefing has a header row and these columns (only `name` is required):

    name, other_name, country, kind
    مزايا النسائية, Mazaya Women Org., Syria, organisation

Each name is isolated with its own direction and language, so a bilingual entry reads right in
every document. The count line ("Statement signed by 948 individuals and 27 organisations:")
comes from the layout's catalogs (`i18n.Strings`) with the language's plural forms (Arabic has six).
The list keeps the file's order, or `sort=name` sorts it with the Unicode Collation Algorithm.
"""

from __future__ import annotations

import csv
import gettext
import io
from dataclasses import dataclass
from pathlib import Path

from babel.numbers import format_decimal
from markdown_it.token import Token

from .direction import has_arabic, text_direction
from .errors import SourceError
from .i18n import Digits, Strings, locale_of, localize_digits
from .model import Direction, SourceLocation
from .tokens import block_token

KINDS = ("organisation", "individual")
COLUMNS = ("name", "other_name", "country", "kind")


@dataclass(frozen=True, slots=True)
class Signatory:
    """One name under a statement."""

    name: str
    """The name as the signatory writes it."""
    other_name: str = ""
    """The same name in another script, if any."""
    country: str = ""
    """Country or role, shown after the name."""
    kind: str = "organisation"
    """"organisation" or "individual"."""


def read_signatories(path: Path, display: Path) -> list[Signatory]:
    """Read a signatories CSV, reporting problems with its file and line."""
    if not path.is_file():
        raise SourceError(f"signatories file {display} not found", SourceLocation(display))
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text), skipinitialspace=True)
    unknown = [c for c in (reader.fieldnames or []) if c not in COLUMNS]
    if not reader.fieldnames or "name" not in reader.fieldnames or unknown:
        raise SourceError(
            f"signatories file needs a header row with the columns {', '.join(COLUMNS)} (name is required)"
            + (f"; unknown column {unknown[0]!r}" if unknown else ""),
            SourceLocation(display, 1),
        )
    people = []
    for row in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in row.items() if k in COLUMNS}
        if not values.get("name"):
            continue
        kind = values.get("kind") or "organisation"
        if kind not in KINDS:
            raise SourceError(
                f'kind must be "organisation" or "individual", not {kind!r}', SourceLocation(display, line)
            )
        people.append(Signatory(values["name"], values.get("other_name", ""), values.get("country", ""), kind))
    return people


def sort_by_name(people: list[Signatory]) -> list[Signatory]:
    """Sort names by the Unicode Collation Algorithm, never by code point."""
    import pyuca

    collator = pyuca.Collator()
    return sorted(people, key=lambda p: collator.sort_key(p.name.casefold()))


def count_line(
    organisations: int, individuals: int, lang: str, strings: Strings | None, digits: Digits, locale: str | None = None
) -> str:
    """Return the localised count line, with the language's plural forms (from its catalog) and its
    numbers as `locale` (publish.toml [locales]; `lang` by default) writes them."""
    if not isinstance(strings, Strings):  # parsed without a brand: the English messages
        strings = Strings(lang, gettext.NullTranslations())
    babel_locale = locale_of(locale or lang)

    def number(n: int) -> str:
        return localize_digits(format_decimal(n, locale=babel_locale), digits)

    # Translators: how many people signed a statement; %(n)s is the number.
    # Arabic has six forms, in Babel's order: [0] zero, [1] one, [2] two,
    # [3] few (3-10), [4] other (100-102), [5] many (11-99).
    people = strings.ngettext("%(n)s individual", "%(n)s individuals", individuals) % {"n": number(individuals)}
    # Translators: how many organisations signed a statement, as above.
    groups = strings.ngettext("%(n)s organisation", "%(n)s organisations", organisations) % {"n": number(organisations)}
    if individuals and organisations:
        # Translators: %(individuals)s and %(organisations)s are the phrases above.
        template = strings.gettext("Statement signed by %(individuals)s and %(organisations)s:")
    elif individuals:
        template = strings.gettext("Statement signed by %(individuals)s:")
    else:
        template = strings.gettext("Statement signed by %(organisations)s:")
    return template % {"individuals": people, "organisations": groups}


def signatory_tokens(people: list[Signatory], count: str, base: Direction) -> list[Token]:
    """Build the tokens of the signatory block: a count paragraph and the list of names."""
    tokens = [
        block_token("section_open", "section", 1, {"class": "signatories"}),
        block_token("p_open", "p", 1, {"class": "signatories-count"}),
        _inline(count),
        block_token("p_close", "p", -1),
    ]
    tokens.append(block_token("ul_open", "ul", 1, {"class": "signatory-list"}))
    for person in people:
        children: list[Token] = []
        children += _isolated(person.name, base)
        if person.other_name:
            children.append(Token("text", "", 0, content=" – "))
            children += _isolated(person.other_name, base)
        if person.country:
            children.append(Token("text", "", 0, content=" ("))
            children += _isolated(person.country, base)
            children.append(Token("text", "", 0, content=")"))
        item = block_token("li_open", "li", 1, {"class": f"signatory signatory-{person.kind}"})
        # Names are data: typography rules (French spacing before "!") do not apply to them.
        inline = Token("inline", "", 0, children=children, content=person.name, meta={"verbatim": True})
        tokens += [item, inline, block_token("li_close", "li", -1)]
    tokens += [block_token("ul_close", "ul", -1), block_token("section_close", "section", -1)]
    return tokens


def _isolated(text: str, base: Direction) -> list[Token]:
    """A name in its own direction and, when Arabic, its own language."""
    direction = text_direction(text) or base
    if direction is base:
        return [Token("text", "", 0, content=text)]
    bdi = Token("bdi_open", "bdi", 1)
    bdi.attrSet("dir", direction.value)
    if has_arabic(text):
        bdi.attrSet("lang", "ar")
    return [bdi, Token("text", "", 0, content=text), Token("bdi_close", "bdi", -1)]


def _inline(text: str) -> Token:
    return Token("inline", "", 0, children=[Token("text", "", 0, content=text)], content=text)
