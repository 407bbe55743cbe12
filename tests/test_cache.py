"""Incremental builds: each kind of input, changed, makes again exactly the outputs made from it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from publish import build, cache
from publish.model import OutputFormat

from .conftest import MakeProject

HTML = [OutputFormat.HTML]


def png(path: Path, colour: str) -> None:
    from PIL import Image

    Image.new("RGB", (8, 8), colour).save(path)


@pytest.fixture
def project(tmp_path: Path, make_project: MakeProject) -> Path:
    """Two briefings: one of the base brand in English and Arabic (an image, signatories), one of its own brand."""
    make_project(tmp_path, layouts=["base"])
    (tmp_path / "layouts" / "other" / "css").mkdir(parents=True)
    (tmp_path / "layouts" / "other" / "brand.toml").write_text('name = "Other"\n')
    (tmp_path / "layouts" / "other" / "css" / "common.css").write_text(":root { --color-accent: #123456; }\n")
    one = tmp_path / "briefings" / "one"
    (one / "images").mkdir(parents=True)
    png(one / "images" / "dot.png", "red")
    (one / "names.csv").write_text("name,country,kind\nAlliance,Syria,organisation\n")
    (one / "en.md").write_text(
        "---\ntitle: One\n---\n\nAll is well.\n\n![A dot](images/dot.png)\n\n::: signatories file=names.csv\n:::\n"
    )
    (one / "ar.md").write_text("---\ntitle: واحد\n---\n\nكل شيء على ما يرام.\n\n::: signatories file=names.csv\n:::\n")
    two = tmp_path / "briefings" / "two"
    two.mkdir()
    (two / "briefing.toml").write_text('brand = "other"\n')
    (two / "en.md").write_text("---\ntitle: Two\n---\n\nAnother briefing.\n")
    return tmp_path


def made(result, project: Path, out: str = "build") -> set[str]:
    """Return the outputs a build wrote, relative to its output folder."""
    return {path.relative_to(project / out).as_posix() for path in result.made}


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


PAGES_ONE = {"site/en/one/index.html", "site/ar/one/index.html"}


def test_nothing_changed_makes_nothing(project: Path) -> None:
    first = build(project_root=project, formats=HTML)
    assert first.ok, first.errors
    assert "site/en/index.html" in made(first, project)
    again = build(project_root=project, formats=HTML)
    assert again.ok and again.made == []
    assert sorted(again.reused) == sorted(first.made)


def test_nothing_changed_imports_no_weasyprint(project: Path) -> None:
    assert build(project_root=project, jobs=1).ok
    script = (
        "import sys; from publish import build; r = build(project_root=sys.argv[1]); "
        "print(len(r.made), len(r.reused), *(m in sys.modules for m in ('weasyprint', 'markdown_it', 'babel')))"
    )
    run = subprocess.run([sys.executable, "-c", script, str(project)], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["0", "10", "False", "False", "False"], run.stderr


def test_files_unchanged_since_the_last_build_are_not_read_again(project: Path, monkeypatch) -> None:
    """A file's digest is remembered with its size, times and inode; new content shows even when a tool
    puts the size and modification time back (the change time moves all the same)."""
    monkeypatch.setattr(cache, "RACY_NS", -1)  # the files were written just now: remember them all the same
    assert build(project_root=project, formats=HTML).ok
    source = project / "briefings" / "one" / "en.md"
    read: list[Path] = []
    file_digest = cache.file_digest
    monkeypatch.setattr(cache, "file_digest", lambda path: read.append(Path(path)) or file_digest(path))
    assert build(project_root=project, formats=HTML).made == []
    assert not [p for p in read if p.is_relative_to(project / "briefings")], read
    before = source.stat()
    edit(source, "All is well.", "All is fine.")  # the same size
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert source.stat().st_size == before.st_size
    assert made(build(project_root=project, formats=HTML), project) == {"site/en/one/index.html"}
    assert source in read


def test_a_language_file_makes_its_outputs_again(project: Path) -> None:
    assert build(project_root=project, formats=HTML).ok
    edit(project / "briefings" / "one" / "en.md", "All is well.", "All is still well.")
    assert made(build(project_root=project, formats=HTML), project) == {"site/en/one/index.html"}
    # A new title is shown by the page listing it too, and only there.
    edit(project / "briefings" / "one" / "en.md", "title: One", "title: One, again")
    assert made(build(project_root=project, formats=HTML), project) == {
        "site/en/one/index.html",
        "site/en/index.html",
    }


def test_a_file_saved_unchanged_makes_nothing(project: Path) -> None:
    assert build(project_root=project, formats=HTML).ok
    path = project / "briefings" / "one" / "en.md"
    path.write_bytes(path.read_bytes())
    assert build(project_root=project, formats=HTML).made == []


def test_a_new_translation_updates_the_pages_that_offer_it(project: Path) -> None:
    assert build(project_root=project, formats=HTML).ok
    (project / "briefings" / "two" / "ar.md").write_text("---\ntitle: اثنان\n---\n\nإحاطة أخرى.\n")
    # Its page, its language's list, and the English page whose language switcher now links it.
    assert made(build(project_root=project, formats=HTML), project) == {
        "site/ar/two/index.html",
        "site/en/two/index.html",
        "site/ar/index.html",
    }


def test_a_data_file_makes_the_documents_reading_it_again(project: Path) -> None:
    assert build(project_root=project, formats=HTML).ok
    (project / "briefings" / "one" / "names.csv").write_text("name,country,kind\nAlliance,Syria,organisation\nB,,\n")
    assert made(build(project_root=project, formats=HTML), project) == PAGES_ONE


def test_an_image_makes_the_documents_showing_it_again(project: Path) -> None:
    assert build(project_root=project, formats=HTML).ok
    png(project / "briefings" / "one" / "images" / "dot.png", "blue")
    result = build(project_root=project, formats=HTML)
    assert made(result, project) == {"site/en/one/index.html"}  # ar.md shows no image


def test_a_brand_makes_only_its_briefings_again(project: Path) -> None:
    assert build(project_root=project, formats=HTML).ok
    (project / "layouts" / "other" / "css" / "common.css").write_text(":root { --color-accent: #654321; }\n")
    assert made(build(project_root=project, formats=HTML), project) == {"site/en/two/index.html"}
    # The base layout is every brand's: its strings change every page.
    strings = project / "layouts" / "base" / "strings" / "en.toml"
    if strings.is_file():
        strings.write_text(strings.read_text() + "\n")
    else:
        (project / "layouts" / "base" / "templates" / "extra.html.j2").write_text("{# new #}\n")
    assert made(build(project_root=project, formats=HTML), project) >= PAGES_ONE | {"site/en/two/index.html"}


def test_fonts_config_code_and_packages_make_everything_again(project: Path, monkeypatch) -> None:
    assert build(project_root=project, formats=HTML).ok
    everything = PAGES_ONE | {"site/en/two/index.html", "site/en/index.html", "site/ar/index.html"}
    everything |= {"site/index.html", "site/404.html"}
    (project / "fonts" / "NOTICE.txt").write_text("a new file among the fonts\n")
    assert made(build(project_root=project, formats=HTML), project) == everything
    edit(project / "publish.toml", "Test", "Test again")
    assert made(build(project_root=project, formats=HTML), project) == everything
    monkeypatch.setattr(cache, "code_digest", lambda package, digest=None: "another publish")
    assert made(build(project_root=project, formats=HTML), project) == everything
    monkeypatch.setattr(cache, "environment_digest", lambda: "another WeasyPrint")
    assert made(build(project_root=project, formats=HTML), project) == everything


def test_pdf_inputs_options_and_dates(project: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    assert build(project_root=project, jobs=1, paths=[project / "briefings" / "two"]).ok
    pdf = "pdf/two.en.pdf"
    assert build(project_root=project, jobs=1, paths=[project / "briefings" / "two"]).made == []
    # The PDF variant is an input of PDFs only; the page links the new PDF, so it is made again too.
    result = build(project_root=project, jobs=1, paths=[project / "briefings" / "two"], pdf_variant=None)
    assert made(result, project) == {pdf, "site/en/two/index.html"}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    result = build(project_root=project, jobs=1, paths=[project / "briefings" / "two"], formats=[OutputFormat.PDF])
    assert made(result, project) == {pdf}
    # A stylesheet the typesetter loaded (the brand's) makes the PDF again.
    edit(project / "layouts" / "other" / "css" / "common.css", "#123456", "#234567")
    result = build(project_root=project, jobs=1, paths=[project / "briefings" / "two"], formats=[OutputFormat.PDF])
    assert made(result, project) == {pdf}


def test_force_and_missing_outputs(project: Path) -> None:
    first = build(project_root=project, formats=HTML)
    assert made(build(project_root=project, formats=HTML, force=True), project) == made(first, project)
    (project / "build" / "site" / "ar" / "one" / "index.html").unlink()
    assert made(build(project_root=project, formats=HTML), project) == {"site/ar/one/index.html"}
    # An output changed by hand is made again, one copied elsewhere and back is not.
    page = project / "build" / "site" / "en" / "one" / "index.html"
    page.write_text(page.read_text() + "<!-- edited -->")
    assert made(build(project_root=project, formats=HTML), project) == {"site/en/one/index.html"}
    shutil.copy(page, page.with_suffix(".bak"))
    page.with_suffix(".bak").replace(page)
    assert build(project_root=project, formats=HTML).made == []


def test_shared_site_files_are_made_again_when_removed(project: Path) -> None:
    assert build(project_root=project, formats=HTML).ok
    shutil.rmtree(project / "build" / "site" / "assets")
    result = build(project_root=project, formats=HTML)
    assert result.ok
    assert (project / "build" / "site" / "assets" / "fonts").is_dir()


def test_warnings_are_logged_again_and_errors_never_cached(project: Path) -> None:
    edit(project / "briefings" / "one" / "en.md", "![A dot]", "![]")
    first = build(project_root=project, formats=HTML, strict=True)
    again = build(project_root=project, formats=HTML, strict=True)
    assert again.made == [] and not again.ok
    assert again.warnings == first.warnings and len(first.warnings) == 1 and "alt text" in first.warnings[0]
    (project / "briefings" / "two" / "en.md").write_text("---\ntitle: [unclosed\n---\n")
    for _ in range(2):
        result = build(project_root=project, formats=HTML)
        assert [str(e).split(":")[0] for e in result.errors] == ["briefings/two/en.md"]


def test_the_manifest_names_inputs_by_kind(project: Path) -> None:
    assert build(project_root=project, formats=HTML).ok
    data = json.loads((project / "build" / ".cache" / "manifest.json").read_text())
    inputs = data["records"]["page:one.en"]["inputs"]
    assert {"file:briefings/one/en.md", "file:briefings/one/names.csv", "file:briefings/one/images/dot.png"} <= set(
        inputs
    )
    assert {"tree:layouts/base", "tree:fonts", "code:", "env:", "catalogue:of/one"} <= set(inputs)
    assert "file:briefings/one/ar.md" not in inputs


def test_an_input_edited_during_the_build_is_not_cached_as_built(tmp_path: Path, make_project: MakeProject) -> None:
    """The output may hold the text from before the edit: the next build must make it again."""
    import os
    import time as clock

    from publish import build as run_build
    from publish.model import OutputFormat

    make_project(tmp_path, '[project]\ntitle = "T"\ndefault_brand = "base"\n')
    source = tmp_path / "briefings" / "b" / "en.md"
    source.parent.mkdir(parents=True)
    source.write_text("---\ntitle: One\n---\n\nFirst text.\n")
    # Pretend the file was saved after this build started (as an editor does mid-build).
    future = clock.time_ns() + 10_000_000_000
    os.utime(source, ns=(future, future))
    first = run_build(project_root=tmp_path, formats=[OutputFormat.HTML], jobs=1)
    assert first.ok and first.made
    second = run_build(project_root=tmp_path, formats=[OutputFormat.HTML], jobs=1)
    page = tmp_path / "build" / "site" / "en" / "b" / "index.html"
    assert page in second.made, "an output whose input changed mid-build was reused"
