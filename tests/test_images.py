"""Figures and image renditions: caption and credit, sizes for print and web, cache, errors."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from publish import build
from publish.model import OutputFormat

from .conftest import MakeProject, pdftotext, require_tool


@pytest.fixture
def project(tmp_path: Path, make_project: MakeProject) -> Path:
    make_project(tmp_path)
    folder = tmp_path / "briefings" / "fest"
    (folder / "images").mkdir(parents=True)
    Image.new("RGB", (4000, 3000), (180, 60, 40)).save(folder / "images" / "dance.jpg", quality=95)
    (folder / "fr.md").write_text(
        "---\ntitle: Festival\n---\n\nAvant.\n\n"
        '![Danseurs du collectif Nafass](images/dance.jpg "« In Motion », collectif Nafass")\n'
        "© Rezvan Zahedi\n\nAprès.\n",
        encoding="utf-8",
    )
    return tmp_path


def test_figure_with_caption_and_credit_in_pdf_and_page(project: Path) -> None:
    result = build(project_root=project)
    assert result.ok, [str(e) for e in result.errors]
    pdf = project / "build" / "pdf" / "fest.fr.pdf"
    text = pdftotext(pdf)
    assert "In Motion" in text and "© Rezvan Zahedi" in text
    listing = subprocess.run([require_tool("pdfimages"), "-list", str(pdf)], capture_output=True, text=True, check=True)
    width, height = (int(v) for v in listing.stdout.splitlines()[2].split()[3:5])
    # The print rendition, not the 4000 px original: 120 mm tall (print.css's cap) at 300 ppi.
    assert (width, height) == (1890, 1417)
    page = (project / "build" / "site" / "fr" / "fest" / "index.html").read_text(encoding="utf-8")
    assert '<figure><picture><source type="image/webp" srcset="images/dance.480.webp 480w, ' in page
    assert '<img src="images/dance.1600.jpg" alt="Danseurs du collectif Nafass"' in page
    assert '<span class="credit">© Rezvan Zahedi</span></figcaption></figure>' in page
    with Image.open(project / "build" / "site" / "fr" / "fest" / "images" / "dance.1600.jpg") as web:
        assert web.size == (1600, 1200)


def test_renditions_are_made_once(project: Path) -> None:
    assert build(project_root=project).ok
    cache = sorted((project / "build" / ".cache" / "images").iterdir())
    assert len(cache) == 7  # print, and 3 widths × (WebP, JPEG) for the web
    stamps = [p.stat().st_mtime_ns for p in cache]
    assert build(project_root=project).ok
    assert [p.stat().st_mtime_ns for p in sorted((project / "build" / ".cache" / "images").iterdir())] == stamps
    # A changed image gets new renditions.
    Image.new("RGB", (800, 600), (0, 0, 0)).save(project / "briefings" / "fest" / "images" / "dance.jpg")
    assert build(project_root=project).ok
    assert len(list((project / "build" / ".cache" / "images").iterdir())) == 7 + 5  # 800 px wide: 2 web widths


def test_missing_image_names_file_and_line(project: Path) -> None:
    (project / "briefings" / "fest" / "images" / "dance.jpg").unlink()
    result = build(project_root=project, formats=[OutputFormat.PDF])
    assert [str(e).split("\n")[0] for e in result.errors] == [
        "briefings/fest/fr.md:7: image images/dance.jpg not found"
    ]


def test_unreadable_and_huge_images_are_errors(project: Path) -> None:
    image = project / "briefings" / "fest" / "images" / "dance.jpg"
    image.write_bytes(b"not an image")
    (message,) = [str(e) for e in build(project_root=project, formats=[OutputFormat.PDF]).errors]
    assert message.startswith("briefings/fest/fr.md:7: image dance.jpg cannot be read")
    Image.new("1", (12000, 9000)).save(image.with_suffix(".png"))
    image.unlink()
    md = project / "briefings" / "fest" / "fr.md"
    md.write_text(md.read_text().replace("dance.jpg", "dance.png"))
    (message,) = [str(e) for e in build(project_root=project, formats=[OutputFormat.PDF]).errors]
    assert message.startswith("briefings/fest/fr.md:7: image dance.png is too large")


def test_missing_alt_text_is_a_warning_with_line(project: Path, caplog: pytest.LogCaptureFixture) -> None:
    md = project / "briefings" / "fest" / "fr.md"
    md.write_text(md.read_text().replace("Danseurs du collectif Nafass", ""))
    caplog.set_level(logging.WARNING)
    assert build(project_root=project, formats=[OutputFormat.HTML]).ok
    assert any(
        r.getMessage().startswith("briefings/fest/fr.md:7: image images/dance.jpg has no alt text")
        for r in caplog.records
    )
