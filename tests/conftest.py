"""Shared fixtures: the repository's own project built once per test session into a temp folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from publish import build

ROOT = Path(__file__).resolve().parents[1]

# One font-subset cache for the whole test session (builds in many temporary projects would
# otherwise subset the same fonts again and again); subprocess builds inherit it.
os.environ.setdefault("PUBLISH_CACHE", tempfile.mkdtemp(prefix="publish-test-cache-"))
LANGS = ("en", "ar", "fr")
BRIEFINGS = ("we-exist-2020", "idlib-statement-2020", "syrien-nest-fait-2020")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build every briefing of the repository once; return the output folder."""
    out = tmp_path_factory.mktemp("build")
    result = build(project_root=ROOT, out=out)
    assert result.ok, "\n".join(str(e) for e in result.errors)
    return out


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
