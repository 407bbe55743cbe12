"""What the command line prints: a summary table, plain off a terminal, coloured with a bar on one."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from publish import BuildResult
from publish.console import BuildReport, Verbosity
from publish.model import OutputFormat
from publish.progress import Delivered, Output, Planned

from .conftest import MakeProject, write


def publish(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "publish", *args], cwd=root, capture_output=True, text=True)


def test_build_summary_off_a_terminal_is_plain_text(tmp_path: Path, make_project: MakeProject) -> None:
    root = make_project(tmp_path, '[project]\ntitle = "Brands"\nlanguages = ["en"]\n')
    write(root, "briefings/one/en.md", "---\ntitle: One\n---\n\nText.\n")
    write(root, "briefings/two/en.md", "---\ntitle: [broken\n---\n\nText.\n")
    first = publish(root, "build", "--format", "html")
    assert first.returncode == 1
    assert "\x1b[" not in first.stderr  # no colours in a log or a pipe
    lines = first.stderr.splitlines()
    rows = [line.split()[:6] for line in lines]
    assert ["build/site/en/one/index.html", "one", "en", "web", "page", "built"] in rows, lines
    assert ["briefings/two/en.md", "two", "en", "web", "page", "failed"] in rows, lines
    assert any(line.startswith("briefings/two/en.md:2: invalid YAML") for line in lines)
    assert "publish: 1 built, 0 unchanged, 1 failed in " in first.stderr

    again = publish(root, "build", "--format", "html")
    assert "publish: 0 built, 1 unchanged, 1 failed in " in again.stderr
    assert "build/site/en/one/index.html" not in again.stderr  # unchanged outputs: only counted
    verbose = publish(root, "build", "--format", "html", "--verbose")
    assert any(
        line.split()[:6] == ["build/site/en/one/index.html", "one", "en", "web", "page", "unchanged"]
        for line in verbose.stderr.splitlines()
    )
    quiet = publish(root, "-q", "build", "--format", "html")
    assert quiet.stderr.splitlines() == [
        "briefings/two/en.md:2: invalid YAML in front matter: expected ',' or ']', but got '<stream end>'",
        '  hint: quote values that contain ": " or start with a special character',
        "publish: 1 error(s); 1 of 2 outputs failed, 0 built, 1 unchanged",
    ]


def test_on_a_terminal_a_progress_bar_names_the_output_and_the_summary_has_colours() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100, color_system="standard")
    pdf, page = Output("we-exist-2020", "ar", OutputFormat.PDF), Output("we-exist-2020", "ar", OutputFormat.HTML)
    with BuildReport(console, Verbosity.NORMAL, Path("/p")) as report:
        report(Planned((pdf, page)))
        report(Delivered(Path("/p/build/pdf/we-exist-2020.ar.pdf"), made=True))
        shown = stream.getvalue()
        report(Delivered(Path("/p/build/site/ar/we-exist-2020/index.html"), made=False))

    report.summary(BuildResult())
    assert "1/2" in shown and "we-exist-2020 · ar · PDF" in shown
    out = stream.getvalue()
    assert "\x1b[32mbuilt" in out  # green
    assert "build/pdf/we-exist-2020.ar.pdf" in out
    assert "1 built, 1 unchanged" in out


def test_when_every_output_fails_the_last_line_says_none_was_built(tmp_path: Path, make_project: MakeProject) -> None:
    root = make_project(tmp_path, '[project]\ntitle = "Brands"\nlanguages = ["en", "fr"]\n', layouts=["base"])
    write(root, "briefings/one/en.md", "---\ntitle: [broken\n---\n\nText.\n")
    write(root, "briefings/one/fr.md", "---\ntitle: [cassé\n---\n\nTexte.\n")

    run = publish(root, "build")

    assert run.returncode == 1
    lines = run.stderr.splitlines()
    assert lines[-1] == "publish: 2 error(s); none of the 4 outputs was built"
    assert "the other outputs were built" not in run.stderr
    assert "publish: 0 built, 0 unchanged, 4 failed in " in run.stderr
    # One row per output, each source once per format, the format named.
    rows = [line.split() for line in lines if line.startswith("briefings/one/")]
    assert [row[:4] for row in rows if len(row) >= 4 and row[1] == "one"] == [
        ["briefings/one/en.md", "one", "en", "PDF"],
        ["briefings/one/en.md", "one", "en", "web"],
        ["briefings/one/fr.md", "one", "fr", "PDF"],
        ["briefings/one/fr.md", "one", "fr", "web"],
    ]
    assert not (root / "build/pdf").exists() or not any((root / "build/pdf").iterdir())


def test_the_progress_count_never_passes_its_total() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100, color_system="standard")
    page = Output("we-exist-2020", "ar", OutputFormat.HTML)
    with BuildReport(console, Verbosity.NORMAL, Path("/p")) as report:
        report(Planned((page,)))
        # The index pages and the list pages are delivered too, but were not planned.
        report(Delivered(Path("/p/build/site/index.html"), made=True))
        report(Delivered(Path("/p/build/site/ar/index.html"), made=True))
        report(Delivered(Path("/p/build/site/404.html"), made=True))
        report(Delivered(Path("/p/build/site/ar/we-exist-2020/index.html"), made=True))
        shown = stream.getvalue()

    assert "1/1" in shown
    assert not any(f"{n}/1" in shown for n in range(2, 5))
    assert report.counts() == ([page], [], [])


def _on_a_terminal(root: Path, env: dict[str, str], *args: str) -> str:
    """Run publish with a pseudo-terminal as its stdin, stdout and stderr; return all it wrote there."""
    import os
    import pty

    leader, follower = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM", "FORCE_COLOR", "COLUMNS")}
    process = subprocess.Popen(
        [sys.executable, "-m", "publish", *args],
        cwd=root,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**environ, **env},
        close_fds=True,
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait() == 0
    return output.decode("utf-8", "replace")


def test_no_color_and_a_dumb_terminal_get_no_escape_sequences_on_a_terminal(
    tmp_path: Path, make_project: MakeProject
) -> None:
    root = make_project(tmp_path, '[project]\ntitle = "Plain"\nlanguages = ["en"]\n', layouts=["base"])
    write(root, "briefings/one/en.md", "---\ntitle: One\n---\n\n## A section\n\nText.\n")

    # The same build, on a terminal, coloured: the test can fail.
    coloured = _on_a_terminal(root, {"TERM": "xterm-256color"}, "build", "--format", "html", "--force")
    assert "\x1b[" in coloured
    assert "build/site/en/one/index.html" in coloured

    for env in ({"TERM": "xterm-256color", "NO_COLOR": "1"}, {"TERM": "dumb"}):
        plain = _on_a_terminal(root, env, "build", "--format", "html", "--force")
        assert "\x1b[" not in plain, (env, plain)
        assert "\x1b" not in plain  # no cursor moves either
        assert "build/site/en/one/index.html" in plain and "publish: 1 built" in plain
