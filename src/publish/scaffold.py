"""Scaffold: `publish new <slug>` → a briefing folder that builds at once.

    briefings/<slug>/
      en.md  ar.md  fr.md     commented front matter and a first section, in each language
      briefing.toml           the brand, when one is chosen (--brand)

The placeholder text of each file is in its own language, from the layout's catalogs (so an
Arabic file passes the script check from the start); the comments explaining each front matter
key are in English, like the keys. Nothing is overwritten: an existing folder is an error.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from babel import UnknownLocaleError

from .config import LANGUAGE, Project, brand_folder, canonical_language, slug_problem
from .errors import ConfigError
from .i18n import Strings, language_name, locale_of
from .load import BRIEFING_CONFIG
from .render import load_layouts


@dataclass(frozen=True, slots=True)
class NewBriefing:
    """What `publish new` made."""

    folder: Path
    """The briefing's folder."""
    files: tuple[Path, ...]
    """The files written, language files first."""


def new_briefing(
    project: Project, slug: str, langs: list[str] | tuple[str, ...] = (), brand: str | None = None
) -> NewBriefing:
    """Create briefings/<slug>/ with a language file per language (default: the project's)."""
    if slug_problem(slug):
        raise ConfigError(slug_problem(slug), hint="e.g. idlib-statement-2026")
    folder = project.briefings_dir / slug
    if folder.exists():
        raise ConfigError(
            f"briefings/{slug} already exists",
            hint=f"choose another name, or edit the files in briefings/{slug}/",
        )
    langs = list(dict.fromkeys(langs or project.languages))
    for lang in langs:
        if not LANGUAGE.match(lang):
            raise ConfigError(
                f'"{lang}" is not a language code as BCP-47 writes it', hint=f"write {canonical_language(lang)}"
            )
        try:
            locale_of(lang)
        except (ValueError, LookupError, UnknownLocaleError):
            raise ConfigError(f'"{lang}" is not a language code', hint="give BCP-47 codes such as en, ar, fr") from None
    if brand is not None:
        brand_folder(project.layouts_dir, brand)  # a plain folder of layouts/, or an error
    layouts = load_layouts(project, brand or project.default_brand)
    today = datetime.date.today()
    texts = {lang: briefing_text(lang, langs[0], layouts.strings(lang), today) for lang in langs}
    folder.mkdir(parents=True)
    written = []
    for lang, text in texts.items():
        path = folder / f"{lang}.md"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    if brand is not None:
        path = folder / BRIEFING_CONFIG
        path.write_text(
            f"# Settings of every language of this briefing.\n"
            f'brand = "{brand}"                    # the look: a folder of layouts/\n'
            f'# languages = ["{langs[0]}"]             # build only these languages\n',
            encoding="utf-8",
        )
        written.append(path)
    return NewBriefing(folder, tuple(written))


def briefing_text(lang: str, original: str, strings: Strings, today: datetime.date) -> str:
    """Return a new language file: commented front matter, then a first section to write."""
    title = _placeholder(strings, lang, N_("New briefing"))
    subtitle = _placeholder(strings, lang, N_("A subtitle, under the title"))
    author = _placeholder(strings, lang, N_("An author"))
    summary = _placeholder(strings, lang, N_("One or two sentences for the list of briefings."))
    heading = _placeholder(strings, lang, N_("First section"))
    text = _placeholder(strings, lang, N_("Write the text of the briefing here."))
    translated = lang != original
    lines = [
        "---",
        "# Front matter: what publish needs to know about this text. Lines starting with # are",
        "# comments; remove the # in front of a key to use it. The text follows the second ---.",
        _line(f"title: {_yaml(title)}", "required"),
        _line(f"# subtitle: {_yaml(subtitle)}", "a line under the title"),
        _line(f"date: {today.isoformat()}", "printed as this language writes dates"),
        _line(f"# authors: [{_yaml(author)}]", "people or organisations, in order"),
        _line(f"# summary: {_yaml(summary)}", "the site's list of briefings, the PDF's subject"),
        _line("# keywords: [Syria, civil society]", "the PDF's metadata"),
        _line("# toc: true", "a contents page (default: from three ## sections on)"),
        _line("# brand: base", "the look of this file only (default: briefing.toml's)"),
    ]
    if translated:
        lines += [
            _line("translation: draft", "remove once a native speaker has reviewed it"),
            _line(f"original: {original}", "the language it is translated from"),
        ]
    else:
        lines += [
            _line("# translation: draft", "on a translation not yet reviewed"),
            _line("# original: en", "on a translation: the language of the original"),
        ]
    lines += ["---", "", f"## {heading}", "", text, ""]
    return "\n".join(lines)


def N_(message: str) -> str:
    """Mark a message for `pybabel extract`; it is translated where it is used."""
    return message


def _placeholder(strings: Strings, lang: str, message: str) -> str:
    """Return a placeholder in the file's language; a language without a catalog gets its name."""
    text = strings.gettext(message)
    if text == message and lang.split("-")[0] != "en":
        return language_name(lang)  # keeps the file in its own script
    return text


def _line(code: str, comment: str) -> str:
    """Return a front matter line with its comment, comments aligned."""
    return f"{code:<38} # {comment}" if len(code) < 38 else f"{code}  # {comment}"


def _yaml(text: str) -> str:
    """Quote a value for YAML front matter."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
