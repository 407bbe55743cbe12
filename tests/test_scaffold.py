"""`publish new`: a briefing folder with commented front matter in each language, that builds at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish import build, cli

from .conftest import MakeProject, pdftotext


def test_new_briefing_builds_at_once_in_every_language(
    tmp_path: Path, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path, '[project]\ntitle = "T"\nlanguages = ["en", "ar", "fr"]\n')
    monkeypatch.chdir(root)
    assert (
        cli.main(
            ["new", "idlib-statement-2026", "--lang", "en", "--lang", "ar", "--lang", "fr", "--brand", "half-of-syria"]
        )
        == 0
    )
    folder = root / "briefings" / "idlib-statement-2026"
    assert sorted(p.name for p in folder.iterdir()) == ["ar.md", "briefing.toml", "en.md", "fr.md"]
    assert 'brand = "half-of-syria"' in (folder / "briefing.toml").read_text()
    english, arabic = (folder / "en.md").read_text(), (folder / "ar.md").read_text()
    # Commented front matter: every key explained, the optional ones ready to uncomment.
    assert english.startswith("---\n# Front matter")
    for key in ("title:", "# subtitle:", "date:", "# authors:", "# summary:", "# keywords:", "# toc:"):
        assert key in english
    assert 'title: "New briefing"' in english and "translation: draft" not in english.replace("# translation", "")
    # Each translation in its own language and script, marked as a draft of the first language.
    assert 'title: "إحاطة جديدة"' in arabic and "\ntranslation: draft" in arabic and "\noriginal: en" in arabic
    assert "## Première partie" in (folder / "fr.md").read_text()

    result = build(project_root=root)
    assert result.ok, [str(e) for e in result.errors]
    assert "إحاطة جديدة" in pdftotext(root / "build" / "pdf" / "idlib-statement-2026.ar.pdf")
    assert (root / "build" / "site" / "fr" / "idlib-statement-2026" / "index.html").is_file()


def test_new_refuses_an_existing_folder_a_bad_name_and_an_unknown_brand(
    tmp_path: Path, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    root = make_project(tmp_path, '[project]\ntitle = "Brands"\nlanguages = ["en"]\n')
    monkeypatch.chdir(root)
    assert cli.main(["new", "first"]) == 0
    assert cli.main(["new", "first"]) == 1
    assert "briefings/first already exists" in capsys.readouterr().err
    assert cli.main(["new", "Not A Slug"]) == 1
    assert "lowercase letters, digits and single hyphens" in capsys.readouterr().err
    assert cli.main(["new", "second", "--brand", "half-of-sirya"]) == 1
    err = capsys.readouterr().err
    assert 'unknown brand "half-of-sirya"' in err and 'did you mean "half-of-syria"?' in err
    assert not (root / "briefings" / "second").exists()
