"""`publish check`: translations compared with their original, drift reported with lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from publish import build
from publish.build import lint

from .conftest import ROOT, MakeProject

ORIGINAL = """---
title: Report
---

## One

- a
- b
- c

Text with a note[^1] and [a link](https://x.org).

## Two

### Two point one

[^1]: The note.
"""

TRANSLATION = """---
title: Rapport
translation: draft
original: en
---

## Un

- a
- b

Texte avec [un lien](https://x.org).

### Deux

### Deux point un
"""


@pytest.fixture
def project(tmp_path: Path, make_project: MakeProject) -> Path:
    make_project(tmp_path, '[project]\ntitle = "T"\n')
    folder = tmp_path / "briefings" / "r"
    folder.mkdir(parents=True)
    (folder / "en.md").write_text(ORIGINAL)
    (folder / "fr.md").write_text(TRANSLATION)
    return tmp_path


def test_drift_is_reported_with_files_and_lines(project: Path) -> None:
    folder = project / "briefings" / "r"
    os.utime(folder / "fr.md", (1_000_000, 1_000_000))  # the translation is older than its original
    result = lint(project_root=project)
    assert result.ok  # drift is a warning, never an error by default
    assert sorted(result.warnings) == sorted(
        [
            "briefings/r/fr.md: headings differ from the original from heading 2 on: briefings/r/fr.md:14 "
            "(level-3 heading) against briefings/r/en.md:13 (level-2 heading)",
            "briefings/r/fr.md: 2 list items where briefings/r/en.md has 3: briefings/r/en.md:9 has no counterpart",
            "briefings/r/fr.md: 0 footnotes where briefings/r/en.md has 1: briefings/r/en.md:11 has no counterpart",
            "briefings/r/fr.md: older than its original briefings/r/en.md (by file time): "
            "the original may have changed since",
        ]
    )
    assert not lint(project_root=project, strict=True).ok


def test_check_command_exit_status(project: Path) -> None:
    relaxed = subprocess.run([sys.executable, "-m", "publish", "check"], cwd=project, capture_output=True, text=True)
    assert relaxed.returncode == 0
    assert "briefings/r/fr.md: 2 list items" in relaxed.stderr
    strict = subprocess.run(
        [sys.executable, "-m", "publish", "check", "--strict"], cwd=project, capture_output=True, text=True
    )
    assert strict.returncode == 1


def test_the_shipped_briefings_have_not_drifted() -> None:
    result = lint(project_root=ROOT)
    assert result.ok and not result.warnings, result.warnings


def test_build_does_not_compare_translations(project: Path) -> None:
    from publish.model import OutputFormat

    assert build(project_root=project, formats=[OutputFormat.HTML], strict=True).ok
