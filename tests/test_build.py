"""Behaviour of a whole build on small real projects: errors with file and line, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from publish import build
from publish.errors import ConfigError
from publish.model import OutputFormat

from .conftest import MakeProject, pdftotext, require_tool


@pytest.fixture
def project(tmp_path: Path, make_project: MakeProject) -> Path:
    """A fresh project: the repository's layouts and fonts, one good briefing in two languages."""
    make_project(tmp_path)
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
        'briefings/bad/en.md:3: unknown brand "we-exsit"\n  hint: did you mean "we-exist"?'
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
    # The head every PDF shares: the error names the template print.html.j2 extends, and its line.
    template = project / "layouts" / "base" / "templates" / "print-base.html.j2"
    template.write_text(template.read_text().replace("{{ doc.title }}", "{{ doc.titel }}", 1))
    result = build(project_root=project, formats=[OutputFormat.PDF])
    assert result.errors
    assert str(result.errors[0]).startswith("layouts/base/templates/print-base.html.j2:13: ")
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
    with pytest.raises(ConfigError, match=r"no publish\.toml"):
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
    assert (
        cli.main(["build", "briefings/x", "--lang", "ar", "--lang", "fr", "--format", "pdf", "--out", str(tmp_path)])
        == 0
    )
    assert callable(seen.pop("progress"))  # the console's progress bar and summary follow the build
    assert seen == {
        "paths": [Path("briefings/x")],
        "langs": ["ar", "fr"],
        "formats": [OutputFormat.PDF],
        "out": tmp_path,
        "pdf_variant": "pdf/ua-1",
        "strict": False,
    }
    assert cli.main(["build", "--pdf-variant", "none"]) == 0
    assert seen["pdf_variant"] is None


def test_config_problems_reported_together_with_hints(project: Path) -> None:
    (project / "publish.toml").write_text('[project]\ntitel = "x"\nlanguages = "en"\n')
    with pytest.raises(ConfigError) as caught:
        build(project_root=project)
    message = str(caught.value)
    # Every problem at once, each at its line with its key path.
    assert message.split("\n") == [
        'publish.toml:2: unknown key "project.titel" (did you mean "title"?)',
        'publish.toml:3: "project.languages" must be a list, not str',
    ]


def test_html_only_build_links_the_pdf_in_the_same_output_folder(project: Path, tmp_path_factory) -> None:
    out = tmp_path_factory.mktemp("out")
    assert build(project_root=project, out=out, formats=[OutputFormat.PDF]).ok
    assert build(project_root=project, out=out, formats=[OutputFormat.HTML]).ok
    page = (out / "site" / "en" / "good" / "index.html").read_text()
    assert 'href="good.en.pdf"' in page
    assert (out / "site" / "en" / "good" / "good.en.pdf").is_file()


def test_yaml_aliases_are_refused(project: Path) -> None:
    write(project, "bad/en.md", "---\ntitle: &a ok\nsubtitle: *a\n---\nbody\n")
    (message,) = errors_of(project)
    assert message.startswith("briefings/bad/en.md:2: front matter may not use YAML anchors or aliases")


def test_huge_source_file_is_refused(project: Path) -> None:
    write(project, "bad/en.md", "---\ntitle: ok\n---\n" + "word " * 500_000)
    (message,) = errors_of(project)
    assert message.startswith("briefings/bad/en.md: file is too large (2.5 MB; the limit is 2 MB)")


def test_deep_nesting_is_bounded(project: Path) -> None:
    write(project, "deep/en.md", "---\ntitle: Deep\n---\n\n" + "> " * 5000 + "x\n" + "- " * 3000 + "y\n")
    result = build(project_root=project, formats=[OutputFormat.HTML])
    assert result.ok
    assert "x" in (project / "build" / "site" / "en" / "deep" / "index.html").read_text()


def test_text_in_the_wrong_script(project: Path) -> None:
    write(project, "bad/ar.md", "---\ntitle: Report\n---\n\n" + "This report is written in English. " * 5)
    (message,) = errors_of(project)
    assert message.startswith("briefings/bad/ar.md:4: ar.md is mostly in Latin script")


def test_character_no_font_can_draw(project: Path) -> None:
    write(project, "bad/en.md", "---\ntitle: Fine\n---\n\nA line.\n\nA cat \U0001f408 here.\n")
    (message,) = errors_of(project)
    assert message.startswith("briefings/bad/en.md:7: no bundled font can draw “\U0001f408” (U+1F408 CAT)")


def test_strict_turns_warnings_into_failure(project: Path) -> None:
    (project / "briefings" / "good" / "images").mkdir()
    from PIL import Image

    Image.new("RGB", (10, 10)).save(project / "briefings" / "good" / "images" / "a.png")
    md = project / "briefings" / "good" / "en.md"
    md.write_text(md.read_text() + "\n![](images/a.png)\n")
    relaxed = build(project_root=project, formats=[OutputFormat.HTML])
    assert relaxed.ok and len(relaxed.warnings) == 1
    assert not build(project_root=project, formats=[OutputFormat.HTML], strict=True).ok
    run = subprocess.run(
        [sys.executable, "-m", "publish", "check", "--strict"], cwd=project, capture_output=True, text=True
    )
    assert run.returncode == 1
    assert "briefings/good/en.md:7: image images/a.png has no alt text" in run.stderr
    assert not (project / "build" / "pdf" / "good.en.pdf").exists()  # check writes nothing


@pytest.mark.parametrize("after", [1, 3, 6])
@pytest.mark.slow
def test_a_killed_build_leaves_only_complete_files(project: Path, after: int) -> None:
    """Kill the build once `after` PDFs exist, so it dies in the middle of the others."""
    import signal
    import time

    for n in range(8):
        write(project, f"b{n}/en.md", f"---\ntitle: Briefing {n}\n---\n\n" + "A paragraph of text. " * 1500 + "\n")
    pdf_dir = project / "build" / "pdf"
    process = subprocess.Popen([sys.executable, "-m", "publish", "build", "--format", "pdf"], cwd=project)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if len(list(pdf_dir.glob("*.pdf"))) >= after:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    pdfs = list(pdf_dir.glob("*.pdf"))
    assert len(pdfs) < 10, "the build finished before it was killed: the test proves nothing"
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), f"{pdf.name} is truncated"


HOSTILE = """---
title: Hostile
---

Text <script>alert("x")</script> and <b onclick="alert(1)">bold</b>.

<link rel="attachment" href="/etc/passwd">

[click](javascript:alert(1)) [file](file:///etc/passwd) [data](data:text/html,<script>x</script>)

[span]{onclick="alert(1)" style="position:fixed"}
"""


@pytest.mark.parametrize("allow", [False, True])
def test_hostile_markdown_reaches_neither_pdf_nor_page(project: Path, allow: bool) -> None:
    if allow:  # even a project that allows some raw HTML keeps scripts, handlers and attachments out
        (project / "publish.toml").write_text('[project]\ntitle = "Test"\n[markdown]\nallow_html = ["b", "abbr"]\n')
    write(project, "hostile/en.md", HOSTILE)
    result = build(project_root=project)
    assert result.ok, [str(e) for e in result.errors]
    page = (project / "build" / "site" / "en" / "hostile" / "index.html").read_text()
    body = page[page.index("<main") :]
    # Markup, not the escaped text that shows the writer what was typed.
    for needle in (
        "<script",
        'onclick="',
        'href="javascript:',
        'href="file:',
        'href="data:',
        "<link",
        'style="position',
    ):
        assert needle not in body, needle
    pdf = project / "build" / "pdf" / "hostile.en.pdf"
    attachments = subprocess.run([require_tool("pdfdetach"), "-list", str(pdf)], capture_output=True, text=True)
    assert attachments.stdout.startswith("0 embedded files")
    assert "root:" not in pdftotext(pdf)


def test_config_refuses_unsafe_html_tags(project: Path) -> None:
    (project / "publish.toml").write_text('[project]\ntitle = "T"\n[markdown]\nallow_html = ["abbr", "script"]\n')
    with pytest.raises(ConfigError, match="cannot allow 'script'"):
        build(project_root=project)


def test_network_only_for_listed_hosts_and_refusals_name_the_line(project: Path) -> None:
    import http.server
    import threading
    from io import BytesIO

    from PIL import Image

    png = BytesIO()
    Image.new("RGB", (40, 20), (200, 0, 0)).save(png, "PNG")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(png.getvalue())

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/logo.png"
    config = '[project]\ntitle = "T"\n[markdown]\nallow_html = ["img"]\n'
    (project / "publish.toml").write_text(config)
    write(project, "net/en.md", f'---\ntitle: Net\n---\n\nIntro.\n\n<img src="{url}" alt="logo">\n')
    try:
        refused = build(project_root=project, formats=[OutputFormat.PDF])
        assert [str(e).split("\n")[0] for e in refused.errors] == [
            f"briefings/net/en.md:7: image {url} is on a host publish may not load from"
        ]
        (project / "publish.toml").write_text(config + '[network]\nallow = ["127.0.0.1"]\n')
        allowed = build(project_root=project, formats=[OutputFormat.PDF])
        assert allowed.ok, [str(e) for e in allowed.errors]
        listing = subprocess.run(
            [require_tool("pdfimages"), "-list", str(project / "build" / "pdf" / "net.en.pdf")],
            capture_output=True,
            text=True,
            check=True,
        )
        assert " 40    20 " in listing.stdout
    finally:
        server.shutdown()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unknown_weasyprint_still_builds_every_pdf_with_one_warning(
    project: Path, tmp_path_factory: pytest.TempPathFactory, jobs: str
) -> None:
    """On a WeasyPrint the text layer was not written for, PDFs come from WeasyPrint's own text layer."""
    write(project, "good/fr.md", "---\ntitle: Bonne note\n---\n\nTout va bien.\n")
    fake = tmp_path_factory.mktemp("fake-weasyprint")
    # Every process of the build (the workers too) starts with WeasyPrint claiming another version.
    (fake / "sitecustomize.py").write_text('import weasyprint\nweasyprint.__version__ = "99.0"\n')
    path = os.pathsep.join(filter(None, [str(fake), os.environ.get("PYTHONPATH")]))  # publish's sources stay first
    env = {**os.environ, "PYTHONPATH": path, "NO_COLOR": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "publish", "build", "--format", "pdf", "--jobs", jobs],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    warnings = [line for line in run.stderr.splitlines() if "WeasyPrint 99.0" in line]
    assert len(warnings) == 1, run.stderr
    assert "written for WeasyPrint 70.0" in warnings[0] and "weasyprint==70.0" in warnings[0]
    pdfs = sorted(p.name for p in (project / "build" / "pdf").glob("*.pdf"))
    assert pdfs == ["good.ar.pdf", "good.en.pdf", "good.fr.pdf"]
    assert "All is well." in pdftotext(project / "build" / "pdf" / "good.en.pdf")
    assert "Tout va bien." in pdftotext(project / "build" / "pdf" / "good.fr.pdf")
