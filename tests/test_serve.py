"""`publish serve` end to end, in Chromium: edits reload the page, a broken file shows an overlay
naming file and line, fixing it recovers, a brand's colour changes live, the PDF follows."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import MakeProject, pdftotext, serving, write

WAIT = 20_000
"""Milliseconds to wait for a reload, an overlay or a colour: each takes well under a second."""
PDF_WAIT = 60_000
"""Milliseconds to wait for the background PDF."""

FIRST = "---\ntitle: Live preview\n---\n\n## First section\n\nThe first words.\n"


@pytest.fixture
def served(tmp_path: Path, make_project: MakeProject):
    """A small project being served: one briefing in a brand of its own. Yields (root, page URL)."""
    root = make_project(tmp_path, '[project]\ntitle = "Brands"\nlanguages = ["en"]\n')
    write(root, "layouts/live/css/common.css", ":root { --color-accent: #0a6e4f; }\n")
    write(root, "briefings/live/briefing.toml", 'brand = "live"\n')
    write(root, "briefings/live/en.md", FIRST)
    with serving(root, tmp_path / "serve.log", "briefings/live") as url:
        yield root, url


def test_serve_reloads_shows_errors_recovers_and_follows_the_brand(served, browser) -> None:
    from playwright.sync_api import expect

    root, url = served
    source = root / "briefings" / "live" / "en.md"
    assert url.endswith("/en/live/")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    started = time.monotonic()
    try:
        page.goto(url)
        body, overlay, h2 = page.locator(".briefing-body"), page.locator("#publish-overlay"), page.locator("h2").first
        expect(body).to_contain_text("The first words.")
        expect(h2).to_have_css("color", "rgb(10, 110, 79)")

        # An edit: the page reloads by itself with the new text.
        source.write_text(FIRST.replace("The first words.", "Words written later."), encoding="utf-8")
        expect(body).to_contain_text("Words written later.", timeout=WAIT)

        # Broken front matter: the page stays, under an overlay naming the file and line.
        source.write_text("---\ntitle: [unclosed\n---\n\nWords written later.\n", encoding="utf-8")
        expect(overlay).to_be_visible(timeout=WAIT)
        expect(overlay).to_contain_text("briefings/live/en.md:", timeout=WAIT)
        assert "invalid YAML in front matter" in overlay.inner_text()

        # Fixed: the overlay goes and the page shows the fixed text.
        source.write_text(FIRST.replace("The first words.", "Fixed and back."), encoding="utf-8")
        expect(body).to_contain_text("Fixed and back.", timeout=WAIT)
        expect(overlay).to_be_hidden(timeout=WAIT)

        # A designer changes the brand's accent colour: the headings follow.
        write(root, "layouts/live/css/common.css", ":root { --color-accent: #6b2d8f; }\n")
        expect(h2).to_have_css("color", "rgb(107, 45, 143)", timeout=WAIT)
        edits = time.monotonic() - started

        # The PDF beside the page, typeset in the background from the latest text.
        badge = page.locator("#publish-pdf-toggle")
        expect(badge).to_have_attribute("data-state", "ready", timeout=PDF_WAIT)
        badge.click()
        expect(page.locator("#publish-pdf")).to_be_visible()
        assert page.locator("#publish-pdf iframe").get_attribute("src").startswith("live.en.pdf?v=")
    finally:
        context.close()
    with urllib.request.urlopen(url + "live.en.pdf") as response:
        assert response.headers["Content-Type"] == "application/pdf"
        pdf = response.read()
    path = root / "preview.pdf"
    path.write_bytes(pdf)
    assert "Fixed and back." in pdftotext(path)
    assert edits < 30, f"the four edits took {edits:.1f} s"


def test_an_error_is_said_once_and_serve_stops_cleanly(tmp_path: Path, make_project: MakeProject) -> None:
    """The page build and the warm PDF typesetter meet the same broken file: the terminal says it once,
    and stopping serve leaves no process and no warning behind."""
    root = make_project(tmp_path / "p", '[project]\ntitle = "Once"\nlanguages = ["en"]\n', layouts=["base"])
    write(root, "briefings/b/en.md", "---\ntitle: Broken\n---\n\n::: key\nNever closed.\n")
    log = tmp_path / "serve.log"
    with serving(root, log):
        deadline = time.monotonic() + 60
        # Both done: the PDFs are asked for first, the pages are made meanwhile.
        while not all(s in log.read_text() for s in ("pdfs: typeset", "pages: ")) and time.monotonic() < deadline:
            time.sleep(0.1)
    said = log.read_text()
    assert "pdfs: typeset" in said and "pages: " in said
    assert said.count("opened here is never closed") == 1, said
    assert "leaked" not in said and "Traceback" not in said, said
