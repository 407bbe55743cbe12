"""Figures and image renditions: caption and credit, sizes for print and web, cache, errors."""

from __future__ import annotations

import logging
import random
import subprocess
from html.parser import HTMLParser
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
    assert len(cache) == 8  # print, 3 widths × (WebP, JPEG) for the web, and the list of the web's
    stamps = [p.stat().st_mtime_ns for p in cache]
    assert build(project_root=project).ok
    assert [p.stat().st_mtime_ns for p in sorted((project / "build" / ".cache" / "images").iterdir())] == stamps
    # A changed image gets new renditions.
    Image.new("RGB", (800, 600), (0, 0, 0)).save(project / "briefings" / "fest" / "images" / "dance.jpg")
    assert build(project_root=project).ok
    assert len(list((project / "build" / ".cache" / "images").iterdir())) == 8 + 6  # 800 px wide: 2 web widths


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


class _Pictures(HTMLParser):
    """Each web image of a page: its `<source>` srcsets, and its `<img>`'s src, srcset, width and height."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.images: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "source":
            self.sources.append(found["srcset"])
        elif tag == "img":
            self.images.append(found)


def noise(size: tuple[int, int], mode: str = "RGB", seed: int = 7) -> Image.Image:
    """Random pixels (seeded): what no encoder can make small."""
    return Image.frombytes(mode, size, random.Random(seed).randbytes(size[0] * size[1] * len(mode)))


def test_no_served_file_is_over_a_megabyte(tmp_path: Path, make_project: MakeProject) -> None:
    """Noise defeats every encoder: the copies get a lower quality, a JPEG instead of a PNG, or fewer
    pixels, never over 1 MB or 2400 px, and the markup says the width of each file it names."""
    make_project(tmp_path)
    folder = tmp_path / "briefings" / "noise"
    (folder / "images").mkdir(parents=True)
    noise((2400, 1800)).save(folder / "images" / "photo.jpg", quality=95)  # a photo: JPEG at a lower quality
    noise((2000, 1500)).save(folder / "images" / "scan.png")  # opaque: served as a photo, not a 6 MB PNG
    noise((1800, 1200), "RGBA").save(folder / "images" / "cutout.png")  # transparent: a narrower PNG
    (folder / "en.md").write_text(
        "---\ntitle: Noise\n---\n\n![Photo](images/photo.jpg)\n\n![Scan](images/scan.png)\n\n"
        "![Cut-out](images/cutout.png)\n",
        encoding="utf-8",
    )
    result = build(project_root=tmp_path, formats=[OutputFormat.HTML])
    assert result.ok, [str(e) for e in result.errors]
    page_dir = tmp_path / "build" / "site" / "en" / "noise"
    served = {}
    for path in sorted((page_dir / "images").iterdir()):
        with Image.open(path) as image:
            assert {"WEBP": ".webp", "JPEG": ".jpg", "PNG": ".png"}[image.format] == path.suffix, path.name
            served[f"images/{path.name}"] = image.size
        assert path.stat().st_size <= 1_000_000, (path.name, path.stat().st_size)
        assert image.width <= 2400, path.name
    pictures = _Pictures()
    pictures.feed((page_dir / "index.html").read_text(encoding="utf-8"))
    named = set()
    for srcset in [*pictures.sources, *(img["srcset"] for img in pictures.images)]:
        for candidate in srcset.split(", "):
            name, width = candidate.split()
            assert width == f"{served[name][0]}w", (name, width, served[name])
            named.add(name)
    for img in pictures.images:
        assert (img["width"], img["height"]) == tuple(str(v) for v in served[img["src"]]), img
    assert named == set(served)  # every file named, and named files only
    # What each one became: the photo keeps its widths, the scan is served as JPEG, the cut-out narrower.
    assert [img["src"] for img in pictures.images][:2] == ["images/photo.1600.jpg", "images/scan.1600.jpg"]
    assert not any(name.startswith("images/scan") and name.endswith(".png") for name in served)
    cutout = pictures.images[2]["src"]
    assert cutout.endswith(".png") and served[cutout][0] < 1600, cutout
