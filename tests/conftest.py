"""Shared fixtures and helpers: the repository's own project built once per test session into a temp
folder, and small projects made from its layouts and fonts (copied once per session)."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from publish import build

ROOT = Path(__file__).resolve().parents[1]

# One font-subset cache for the whole test session (builds in many temporary projects would
# otherwise subset the same fonts again and again); subprocess builds inherit it.
os.environ.setdefault("PUBLISH_CACHE", tempfile.mkdtemp(prefix="publish-test-cache-"))
LANGS = ("en", "ar", "fr")
BRIEFINGS = ("we-exist-2020", "idlib-statement-2020", "syrien-nest-fait-2020")
DIRS = {"en": "ltr", "fr": "ltr", "ar": "rtl"}


SLOW_FIXTURES = frozenset({"built", "browser"})
"""Tests that use these (the seed briefings built, Chromium) are marked slow without saying so."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build every briefing of the repository once; return the output folder."""
    out = tmp_path_factory.mktemp("build")
    result = build(project_root=ROOT, out=out)
    assert result.ok, "\n".join(str(e) for e in result.errors)
    return out


@pytest.fixture(scope="session")
def project_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's layouts/ and fonts/, copied once per session: what every small project starts from."""
    root = tmp_path_factory.mktemp("template")
    shutil.copytree(ROOT / "layouts", root / "layouts", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "fonts", root / "fonts")
    return root


MakeProject = Callable[..., Path]


@pytest.fixture(scope="session")
def make_project(project_template: Path) -> MakeProject:
    """Return `make(root, config=..., layouts=None)`: a project in `root` with the repository's layouts and fonts.

    `config` is the text of its publish.toml (None: the repository's own); `layouts` names the
    brands to copy (None: all). Layouts are copied, tests edit them. The fonts are hard links to
    the session's copy (a symlinked fonts/ would lead outside the project, which publish refuses):
    a test may add files to its fonts/, never write into one of them.
    """

    def make(
        root: Path, config: str | None = '[project]\ntitle = "Test"\n', layouts: Iterable[str] | None = None
    ) -> Path:
        names = sorted(p.name for p in (project_template / "layouts").iterdir()) if layouts is None else layouts
        for name in names:
            shutil.copytree(project_template / "layouts" / name, root / "layouts" / name)
        (root / "fonts").mkdir(parents=True)
        for font in sorted((project_template / "fonts").iterdir()):
            try:
                (root / "fonts" / font.name).hardlink_to(font)
            except OSError:  # another file system
                shutil.copy2(font, root / "fonts" / font.name)
        if config is None:
            shutil.copy2(ROOT / "publish.toml", root / "publish.toml")
        else:
            (root / "publish.toml").write_text(config, encoding="utf-8")
        return root

    return make


def write(root: Path, name: str, text: str) -> Path:
    """Write a UTF-8 file at `root / name`, making its folders."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (the system executable, never a download)."""
    executable = require_tool("chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        # Chromium as root in a sandbox: no sandbox, no GPU, and no background networking (this
        # machine has no network; Chromium would keep trying).
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def require_tool(name: str) -> str:
    """Return a command's path; skip locally when missing, fail in CI where it must exist."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed; .ci/run should have installed it")
        pytest.skip(f"{name} is not installed")
    return path


def pdftotext(pdf: Path, *args: str) -> str:
    """Return the text poppler's pdftotext extracts from a PDF, without bidi controls.

    poppler wraps right-to-left stretches in embedding marks (U+202A-U+202C), and publish.pdftext
    writes direction marks (U+200E, U+200F) for poppler to put mixed-direction lines back in
    order: invisible, they come out with the text (tests/fidelity.py removes them the same way).
    """
    return subprocess.run(
        [require_tool("pdftotext"), "-enc", "UTF-8", *args, str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.translate(_BIDI_CONTROLS)


_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def squash(text: str) -> str:
    """Remove whitespace and hyphens, so text compares across line breaks and hyphenation."""
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text)


# --- the web site's pages -------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.meta: dict[str, list[str]] = {}
        self.images: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        data = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.root = data
        if tag in ("a", "link") and "href" in data:
            self.links.append({"tag": tag, **data})
        if tag == "meta" and ("property" in data or "name" in data):
            self.meta.setdefault(data.get("property") or data["name"], []).append(data.get("content", ""))
        if tag == "img":
            self.images.append(data)


def links_of(page: Path) -> _Links:
    """Return a page's root attributes, its links (a and link), meta values and images."""
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def site_pages(site: Path) -> list[Path]:
    """Return every HTML page of a built site."""
    return sorted(site.rglob("*.html"))


@contextlib.contextmanager
def serving(root: Path, log: Path, *args: str) -> Iterator[str]:
    """Run `publish --verbose serve ARGS --port 0` in `root`, its stderr into `log`; yield the page URL.

    On leaving, stop it with SIGTERM and check that it stopped cleanly.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "publish", "--verbose", "serve", *args, "--port", "0"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        try:
            line = lines.get(timeout=60)
        except queue.Empty:
            pytest.fail("publish serve printed no address within a minute")
        assert line.startswith("Serving http://127.0.0.1:"), line
        yield line.split()[1]
    finally:
        # What the server said (pytest shows it when the test fails).
        print(log.read_text())
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("publish serve did not stop on SIGTERM")
    assert process.returncode == 0
