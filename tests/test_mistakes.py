"""Writers' mistakes the build catches, each at its file and line (issue 16): an unclosed `:::`
block, a `#` heading in the body, translations that drifted, brand colours too faint to read,
one error said once."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from publish import build

from .conftest import MakeProject, write

ONE_LANGUAGE = '[project]\ntitle = "Mistakes"\nlanguages = ["en"]\n'


def publish(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "publish", *args], cwd=root, capture_output=True, text=True)


def test_an_unclosed_block_is_an_error_at_its_opener_and_the_other_files_are_built(
    tmp_path: Path, make_project: MakeProject
) -> None:
    root = make_project(tmp_path, ONE_LANGUAGE, layouts=["base"])
    write(root, "briefings/good/en.md", "---\ntitle: Good\n---\n\n::: key\nClosed.\n:::\n\n## After\n")
    write(root, "briefings/open/en.md", "---\ntitle: Open\n---\n\nIntro.\n\n::: key\nNever closed.\n\n## After\n")

    run = publish(root, "build", "--format", "html")

    assert run.returncode == 1
    assert "briefings/open/en.md:7: `::: key` opened here is never closed" in run.stderr.splitlines()
    assert (root / "build/site/en/good/index.html").is_file()
    assert not (root / "build/site/en/open").exists()


def test_a_closed_block_in_a_quote_or_at_the_end_of_the_file_is_not_an_error(
    tmp_path: Path, make_project: MakeProject
) -> None:
    root = make_project(tmp_path, ONE_LANGUAGE, layouts=["base"])
    write(root, "briefings/quoted/en.md", "---\ntitle: Q\n---\n\n> ::: note\n> Inside.\n> :::\n\n::: key\nLast.\n:::")

    run = publish(root, "check")

    assert run.returncode == 0, run.stderr
    assert "never closed" not in run.stderr


def test_a_title_heading_in_the_body_is_a_warning_at_its_line(tmp_path: Path, make_project: MakeProject) -> None:
    root = make_project(tmp_path, ONE_LANGUAGE, layouts=["base"])
    write(root, "briefings/titled/en.md", "---\ntitle: Titled\n---\n\nIntro.\n\n# Titled again\n\n## A section\n")
    expected = (
        "briefings/titled/en.md:7: a # heading in the body (Titled again): the title comes from the front matter "
        "(title:); use ## for a section"
    )

    built = publish(root, "build", "--format", "html")
    assert built.returncode == 0, built.stderr
    assert expected in built.stderr.splitlines()
    assert (root / "build/site/en/titled/index.html").is_file()

    checked = publish(root, "check")
    assert checked.returncode == 0
    assert checked.stderr.splitlines().count(expected) == 1
    assert "publish: no errors, 1 warning(s)" in checked.stderr
    strict = publish(root, "check", "--strict")
    assert strict.returncode == 1


def test_an_unknown_brand_is_one_error_at_its_line_however_many_languages(
    tmp_path: Path, make_project: MakeProject
) -> None:
    root = make_project(tmp_path, '[project]\ntitle = "Brands"\nlanguages = ["en", "fr", "ar"]\n', layouts=["base"])
    write(root, "briefings/branded/briefing.toml", '# the campaign\nbrand = "we-exits"\n')
    for lang, title in (("en", "Branded"), ("fr", "Marqué"), ("ar", "علامة")):
        write(root, f"briefings/branded/{lang}.md", f"---\ntitle: {title}\n---\n\nText.\n")
    write(root, "briefings/plain/en.md", "---\ntitle: Plain\n---\n\nText.\n")

    run = publish(root, "-q", "build", "--format", "html")

    assert run.returncode == 1
    lines = run.stderr.splitlines()
    said = [line for line in lines if line.startswith("briefings/branded/briefing.toml:2: ")]
    assert said == ['briefings/branded/briefing.toml:2: unknown brand "we-exits"'], lines
    assert lines[-1].startswith("publish: 1 error(s)")
    assert (root / "build/site/en/plain/index.html").is_file()
    assert not (root / "build/site/en/branded").exists()

    checked = publish(root, "check")
    assert [line for line in checked.stderr.splitlines() if "we-exits" in line] == said
    assert "publish: 1 error(s)" in checked.stderr


def test_brand_colours_too_faint_to_read_are_a_warning_at_check_and_build(
    tmp_path: Path, make_project: MakeProject
) -> None:
    root = make_project(tmp_path, ONE_LANGUAGE + 'default_brand = "pale"\n', layouts=["base"])
    write(
        root,
        "layouts/pale/brand.toml",
        'name = "Pale"\n\n[colors]\ntext = "#999999"     # too light on white\naccent = "#f4a0a0"\nmuted = "#555555"\n',
    )
    write(root, "briefings/one/en.md", "---\ntitle: One\n---\n\n## A section\n\nText.\n")
    expected = [
        "layouts/pale/brand.toml:4: colors.text #999999 on colors.background #ffffff has a contrast of 2.85:1, "
        "below the 4.5:1 WCAG AA asks for running text: darken one or lighten the other",
        "layouts/pale/brand.toml:4: colors.text #999999 on colors.tint #f6efe9 has a contrast of 2.50:1, "
        "below the 4.5:1 WCAG AA asks for the text of ::: key and ::: note boxes: darken one or lighten the other",
        "layouts/pale/brand.toml:4: colors.text #999999 on colors.band #f4f1ea has a contrast of 2.53:1, "
        "below the 4.5:1 WCAG AA asks for the web page's header and footer: darken one or lighten the other",
        "layouts/pale/brand.toml:5: colors.accent #f4a0a0 on colors.background #ffffff has a contrast of 2.02:1, "
        "below the 3:1 WCAG AA asks for headings (large text): darken one or lighten the other",
    ]

    checked = publish(root, "check")
    assert checked.returncode == 0
    assert [line for line in checked.stderr.splitlines() if "contrast" in line] == expected
    assert publish(root, "check", "--strict").returncode == 1

    built = publish(root, "build", "--format", "html")
    assert built.returncode == 0
    assert [line for line in built.stderr.splitlines() if "contrast" in line] == expected
    assert (root / "build/site/en/one/index.html").is_file()
    strict = publish(root, "build", "--format", "html", "--strict", "--force")
    assert strict.returncode == 1
    assert "4 warning(s), and warnings are errors here (--strict)" in strict.stderr


def test_a_deleted_briefing_leaves_nothing_behind_in_build(tmp_path: Path, make_project: MakeProject) -> None:
    """Issue 16, item 9: outputs no source produces any more are pruned; files publish did not write stay."""
    root = make_project(tmp_path)
    for slug in ("kept", "gone"):
        for lang, text in (("en", "A briefing."), ("ar", "إحاطة قصيرة.")):
            write(root, f"briefings/{slug}/{lang}.md", f"---\ntitle: {slug} {lang}\n---\n\n{text}\n")
    assert build(project_root=root).ok
    out = root / "build"
    before = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert any("gone" in name for name in before)
    (out / "site" / "CNAME").write_text("briefings.example.org\n")  # the user's own file
    shutil.rmtree(root / "briefings" / "gone")
    result = build(project_root=root)
    assert result.ok, [str(e) for e in result.errors]
    after = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    assert not [name for name in after if "gone" in name]
    assert not (out / "site" / "en" / "gone").exists()
    assert {name for name in before if "kept" in name} <= after
    assert (out / "site" / "CNAME").read_text() == "briefings.example.org\n"
    assert "gone" not in (out / "site" / "en" / "index.html").read_text(encoding="utf-8")
    assert "gone" not in (out / "site" / "sitemap.xml").read_text(encoding="utf-8")
    # A build of one briefing prunes nothing of the others.
    write(root, "briefings/other/en.md", "---\ntitle: other\n---\n\nMore.\n")
    assert build(project_root=root).ok
    assert build([root / "briefings" / "kept"], project_root=root).ok
    assert (out / "pdf" / "other.en.pdf").is_file()
