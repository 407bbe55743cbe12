"""Hostile input that would make parsing slow: each is refused with its line, or read in linear time.

Issue 20, item 6. A briefing comes from a pull request; `publish check` runs on it in CI, so a
file made to hang the parser must fail in seconds with a message, not time the job out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from publish.direction import mark_directions
from publish.errors import SourceError
from publish.model import Direction, Meta, Source
from publish.parse import MAX_BRACKETS, make_parser, parse

from .conftest import ROOT


def source(body: str, lang: str = "en") -> Source:
    return Source("x", lang, Path(f"briefings/x/{lang}.md"), Meta(title="X"), body, 5)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(ROOT / "layouts", root / "layouts")
    (root / "fonts").symlink_to(ROOT / "fonts")
    (root / "publish.toml").write_text('[project]\ntitle = "Test"\n')
    return root


def test_a_file_of_unclosed_brackets_is_refused_with_its_line(project: Path) -> None:
    # 300,000 `[` took markdown-it and its plugins about 19 s; 2 MB of them, minutes.
    folder = project / "briefings" / "x"
    folder.mkdir(parents=True)
    (folder / "en.md").write_text("---\ntitle: X\n---\n\nA first paragraph.\n\n" + "[" * 300_000 + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "publish", "check"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=600,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(
        "briefings/x/en.md:7: too many [ brackets: more than 10,000 in this file's text "
        "(each is read as a possible link)\n"
        "  hint: a briefing has tens; put bracketed data in a code block (```), where [ is plain text\n"
    )
    assert "Traceback" not in done.stderr


def test_brackets_are_counted_across_paragraphs_at_the_block_that_crosses_the_limit() -> None:
    body = "".join(f"Paragraph {i} [[[[[[[[[[\n\n" for i in range(MAX_BRACKETS // 10 + 1))
    with pytest.raises(SourceError) as caught:
        parse(source(body), make_parser())
    # The 1,001st paragraph, on body line 2,001, brings the count to 10,010.
    assert str(caught.value).startswith("briefings/x/en.md:2005: too many [ brackets")


def test_brackets_in_code_and_up_to_the_limit_are_read() -> None:
    code = "```json\n" + "[" * (3 * MAX_BRACKETS) + "\n```\n\n"
    doc = parse(source(code + "[" * (MAX_BRACKETS - 1) + "\n\n[a link](https://example.org)\n"), make_parser())
    assert '<a href="https://example.org">a link</a>' in doc.html
    assert "[" * (3 * MAX_BRACKETS) in doc.html


def _direction_seconds(rows: int) -> float:
    """CPU time of the direction analysis alone over a table of `rows` rows (best of three)."""
    table = "| English | عربي |\n|---|---|\n" + "".join(f"| row {i} | صف {i} |\n" for i in range(rows))
    md = make_parser()
    md.core.ruler.disable("direction")
    best = float("inf")
    for _ in range(3):
        tokens = md.parse(table, {"direction": Direction.LTR, "lang": "en", "path": "x", "line_offset": 1})
        start = time.process_time()
        mark_directions(SimpleNamespace(tokens=tokens, env={"direction": Direction.LTR}))
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.slow
def test_direction_analysis_grows_linearly_with_a_long_table() -> None:
    # It looked for each cell's text in a copy of the rest of the token list: a 20,000-row table
    # took 18 s to check. Four times the rows must take about four times as long, not sixteen.
    small, large = _direction_seconds(2_000), _direction_seconds(8_000)
    assert large < 8 * small, f"2,000 rows: {small:.2f} s, 8,000 rows: {large:.2f} s"


def test_a_long_table_keeps_each_cells_direction() -> None:
    table = "| English | عربي |\n|---|---|\n" + "".join(f"| row {i} | صف {i} |\n" for i in range(3))
    html = parse(source(table), make_parser()).html
    assert html.count('<td dir="rtl">') == 3
    assert html.count("<td>row") == 3
