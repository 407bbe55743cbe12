"""Project configuration: find the project root and read `publish.toml` into a frozen `Project`.

The project is the current directory or the nearest parent holding `publish.toml`, never the
place the package is installed. Every problem in the file is reported at once, with its key path.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .model import SourceLocation, shown

CONFIG_NAME = "publish.toml"


@dataclass(frozen=True, slots=True)
class Project:
    """A repository of briefings and the settings that apply to all of them."""

    root: Path
    """Absolute path of the folder holding publish.toml."""
    title: str
    """Name of the publication series, shown on the site's entry page."""
    default_brand: str
    """Layout brand used when a briefing does not choose one."""
    languages: tuple[str, ...]
    """Order in which languages are offered on the site and built."""
    allow_hosts: tuple[str, ...] = ()
    """Hosts the PDF typesetter may fetch from over http(s) ([network] allow); none by default."""
    allow_html: tuple[str, ...] = ()
    """HTML tags writers may use in Markdown ([markdown] allow_html); none by default.
    Whatever is allowed is still cleaned by nh3: no scripts, styles or event handlers."""
    pdf_time_limit: int = 300
    """Seconds one PDF may take to typeset ([pdf] time_limit) before it fails, alone."""
    search: bool = True
    """The site has a search box and a Pagefind index ([site] search); on by default."""
    base_url: str | None = None
    """Absolute URL the site is published at, ending in "/", or None: then the site's links, social
    cards and sitemap stay relative (sitemaps and social networks prefer absolute URLs)."""
    locales: tuple[tuple[str, str], ...] = ()
    """Language → Babel locale for dates, numbers and lists ([locales], e.g. ar = "ar_SY"); a
    language not listed uses its own locale (CLDR's `ar` writes Egyptian month names: يناير)."""

    @property
    def briefings_dir(self) -> Path:
        return self.root / "briefings"

    @property
    def layouts_dir(self) -> Path:
        return self.root / "layouts"

    @property
    def fonts_dir(self) -> Path:
        return self.root / "fonts"

    def language_rank(self, code: str) -> tuple[int, str]:
        """Sort key of a language: the project's order first, then the others alphabetically."""
        order = self.languages
        return (order.index(code) if code in order else len(order), code)

    def in_language_order(self, codes: Iterable[str]) -> list[str]:
        """Return the distinct language codes in the project's order (`language_rank`)."""
        return sorted(set(codes), key=self.language_rank)

    def locale_for(self, lang: str) -> str:
        """Return the locale a language's dates, numbers and lists are written in ([locales], else itself)."""
        return dict(self.locales).get(lang, lang)

    def relative(self, path: Path) -> Path:
        """Return `path` relative to the project root when it is inside it, for messages: as written
        (a link is named, not what it leads to), else with every link resolved."""
        for candidate in (Path(os.path.normpath(path.absolute())), path.resolve()):
            if candidate.is_relative_to(self.root):
                return candidate.relative_to(self.root)
        return path


SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""A briefing's folder name: it becomes part of every URL and file name of the briefing."""
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?$")
"""A language file's name: a BCP-47 code as written canonically (en, ar, fr, pt-BR, zh-Hant-TW)."""


def slug_problem(name: str) -> str | None:
    """Say why a folder name cannot name a briefing, or None when it can (`SLUG`)."""
    if SLUG.match(name):
        return None
    return f'"{shown(name)}" cannot name a briefing folder: use lowercase letters, digits and single hyphens'


def canonical_language(code: str) -> str:
    """Return a language code's canonical spelling: `EN` → `en`, `pt-br` → `pt-BR`, `zh_hant` → `zh-Hant`."""
    parts = code.replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper() if len(part) in (2, 3) and part.isalpha() else part)
    return "-".join(out)


def find_root(start: Path | None = None) -> Path:
    """Return the nearest folder at or above `start` that holds publish.toml."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_NAME} in {start} or any parent folder",
        hint=f"run publish inside a project of briefings, or create {CONFIG_NAME} at its root",
    )


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """Return a 'did you mean' hint for a misspelt key, or None."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f'did you mean "{close[0]}"?' if close else None


# --- brands ---------------------------------------------------------------------------------------
# A brand is named in publish.toml, briefing.toml, front matter and `publish new --brand`, all of
# which arrive by pull request. Its templates are code that runs during the build, so the name is
# only ever a plain folder name under layouts/, checked by one rule everywhere it is read or written.

_BRAND_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
BRAND_RULE = "a brand is the name of a folder of layouts/: letters, digits, - and _ (such as we-exist)"


def brand_problem(name: object) -> str | None:
    """Return why `name` cannot name a brand (a path, a dot, a control character…), or None."""
    if not isinstance(name, str):
        return f"a brand must be text, not {name!r}"
    if not _BRAND_NAME.match(name):
        return f"invalid brand {name!r}: {BRAND_RULE}"
    return None


def brand_folder(layouts_dir: Path, name: str, location: SourceLocation | None = None) -> Path:
    """Return the folder of a brand under layouts/: a plain name, an existing folder, resolved inside it."""
    problem = brand_problem(name)
    if problem:
        raise ConfigError(problem, location, hint="name a folder of layouts/, such as base")
    folder = layouts_dir / name
    if not folder.is_dir():
        brands = sorted(p.name for p in layouts_dir.iterdir() if p.is_dir()) if layouts_dir.is_dir() else []
        raise ConfigError(
            f'unknown brand "{name}"',
            location,
            hint=did_you_mean(name, brands) or f"brands in layouts/: {', '.join(brands)}",
        )
    if folder.resolve().parent != layouts_dir.resolve():
        raise ConfigError(
            f'brand "{name}" is a link to a folder outside layouts/: refused',
            location,
            hint=f"make layouts/{name} a real folder of the project",
        )
    return folder


def output_folder(project: Project, out: Path | str | None, default: str) -> Path:
    """Return the folder a build or release writes to: `out`, else `default` in the project.

    Refused: an empty name, a file, the project folder or one holding it, and the folders of
    sources (briefings/, layouts/, fonts/), which a build would fill or prune.
    """
    if out is None:
        return project.root / default
    if str(out).strip() == "":
        raise ConfigError("--out needs a folder name", hint=f"leave --out out for {default}/, or name a folder")
    folder = Path(out).resolve()
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out {out} is a file, not a folder", hint="name a folder, new or existing")
    sources = (project.briefings_dir, project.layouts_dir, project.fonts_dir)
    if project.root.resolve().is_relative_to(folder) or any(folder.is_relative_to(s.resolve()) for s in sources):
        raise ConfigError(
            f"--out {out} would write into the project's sources",
            hint=f"write to a folder of its own, such as {default}/ (the default) or a folder outside the project",
        )
    return folder


def read_toml(path: Path, display: Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax errors into a ConfigError at the right line."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"invalid TOML: {getattr(exc, 'msg', exc)}", SourceLocation(display, line)) from None
    except UnicodeDecodeError:
        raise ConfigError("not valid UTF-8", SourceLocation(display)) from None


def check_table(table: dict[str, Any], schema: dict[str, type], prefix: str = "") -> list[str]:
    """Return a problem for each unknown key (with a 'did you mean' hint) and each wrong type."""
    return [problem.message for problem in check_keys(table, schema, prefix)]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a configuration file, at a key."""

    key: str
    """The dotted key path, e.g. "colors.accent" (empty for the file as a whole)."""
    message: str
    """What is wrong, naming the key."""
    hint: str | None = None
    """What to do about it."""


def check_keys(table: dict[str, Any], schema: dict[str, type], prefix: str = "") -> list[Problem]:
    """Return a problem for each unknown key (with a 'did you mean' hint) and each wrong type."""
    problems = []
    for key, value in table.items():
        expected = schema.get(key)
        if expected is None:
            hint = did_you_mean(key, list(schema))
            problems.append(Problem(f"{prefix}{key}", f'unknown key "{prefix}{key}"' + (f" ({hint})" if hint else "")))
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            problems.append(
                Problem(f"{prefix}{key}", f'"{prefix}{key}" must be a {expected.__name__}, not {type(value).__name__}')
            )
    return problems


def key_line(text: str, key: str) -> int | None:
    """Return the line of a TOML text that sets a dotted key, else the line of its nearest parent."""
    wanted = _key_parts(key)
    best: tuple[int, int | None] = (0, None)  # (parts matched, line)
    table: list[str] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if line.startswith("["):
            table = _key_parts(line.strip("[]").strip())
            path = table
        elif "=" in line and not line.startswith("#"):
            path = table + _key_parts(line.split("=", 1)[0].strip())
        else:
            continue
        matched = 0
        while matched < min(len(path), len(wanted)) and path[matched] == wanted[matched]:
            matched += 1
        if matched == len(wanted) and len(path) == len(wanted):
            return number
        if matched == len(path) and matched > best[0]:
            best = (matched, number)
    return best[1]


def _key_parts(key: str) -> list[str]:
    """Split a dotted TOML key into its parts, keeping quoted parts whole."""
    parts, current, quote = [], "", ""
    for char in key:
        if quote:
            if char == quote:
                quote = ""
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]


def problems_error(problems: list[Problem], display: Path, text: str) -> ConfigError:
    """Return one error listing every problem of a file, each at the line of its key, with its hint."""
    return located_error(
        [(SourceLocation(display, key_line(text, p.key) if p.key else None), p.message, p.hint) for p in problems]
    )


def located_error(problems: list[tuple[SourceLocation, str, str | None]]) -> ConfigError:
    """Return one error for problems in one or more files: each on its own line, with its hint."""
    if len(problems) == 1:
        location, message, hint = problems[0]
        return ConfigError(message, location, hint)
    lines = []
    for index, (location, message, hint) in enumerate(problems):
        lines.append(message if index == 0 else f"{location}: {message}")
        if hint:
            lines.append(f"  hint: {hint}")
    return ConfigError("\n".join(lines), problems[0][0])


DEFAULT_PDF_TIME_LIMIT = 300
"""Seconds a PDF may take by default: seed briefings take a few; a pathological layout never ends."""

PERMITTED_HTML = frozenset(
    {
        *("abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "i", "img", "ins", "kbd"),
        *("mark", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u"),
        *("var", "wbr", "blockquote", "caption", "col", "colgroup", "dd", "details", "div", "dl", "dt"),
        *("figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "summary"),
        *("table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
    }
)
"""The raw HTML tags a project may let writers use ([markdown] allow_html): text and structure only.
Anything else (script, style, iframe, form, svg, plaintext, …) runs code, loads things, or changes
the rest of the page, and cannot be allowed."""

_TABLES = ("project", "markdown", "network", "pdf", "site", "locales")
_PROJECT_KEYS = {"title": str, "default_brand": str, "languages": list, "base_url": str}


def load_project(root: Path | None = None) -> Project:
    """Find and validate the project configuration, reporting every problem at once."""
    root = find_root(root)
    path = root / CONFIG_NAME
    data = read_toml(path, Path(CONFIG_NAME))
    problems: list[Problem] = []
    for key in data:
        if key not in _TABLES:
            hint = did_you_mean(key, list(_TABLES))
            problems.append(Problem(key, f'unknown table "{key}"' + (f" ({hint})" if hint else "")))
    markdown = data.get("markdown", {})
    if not isinstance(markdown, dict):
        problems.append(Problem("markdown", '"markdown" must be a table: [markdown]'))
        markdown = {}
    problems += check_keys(markdown, {"allow_html": list}, "markdown.")
    network = data.get("network", {})
    if not isinstance(network, dict):
        problems.append(Problem("network", '"network" must be a table: [network]'))
        network = {}
    problems += check_keys(network, {"allow": list}, "network.")
    allow_hosts = network.get("allow", [])
    if isinstance(allow_hosts, list) and not all(isinstance(h, str) and "/" not in h for h in allow_hosts):
        problems.append(
            Problem("network.allow", '"network.allow" lists host names such as "images.example.org", not URLs')
        )
    pdf = data.get("pdf", {})
    if not isinstance(pdf, dict):
        problems.append(Problem("pdf", '"pdf" must be a table: [pdf]'))
        pdf = {}
    problems += check_keys(pdf, {"time_limit": int}, "pdf.")
    time_limit = pdf.get("time_limit", DEFAULT_PDF_TIME_LIMIT)
    if isinstance(time_limit, int) and not 1 <= time_limit <= 86_400:
        problems.append(Problem("pdf.time_limit", '"pdf.time_limit" is a number of seconds from 1 to 86400'))
    site = data.get("site", {})
    if not isinstance(site, dict):
        problems.append(Problem("site", '"site" must be a table: [site]'))
        site = {}
    problems += check_keys(site, {"search": bool}, "site.")
    allow_html = markdown.get("allow_html", [])
    if isinstance(allow_html, list):
        for tag in allow_html:
            if not isinstance(tag, str) or tag.lower() not in PERMITTED_HTML:
                problems.append(
                    Problem(
                        "markdown.allow_html",
                        f'"markdown.allow_html" cannot allow {tag!r}: only tags of text and structure, such as'
                        ' "abbr", "kbd", "mark", "sub", "details" (the README lists them all)',
                    )
                )
    table = data.get("project", {})
    if not isinstance(table, dict):
        problems.append(Problem("project", '"project" must be a table: [project]'))
        table = {}
    problems += check_keys(table, _PROJECT_KEYS, "project.")
    languages = table.get("languages", ["en", "ar", "fr"])
    if isinstance(languages, list) and not all(isinstance(x, str) for x in languages):
        problems.append(
            Problem("project.languages", '"project.languages" must list language codes as strings, e.g. ["en", "ar"]')
        )
    base_url = table.get("base_url")
    if isinstance(base_url, str) and not base_url.startswith(("https://", "http://")):
        problems.append(
            Problem(
                "project.base_url",
                f'"project.base_url" must be an absolute URL such as "https://example.org/", not {base_url!r}',
            )
        )
    brand = table.get("default_brand")
    layouts = root / "layouts"
    if isinstance(brand, str) and brand_problem(brand):
        problems.append(Problem("project.default_brand", f'"project.default_brand": {brand_problem(brand)}'))
    elif isinstance(brand, str) and layouts.is_dir() and not (layouts / brand).is_dir():
        brands = sorted(p.name for p in layouts.iterdir() if p.is_dir())
        problems.append(
            Problem(
                "project.default_brand",
                f'"project.default_brand" names no brand: there is no folder layouts/{brand}',
                did_you_mean(brand, brands) or f"brands in layouts/: {', '.join(brands)}",
            )
        )
    locales, locale_problems = _locales(data.get("locales", {}))
    problems += locale_problems
    if problems:
        raise problems_error(problems, Path(CONFIG_NAME), path.read_text(encoding="utf-8"))
    return Project(
        root=root,
        title=table.get("title", "Briefings"),
        default_brand=table.get("default_brand", "base"),
        languages=tuple(languages),
        allow_html=tuple(t.lower() for t in allow_html) if isinstance(allow_html, list) else (),
        pdf_time_limit=time_limit,
        search=site.get("search", True) is not False,
        allow_hosts=tuple(h.lower() for h in allow_hosts) if isinstance(allow_hosts, list) else (),
        base_url=base_url.rstrip("/") + "/" if isinstance(base_url, str) else None,
        locales=locales,
    )


def _locales(table: object) -> tuple[tuple[tuple[str, str], ...], list[Problem]]:
    """Read [locales]: each language code → a locale of that language that Babel knows ("ar_SY").

    Babel's data files are looked up, not Babel imported: a build with nothing to make never needs it.
    """
    if not isinstance(table, dict):
        return (), [Problem("locales", '"locales" must be a table: [locales] with lines such as ar = "ar_SY"')]
    found: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for lang, value in table.items():
        key = f"locales.{lang}"
        if not LANGUAGE.match(lang):
            problems.append(Problem(key, f'"{key}": {shown(lang)!r} is not a language code such as "ar" or "pt-BR"'))
            continue
        if not isinstance(value, str):
            problems.append(Problem(key, f'"{key}" must be a locale name as a string, e.g. "ar_SY"'))
            continue
        locale = value.replace("-", "_")
        if not _babel_knows(locale):
            problems.append(
                Problem(
                    key, f'"{key}": Babel knows no locale {shown(value)!r}', _locales_of(lang) or "e.g. ar_SY, fr_BE"
                )
            )
            continue
        if locale.split("_")[0] != lang.split("-")[0]:
            problems.append(Problem(key, f'"{key}": {shown(value)!r} is not a locale of {lang!r}', _locales_of(lang)))
            continue
        found.append((lang, locale))
    return tuple(found), problems


def _babel_data() -> Path | None:
    spec = importlib.util.find_spec("babel")
    folders = list(spec.submodule_search_locations or []) if spec else []
    return Path(folders[0]) / "locale-data" if folders else None


def _babel_knows(locale: str) -> bool:
    data = _babel_data()
    if data is None or not re.fullmatch(r"[A-Za-z]+(?:_[A-Za-z0-9]+)*", locale):
        return False
    return (data / f"{locale}.dat").is_file()


def _locales_of(lang: str) -> str | None:
    data = _babel_data()
    prefix = lang.split("-")[0] + "_"
    names = (p.stem for p in data.glob(f"{prefix}*.dat")) if data else ()
    known = sorted(name for name in names if name.count("_") == 1)
    return f"locales of {lang}: {', '.join(known[:8])}{', …' if len(known) > 8 else ''}" if known else None
