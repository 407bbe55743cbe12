"""Search: the site's briefing pages → a Pagefind index, one per language, and the search box's script.

Pagefind (`pagefind[bin]`, a self-contained binary, locked like every dependency) reads the
written pages and splits its index by `<html lang>`, so a query on an English page searches the
English briefings only. Only what a page marks `data-pagefind-body` (a briefing's article) is
indexed; the list, entry and 404 pages are not. The index is written to a temporary folder, then
the parts the site does not use are left out (Pagefind's ready-made interfaces and highlighter:
the box is our own, `search.js`, translated through the UI catalogs) and it replaces `pagefind/`
whole, so no file of an older index is left behind. The output is byte-identical from run to run.

Arabic: Pagefind's Arabic stemmer (Snowball) finds a word with or without the article and the
prepositions joined to it (للتعذيب, بالتعذيب, التعذيب, تعذيب) and ignores harakat, but it keeps a
joined "and"/"so" (و, ف) in front of the article: "والتعذيب" is neither found by "التعذيب" nor
finds it. `arabic_variants` lists each such word of a page without its و/ف, in a hidden paragraph
of the article that only Pagefind reads, and `search.js` takes the same letter off a query's words.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import PublishError

SEARCH_DIR = "pagefind"
"""The index's folder in the site."""
SEARCH_SCRIPT = Path(__file__).with_name("search.js")
"""The search box's script, copied to the site's assets."""
ENTRY = "pagefind-entry.json"
"""The bundle's table of contents: its version and an index per language."""
PAGES_GLOB = "*/*/index.html"
"""The briefing pages (`<lang>/<slug>/index.html`), the only pages Pagefind reads."""
_UNUSED = re.compile(r"^pagefind-(component-ui|modular-ui|ui|highlight)\.(js|css)$")
"""Pagefind's own interfaces and highlighter: the site's box does not use them."""

_HARAKAT = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
"""Arabic diacritics (harakat, shadda, sukun, Quranic marks) and the tatweel."""
_ARABIC_WORD = re.compile(
    "[\u0621-\u064a\u0660-\u0669\u066e-\u06d3\u06d5\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]+"
)
_CONJUNCTION = re.compile("^[وف](?=(?:ال|لل|بال|كال|فال)..)")
"""A joined و or ف in front of the article (والتعذيب, فالمعتقلون): the Arabic stemmer keeps it."""


def arabic_variants(text: str) -> list[str]:
    """Return the words of a text that the stemmer misses as written, as it can find them.

    Each Arabic word starting with و or ف and the article (والتعذيب, وللمعتقلين), without harakat
    and without that first letter (التعذيب, للمعتقلين); each once, in the order they come.
    """
    found: dict[str, None] = {}
    for word in _ARABIC_WORD.findall(text):
        plain = _HARAKAT.sub("", word)
        if _CONJUNCTION.match(plain):
            found.setdefault(plain[1:])
    return list(found)


def index_site(site_root: Path) -> list[Path]:
    """Index the site's briefing pages with Pagefind into `pagefind/`; return the files written."""
    target = site_root / SEARCH_DIR
    work = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=site_root.parent))
    try:
        made = work / SEARCH_DIR
        command = [*_pagefind(), "--site", str(site_root), "--output-path", str(made)]
        command += ["--glob", PAGES_GLOB, "--keep-index-url", "--silent"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PublishError(f"the search index could not be made: {exc}") from None
        if done.returncode != 0 or not (made / "pagefind.js").is_file():
            problem = (done.stderr or done.stdout).strip().splitlines()
            raise PublishError(
                "the search index could not be made: "
                + (problem[-1] if problem else f"pagefind exited {done.returncode}"),
                hint="check that pagefind[bin] is installed (make setup), or set [site] search = false in publish.toml",
            )
        _tidy(made)
        old = work / "old"
        if target.exists():
            os.replace(target, old)
        os.replace(made, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return search_files(site_root)


def _pagefind() -> list[str]:
    """The command that runs Pagefind: the binary `pagefind[bin]` installs, run directly (`python -m
    pagefind` starts a Python first only to find it: a fifth of a second at every save in serve)."""
    try:
        return [str(importlib.import_module("pagefind_bin").get_executable())]
    except Exception:  # another way of installing it: its module knows where it is
        return [sys.executable, "-m", "pagefind"]


def search_files(site_root: Path) -> list[Path]:
    """Return the files of the site's index, in a fixed order."""
    folder = site_root / SEARCH_DIR
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def remove_index(site_root: Path) -> None:
    """Remove the index of a site whose search was turned off."""
    shutil.rmtree(site_root / SEARCH_DIR, ignore_errors=True)


def _tidy(bundle: Path) -> None:
    """Delete the parts of Pagefind's bundle the site does not load; write its entry in a fixed order."""
    for path in bundle.iterdir():
        if path.is_file() and _UNUSED.match(path.name):
            path.unlink()
    # Pagefind lists the languages of its entry file in an order that changes from run to run (a
    # hash map's); every other file is the same bytes for the same pages. Sorted, the entry is too.
    path = bundle / ENTRY
    entry = json.loads(path.read_text(encoding="utf-8"))
    languages = entry.get("languages", {})
    entry["languages"] = dict(sorted(languages.items()))
    path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    # The language-neutral search code is loaded only for an index of a language Pagefind has no
    # stemmer for (its entry names "unknown" as the index's wasm).
    if all(index.get("wasm") not in (None, "unknown") for index in languages.values()):
        (bundle / "wasm.unknown.pagefind").unlink(missing_ok=True)
