"""Load: a briefing folder → one `Source` per language file (front matter validated, body kept).

A briefing is a folder under `briefings/` holding `<lang>.md` files and an optional
`briefing.toml`. The file name is the language code; the front matter is YAML.
"""

from __future__ import annotations

import datetime
import functools
import os
import unicodedata
from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml

from .config import (
    LANGUAGE,
    Project,
    brand_problem,
    canonical_language,
    check_table,
    did_you_mean,
    key_line,
    read_toml,
    slug_problem,
)
from .confine import outside
from .errors import ConfigError, PublishError, SourceError
from .model import Meta, Source, SourceLocation

BRIEFING_CONFIG = "briefing.toml"

_META_TYPES: dict[str, type | tuple[type, ...]] = {
    "title": str,
    "subtitle": str,
    "date": datetime.date,
    "authors": (list, str),
    "summary": str,
    "translation": str,
    "original": str,
    "brand": str,
    "toc": bool,
    "keywords": (list, str),
}
_TRANSLATION_STATES = ("draft", "reviewed")
_OVERRIDES = {"\u202d": "left-to-right override", "\u202e": "right-to-left override"}
"""Characters that reverse the text after them: spoofing in metadata, never needed by writers."""

MAX_SOURCE_BYTES = 2_000_000
"""A language file larger than this is refused: a briefing is a few dozen pages at most."""
MAX_FRONT_MATTER_BYTES = 64_000
"""Front matter is a few keys; more is a mistake (or an attack on the YAML parser)."""


@dataclass(frozen=True, slots=True)
class Briefing:
    """A briefing folder and its language files, in the order they should be built."""

    slug: str
    """Folder name."""
    folder: Path
    """Absolute path of the folder."""
    brand: str | None
    """Brand chosen in briefing.toml, if any."""
    sources: tuple[Source, ...]
    """One per language file that loaded."""
    errors: tuple[PublishError, ...] = ()
    """Problems with language files that did not load; the others still build."""


def discover(project: Project, paths: list[Path] | None = None) -> list[Path]:
    """Return the briefing folders to build: the given ones, or every folder under briefings/."""
    if paths:
        folders = []
        for path in paths:
            folder = Path(os.path.normpath(path.absolute()))  # a link is checked, not followed, in load_briefing_config
            if folder.is_file():
                folder = folder.parent
            if not folder.is_dir():
                raise SourceError(f"no such briefing folder: {path}", hint="give a folder under briefings/")
            folders.append(folder)
        return folders
    if not project.briefings_dir.is_dir():
        return []
    return sorted(p for p in project.briefings_dir.iterdir() if p.is_dir() and any(p.glob("*.md")))


def language_of(path: Path, display: Path) -> str:
    """Return the language code named by a Markdown file's stem, if Babel knows it."""
    code = path.stem
    if not LANGUAGE.match(code):
        canonical = canonical_language(code)
        raise SourceError(
            f'"{path.name}" is not named after a language as written in BCP-47',
            SourceLocation(display),
            hint=f"rename it {canonical}.md"
            if LANGUAGE.match(canonical)
            else "name each language file after its BCP-47 code, e.g. en.md, ar.md, fr.md",
        )
    from babel import Locale, UnknownLocaleError  # here: a build with nothing to make never needs Babel

    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise SourceError(
            f'"{path.name}" is not named after a language',
            SourceLocation(display),
            hint="name each language file after its BCP-47 code, e.g. en.md, ar.md, fr.md",
        ) from None
    return code


def read_text(path: Path, display: Path) -> str:
    """Read a UTF-8 file, reporting the line of the first invalid byte."""
    if not path.is_file():  # a FIFO or a device (a link to /dev/zero) would never end
        raise SourceError(
            "not a regular file: refused", SourceLocation(display), hint="a briefing's files are ordinary files"
        )
    # At most the limit and one byte: a file that grows while it is read (or lies about its size) stops there.
    with path.open("rb") as f:
        data = f.read(MAX_SOURCE_BYTES + 1)
        size = max(len(data), path.stat().st_size)
    if size > MAX_SOURCE_BYTES:
        raise SourceError(
            f"file is too large ({size / 1e6:.1f} MB; the limit is {MAX_SOURCE_BYTES / 1e6:.0f} MB)",
            SourceLocation(display),
            hint="split it into several briefings, or move data (tables, lists) into files of their own",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError("not valid UTF-8", SourceLocation(display, line), hint="save the file as UTF-8") from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    # Writers' editors differ in normalisation; NFC keeps search, extraction and fonts consistent.
    return unicodedata.normalize("NFC", text)


def split_front_matter(text: str, display: Path) -> tuple[str, str, int]:
    """Split a file into its YAML front matter and body; also return the body's first line."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise SourceError(
            "missing front matter",
            SourceLocation(display, 1),
            hint='start the file with a "---" line, a "title: ..." line and another "---" line',
        )
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    raise SourceError(
        "front matter is not closed", SourceLocation(display, 1), hint='end the front matter with a "---" line'
    )


@functools.lru_cache(maxsize=1024)
def parse_meta(yaml_text: str, display: Path) -> Meta:
    """Validate front matter YAML into Meta; every problem is reported with its file line.

    Kept per text (Meta is frozen; problems are raised, never logged): the site's lists read every
    briefing's front matter, and `publish serve` builds them again at every save."""
    if len(yaml_text.encode()) > MAX_FRONT_MATTER_BYTES:
        raise SourceError(
            f"front matter is too large (over {MAX_FRONT_MATTER_BYTES // 1000} kB)",
            SourceLocation(display, 2),
            hint="keep the front matter to a few keys; put the text in the body",
        )
    try:
        _refuse_aliases(yaml_text, display)
        data = yaml.safe_load(yaml_text) if yaml_text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for 0-based, +1 for the opening ---
        problem = getattr(exc, "problem", None) or str(exc)
        raise SourceError(
            f"invalid YAML in front matter: {problem}",
            SourceLocation(display, line),
            hint='quote values that contain ": " or start with a special character',
        ) from None
    if not isinstance(data, dict):
        raise SourceError("front matter must be key: value lines", SourceLocation(display, 2))
    lines = key_lines(yaml_text)
    problems: list[SourceError] = []
    values: dict[str, object] = {}
    for key, value in data.items():
        location = SourceLocation(display, lines.get(str(key)))
        expected = _META_TYPES.get(str(key))
        if expected is None:
            problems.append(
                SourceError(f'unknown front matter key "{key}"', location, did_you_mean(str(key), list(_META_TYPES)))
            )
            continue
        if value is None:
            continue
        if key == "date" and isinstance(value, datetime.datetime):
            value = value.date()
        if not isinstance(value, expected):
            kind = "a date like 2020-12-09" if key == "date" else "text"
            problems.append(SourceError(f'"{key}" must be {kind}, not {value!r}', location))
            continue
        if key in ("authors", "keywords"):
            value = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
        override = next(
            (c for c in "".join(value if isinstance(value, tuple) else (str(value),)) if c in _OVERRIDES), None
        )
        if override:
            problems.append(
                SourceError(
                    f'"{key}" holds U+{ord(override):04X} ({_OVERRIDES[override]}), which shows its text turned around'
                    " in the PDF's properties, listings and search results",
                    location,
                    hint="delete it: Arabic and mixed text needs no control characters",
                )
            )
            continue
        if key == "brand" and brand_problem(value):
            problems.append(SourceError(str(brand_problem(value)), location, hint="name a folder of layouts/"))
            continue
        if key == "translation" and value not in _TRANSLATION_STATES:
            problems.append(SourceError(f'"translation" must be one of {", ".join(_TRANSLATION_STATES)}', location))
            continue
        values[key] = value
    if "title" not in values and not any("title" in str(p) for p in problems):
        problems.append(
            SourceError("front matter has no title", SourceLocation(display, 1), hint='add a line "title: ..."')
        )
    if problems:
        raise problems[0] if len(problems) == 1 else SourceError("\n".join(str(p) for p in problems), None)
    known = {f.name for f in fields(Meta)}
    return Meta(**{k: v for k, v in values.items() if k in known})


def _refuse_aliases(yaml_text: str, display: Path) -> None:
    """Refuse YAML anchors and aliases: front matter never needs them, and they allow
    'billion laughs' documents that expand to gigabytes."""
    for event in yaml.parse(yaml_text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise SourceError(
                "front matter may not use YAML anchors or aliases (&name, *name)",
                SourceLocation(display, event.start_mark.line + 2),
                hint="write each value out in full",
            )


def key_lines(yaml_text: str) -> dict[str, int]:
    """Map each top-level key of a front matter's YAML to its line in the file (after the opening ---)."""
    node = yaml.compose(yaml_text, Loader=yaml.SafeLoader) if yaml_text.strip() else None
    if not isinstance(node, yaml.MappingNode):
        return {}
    found: dict[str, int] = {}
    for key, _ in node.value:
        found.setdefault(str(key.value), key.start_mark.line + 2)  # +1 for 0-based, +1 for the ---
    return found


def load_source(path: Path, slug: str, project: Project) -> Source:
    """Read one language file into a Source."""
    display = project.relative(path)
    if outside(path, project.root):
        raise SourceError(
            f"{display} leads outside the project: refused",
            SourceLocation(display),
            hint="a briefing's files live in its folder; replace the link with a copy of the file",
        )
    lang = language_of(path, display)
    yaml_text, body, body_line = split_front_matter(read_text(path, display), display)
    meta = parse_meta(yaml_text, display)
    from .typography import is_french, space_french  # here: planning a build never needs markdown-it

    if is_french(lang):  # the title, subtitle and summary are spaced like the body (« », ; : ! ? %)
        meta = replace(meta, **{k: space_french(v) for k in _PROSE if (v := getattr(meta, k))})
    return Source(
        slug=slug, lang=lang, path=path, meta=meta, body=body, body_line=body_line, locale=project.locale_for(lang)
    )


_PROSE = ("title", "subtitle", "summary")
"""Front-matter text that is prose, typeset with the body's French spacing."""

_BRIEFING_KEYS = {"brand": str, "languages": list}


def load_briefing_config(folder: Path, project: Project) -> dict[str, object]:
    """Check a briefing folder's name and place, then read and validate its optional briefing.toml."""
    if slug_problem(folder.name):
        raise SourceError(
            slug_problem(folder.name),
            SourceLocation(project.relative(folder)),
            hint="rename the folder, e.g. idlib-statement-2026",
        )
    if outside(folder, project.briefings_dir):
        raise SourceError(
            "not a folder of the project's briefings/ (a link, or elsewhere): refused",
            SourceLocation(project.relative(folder)),
            hint="briefings live in briefings/<slug>/; replace a link with the folder itself",
        )
    path = folder / BRIEFING_CONFIG
    if not path.is_file():
        return {}
    display = project.relative(path)
    data = read_toml(path, display)
    problems = check_table(data, _BRIEFING_KEYS)
    if problems:
        raise ConfigError("; ".join(problems), SourceLocation(display))
    if "brand" in data and brand_problem(data["brand"]):
        line = key_line(path.read_text(encoding="utf-8"), "brand")
        raise ConfigError(
            str(brand_problem(data["brand"])), SourceLocation(display, line), hint="name a folder of layouts/"
        )
    return data


def load_briefing(folder: Path, project: Project, langs: tuple[str, ...] = ()) -> Briefing:
    """Read a briefing folder: its configuration and the language files asked for."""
    config = load_briefing_config(folder, project)
    sources, errors = [], []
    for path in language_files(folder, project, langs or tuple(config.get("languages", ()))):
        try:
            sources.append(load_source(path, folder.name, project))
        except PublishError as exc:
            errors.append(exc)
    return Briefing(folder.name, folder, config.get("brand"), tuple(sources), tuple(errors))


def language_files(folder: Path, project: Project, wanted: tuple[str, ...] = ()) -> list[Path]:
    """Return a briefing's language files (`<lang>.md`) in the project's language order; only the
    `wanted` languages when some are named."""
    files = sorted(folder.glob("*.md"), key=lambda p: project.language_rank(p.stem))
    return [f for f in files if f.stem in wanted] if wanted else files
