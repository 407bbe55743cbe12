"""`publish check`: every translation compared with its original, drift reported with lines in both files."""

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
            "briefings/r/fr.md:14: “Deux” is a level-3 heading where its counterpart briefings/r/en.md:13 “Two” "
            "is level 2",
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


OUTLINE = """---
title: Outline
---

## Context

Two years on, more than half of the population is still displaced inside the country or abroad.

## Findings

Most families we met have moved more than twice.

### Displacement

Camps in the north hold four times the people they were built for; winter floods them every year.

### Shelter

Tents are replaced by block houses without water, sewage or title deeds, and rents keep rising.

## Recommendations

Fund shelter that families can own, and count returnees.

## Annex
"""


def _outline_project(root: Path, make_project: MakeProject, front: str, body: str) -> Path:
    make_project(root, '[project]\ntitle = "T"\n', layouts=["base"])
    folder = root / "briefings" / "o"
    folder.mkdir(parents=True)
    (folder / "en.md").write_text(OUTLINE)
    (folder / "fr.md").write_text(f"---\ntitle: Plan\n{front}---\n\n{body}")
    os.utime(folder / "en.md", (1_000_000, 1_000_000))  # the original is older: no age warning
    return root


FRENCH = """## Contexte

Deux ans après, plus de la moitié de la population est toujours déplacée, dans le pays ou à l’étranger.

## Recommandations

Financer des abris que les familles possèdent, et compter les retours.

## Annexe

### Sources
"""
"""The French left out Findings and its two subsections, and added a subsection to the annex."""


@pytest.mark.parametrize(
    "front",
    ["translation: reviewed\noriginal: en\n", "translation: draft\noriginal: en\n", "keywords: [a]\nsummary: b\n"],
)
def test_every_translation_is_compared_heading_by_heading(
    tmp_path: Path, make_project: MakeProject, front: str
) -> None:
    root = _outline_project(tmp_path, make_project, front, FRENCH)

    result = lint(project_root=root)

    assert result.ok
    assert result.warnings == [
        "briefings/o/fr.md: no counterpart for the level-2 heading briefings/o/en.md:9 “Findings”: "
        "it would come after briefings/o/fr.md:7 “Contexte”",
        "briefings/o/fr.md: no counterpart for the level-3 heading briefings/o/en.md:13 “Displacement”: "
        "it would come after briefings/o/fr.md:7 “Contexte”",
        "briefings/o/fr.md: no counterpart for the level-3 heading briefings/o/en.md:17 “Shelter”: "
        "it would come after briefings/o/fr.md:7 “Contexte”",
        "briefings/o/fr.md:17: the level-3 heading “Sources” has no counterpart in briefings/o/en.md "
        "(it comes after briefings/o/en.md:25 “Annex”)",
    ]


def test_a_translation_with_the_same_outline_has_no_warning(tmp_path: Path, make_project: MakeProject) -> None:
    same = "## C\n\nT.\n\n## F\n\n### D\n\n### S\n\n## R\n\n## A\n"  # levels alike, lengths not
    root = _outline_project(tmp_path, make_project, "translation: reviewed\n", same)
    assert lint(project_root=root).warnings == []


def test_drift_in_a_reviewed_translation_fails_check_under_strict(tmp_path: Path, make_project: MakeProject) -> None:
    root = _outline_project(tmp_path, make_project, "translation: reviewed\noriginal: en\n", FRENCH)

    relaxed = subprocess.run([sys.executable, "-m", "publish", "check"], cwd=root, capture_output=True, text=True)
    strict = subprocess.run(
        [sys.executable, "-m", "publish", "check", "--strict"], cwd=root, capture_output=True, text=True
    )

    assert relaxed.returncode == 0
    assert "briefings/o/fr.md:17: the level-3 heading “Sources” has no counterpart" in relaxed.stderr
    assert "publish: no errors, 4 warning(s)" in relaxed.stderr
    assert strict.returncode == 1
    assert "4 warning(s), and warnings are errors here (--strict)" in strict.stderr


def test_a_translation_without_headings_is_compared_too(tmp_path: Path, make_project: MakeProject) -> None:
    root = _outline_project(tmp_path, make_project, "translation: reviewed\noriginal: en\n", "Texte seul.\n")

    warnings = lint(project_root=root).warnings

    assert warnings[0] == (
        "briefings/o/fr.md: no counterpart for the level-2 heading briefings/o/en.md:5 “Context”: "
        "it would come before the first heading"
    )
    assert len([w for w in warnings if "no counterpart for the level-" in w]) == 6
