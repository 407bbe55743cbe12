"""Behaviour of a whole build on small real projects: errors with file and line, nothing lost."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from publish import build
from publish.errors import ConfigError
from publish.model import OutputFormat

from .conftest import ROOT, pdftotext


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh project: the repository's layouts and fonts, one good briefing in two languages."""
    shutil.copytree(ROOT / "layouts", tmp_path / "layouts")
    shutil.copytree(ROOT / "fonts", tmp_path / "fonts")
    (tmp_path / "publish.toml").write_text('[project]\ntitle = "Test"\n')
    write(tmp_path, "good/en.md", "---\ntitle: Good briefing\n---\n\nAll is well.\n")
    write(tmp_path, "good/ar.md", "---\ntitle: إحاطة جيدة\n---\n\nكل شيء على ما يرام.\n")
    return tmp_path


def write(root: Path, name: str, text: str | bytes) -> Path:
    path = root / "briefings" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def errors_of(project: Path, **kwargs) -> list[str]:
    return [str(e) for e in build(project_root=project, formats=[OutputFormat.HTML], **kwargs).errors]


def test_good_project_builds_silently(project: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")
    result = build(project_root=project)
    assert result.ok
    assert (project / "build" / "pdf" / "good.ar.pdf").is_file()
    assert "كل شيء" in pdftotext(project / "build" / "pdf" / "good.ar.pdf")
    assert not caplog.records, [r.getMessage() for r in caplog.records]


def test_yaml_error_names_the_file_line(project: Path) -> None:
    write(project, "bad/en.md", "---\ntitle: ok\nsubtitle: a: b\n---\nbody\n")
    (message,) = errors_of(project)
    assert message.startswith("briefings/bad/en.md:3: invalid YAML")


def test_unknown_key_suggests_the_right_one(project: Path) -> None:
    write(project, "bad/en.md", "---\ntitle: ok\nsubtitel: x\n---\nbody\n")
    (message,) = errors_of(project)
    assert message.startswith('briefings/bad/en.md:3: unknown front matter key "subtitel"')
    assert 'did you mean "subtitle"?' in message


def test_missing_title(project: Path) -> None:
    write(project, "bad/fr.md", "---\nsubtitle: x\n---\nbody\n")
    (message,) = errors_of(project)
    assert "briefings/bad/fr.md:1: front matter has no title" in message


def test_invalid_utf8_names_the_line(project: Path) -> None:
    write(project, "bad/en.md", b"---\ntitle: ok\n---\n\nfine\ncaf\xe9\n")
    (message,) = errors_of(project)
    assert message.startswith("briefings/bad/en.md:6: not valid UTF-8")


def test_file_not_named_after_a_language(project: Path) -> None:
    write(project, "bad/english.md", "---\ntitle: ok\n---\n")
    (message,) = errors_of(project)
    assert '"english.md" is not named after a language' in message


def test_unknown_brand_fails_that_briefing_only(project: Path) -> None:
    write(project, "bad/en.md", "---\ntitle: ok\nbrand: we-exsit\n---\nbody\n")
    result = build(project_root=project, formats=[OutputFormat.HTML])
    assert [str(e) for e in result.errors] == [
        'unknown brand "we-exsit"\n  hint: brands in layouts/: base'
    ]
    assert (project / "build" / "site" / "en" / "good" / "index.html").is_file()


def test_one_broken_language_keeps_the_others_and_the_last_good_pdf(project: Path) -> None:
    assert build(project_root=project).ok
    pdf = project / "build" / "pdf" / "good.en.pdf"
    before = pdf.read_bytes()
    write(project, "good/en.md", "---\ntitle: [unclosed\n---\nbody\n")
    result = build(project_root=project)
    assert len(result.errors) == 1
    assert pdf.read_bytes() == before  # the last good PDF is kept
    assert project / "build" / "pdf" / "good.ar.pdf" in result.outputs


def test_template_error_names_template_and_line(project: Path) -> None:
    template = project / "layouts" / "base" / "templates" / "print.html.j2"
    template.write_text(template.read_text().replace("{{ doc.title }}", "{{ doc.titel }}", 1))
    result = build(project_root=project, formats=[OutputFormat.PDF])
    assert result.errors
    assert str(result.errors[0]).startswith("layouts/base/templates/print.html.j2:5: ")
    assert "titel" in str(result.errors[0])


def test_images_outside_the_briefing_are_refused_with_their_line(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    secret = tmp_path_factory.mktemp("outside") / "secret.png"
    secret.write_bytes(b"not for the PDF")
    # An absolute path would resolve against the file:// URL of the briefing, i.e. anywhere.
    write(project, "leak/en.md", f"---\ntitle: Leak\n---\n\n![x]({secret})\n\n![y](../good/en.md)\n")
    result = build(project_root=project, formats=[OutputFormat.PDF])
    assert [str(e).split("\n")[0] for e in result.errors] == [
        f"briefings/leak/en.md:5: image {secret} is not a file of the briefing"
    ]


def test_the_fetcher_refuses_files_outside_the_project(project: Path, tmp_path_factory) -> None:
    secret = tmp_path_factory.mktemp("outside") / "secret.css"
    secret.write_text("body { color: red }")
    css = project / "layouts" / "base" / "css" / "print.css"
    css.write_text(f'@import url("{secret.as_uri()}");\n' + css.read_text())
    result = build(project_root=project, formats=[OutputFormat.PDF])
    assert result.errors
    assert all(f"refused to load {secret.as_uri()}" in str(e) for e in result.errors)
    assert str(result.errors[0]).startswith("briefings/good/")


def test_no_project_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no publish.toml"):
        build(project_root=tmp_path)


def test_cli_exit_status_and_no_traceback(project: Path) -> None:
    write(project, "bad/en.md", "---\ntitle: ok\nsubtitel: x\n---\nbody\n")
    run = subprocess.run(
        [sys.executable, "-m", "publish", "build", "--format", "html"], cwd=project, capture_output=True, text=True
    )
    assert run.returncode == 1
    assert "briefings/bad/en.md:3: unknown front matter key" in run.stderr
    assert "Traceback" not in run.stderr
    assert (project / "build" / "site" / "en" / "good" / "index.html").is_file()


def test_cli_version_and_module_entry_point() -> None:
    from publish import __version__

    run = subprocess.run([sys.executable, "-m", "publish", "--version"], capture_output=True, text=True)
    assert run.returncode == 0
    assert run.stdout.strip() == f"publish {__version__}"


def test_cli_passes_arguments_to_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from publish import BuildResult, cli

    seen = {}

    def fake_build(paths, **kwargs):
        seen.update(paths=paths, **kwargs)
        return BuildResult()

    monkeypatch.setattr(cli, "build", fake_build)
    assert cli.main(["build", "briefings/x", "--lang", "ar", "--lang", "fr", "--format", "pdf", "--out", str(tmp_path)]) == 0
    assert seen == {
        "paths": [Path("briefings/x")], "langs": ["ar", "fr"], "formats": [OutputFormat.PDF], "out": tmp_path,
        "pdf_variant": "pdf/ua-1",
    }
    assert cli.main(["build", "--pdf-variant", "none"]) == 0
    assert seen["pdf_variant"] is None


def test_config_problems_reported_together_with_hints(project: Path) -> None:
    (project / "publish.toml").write_text('[project]\ntitel = "x"\nlanguages = "en"\n')
    with pytest.raises(ConfigError) as caught:
        build(project_root=project)
    message = str(caught.value)
    assert message.startswith("publish.toml: ")
    assert 'unknown key "project.titel" (did you mean "title"?)' in message
    assert '"project.languages" must be a list, not str' in message


def test_html_only_build_links_the_pdf_in_the_same_output_folder(project: Path, tmp_path_factory) -> None:
    out = tmp_path_factory.mktemp("out")
    assert build(project_root=project, out=out, formats=[OutputFormat.PDF]).ok
    assert build(project_root=project, out=out, formats=[OutputFormat.HTML]).ok
    page = (out / "site" / "en" / "good" / "index.html").read_text()
    assert 'href="good.en.pdf"' in page
    assert (out / "site" / "en" / "good" / "good.en.pdf").is_file()
