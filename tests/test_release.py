"""`publish release`: the same bytes on every run, every PDF present, a failure named and the rest released."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from publish import cli
from publish.errors import ConfigError
from publish.release import CHECKSUMS, SITE_ARCHIVE, archive, release
from publish.sourcedate import source_date

from .conftest import BRIEFINGS, LANGS, ROOT, MakeProject, require_tool

EPOCH = 1700000000  # 2023-11-14 22:13:20 UTC
MAC_EPOCH_OFFSET = 2082844800
"""Seconds from 1904 (when OpenType dates count from) to 1970."""


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Release the repository's briefings twice with the same SOURCE_DATE_EPOCH; return both folders.

    Once here and once through the command line in another process, from a subfolder of the project,
    so nothing a process or a path leaves in the files goes unnoticed.
    """
    first, second = tmp_path_factory.mktemp("dist-first"), tmp_path_factory.mktemp("dist-second")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        result = release(first, project_root=ROOT)
    assert result.ok, result.summary()
    done = subprocess.run(
        [sys.executable, "-m", "publish", "-q", "release", "--out", str(second)],
        cwd=ROOT / "briefings",
        env={**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return first, second


@pytest.mark.slow
def test_two_releases_are_byte_identical(releases: tuple[Path, Path]) -> None:
    first, second = releases
    assert (first / CHECKSUMS).read_text() == (second / CHECKSUMS).read_text()
    for path in sorted(first.iterdir()):
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


@pytest.mark.slow
def test_release_holds_every_pdf_the_site_and_their_checksums(releases: tuple[Path, Path]) -> None:
    dist = releases[0]
    pdfs = {f"{slug}.{lang}.pdf" for slug in BRIEFINGS for lang in LANGS}
    assert {path.name for path in dist.iterdir()} == pdfs | {SITE_ARCHIVE, CHECKSUMS}
    listed = {}
    for line in (dist / CHECKSUMS).read_text().splitlines():
        digest, name = line.split("  ")
        listed[name] = digest
    assert list(listed) == sorted(pdfs | {SITE_ARCHIVE})
    assert listed == {name: hashlib.sha256((dist / name).read_bytes()).hexdigest() for name in listed}
    done = subprocess.run(
        [require_tool("sha256sum"), "--check", "--strict", CHECKSUMS], cwd=dist, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_pdfs_are_dated_from_source_date_epoch(releases: tuple[Path, Path]) -> None:
    for name in ("we-exist-2020.ar.pdf", "idlib-statement-2020.fr.pdf"):
        info = PdfReader(releases[0] / name).metadata
        assert (info["/CreationDate"], info["/ModDate"]) == ("D:20231114221320Z", "D:20231114221320Z")


@pytest.mark.slow
def test_site_archive_is_sorted_dated_and_ownerless(releases: tuple[Path, Path]) -> None:
    data = (releases[0] / SITE_ARCHIVE).read_bytes()
    assert int.from_bytes(data[4:8], "little") == EPOCH  # the gzip header's own date
    with tarfile.open(releases[0] / SITE_ARCHIVE) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names[0] == "site" and all(name.startswith("site/") for name in names[1:])
    assert names == sorted(names, key=lambda name: name.split("/"))
    assert {"site/index.html", "site/ar/we-exist-2020/index.html", "site/fr/we-exist-2020/we-exist-2020.fr.pdf"} <= set(
        names
    )
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(EPOCH, 0, 0, "", "")}
    assert {m.mode for m in members if m.isdir()} == {0o755}
    assert {m.mode for m in members if m.isfile()} == {0o644}


def test_archive_ignores_file_times(tmp_path: Path) -> None:
    (tmp_path / "site" / "en").mkdir(parents=True)
    (tmp_path / "site" / "en" / "index.html").write_text("<p>hello</p>")
    (tmp_path / "site" / "index.html").write_text("<p>home</p>")
    before = archive(tmp_path / "site", "site", EPOCH)
    os.utime(tmp_path / "site" / "index.html", (0, 0))
    assert archive(tmp_path / "site", "site", EPOCH) == before
    assert gzip.decompress(before)  # a valid gzip stream


def test_failed_briefing_fails_the_release_after_releasing_the_others(
    tmp_path: Path, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(tmp_path)
    for name, text in {
        "good/en.md": "---\ntitle: Good briefing\n---\n\nAll is well.\n",
        "good/ar.md": "---\ntitle: إحاطة جيدة\n---\n\nكل شيء على ما يرام.\n",
        "broken/en.md": "---\ntitle: ok\nsubtitle: a: b\n---\nbody\n",
    }.items():
        (tmp_path / "briefings" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "briefings" / name).write_text(text, encoding="utf-8")
    # What an earlier release left: its files go, whatever else is in the folder stays.
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "gone.en.pdf").write_bytes(b"%PDF-")
    (dist / "notes.txt").write_text("kept")
    (dist / CHECKSUMS).write_text(f"{'0' * 64}  gone.en.pdf\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))

    assert cli.main(["-q", "release"]) == 1

    assert sorted(path.name for path in dist.iterdir()) == [
        CHECKSUMS,
        "good.ar.pdf",
        "good.en.pdf",
        "notes.txt",
        SITE_ARCHIVE,
    ]
    assert "good.en.pdf" in (dist / CHECKSUMS).read_text()
    summary = capsys.readouterr().err
    assert "publish: release incomplete: 1 error(s)" in summary
    assert "\n  briefings/broken/en.md:3: invalid YAML" in summary


def test_a_release_says_what_it_wrote_and_where(
    tmp_path: Path, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(tmp_path, '[project]\ntitle = "T"\nlanguages = ["en", "fr"]\n', layouts=["base"])
    for name, text in {
        "note/en.md": "---\ntitle: Note\n---\n\nText.\n",
        "note/fr.md": "---\ntitle: Note\n---\n\nTexte.\n",
    }.items():
        (tmp_path / "briefings" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "briefings" / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))

    assert cli.main(["release", "--out", "out/release"]) == 0

    assert capsys.readouterr().err.splitlines()[-5:] == [
        "publish: released 2 PDF(s), site.tar.gz and SHA256SUMS in out/release/",
        "  out/release/note.en.pdf",
        "  out/release/note.fr.pdf",
        "  out/release/site.tar.gz",
        "  out/release/SHA256SUMS",
    ]
    assert sorted(p.name for p in (tmp_path / "out/release").iterdir()) == [
        CHECKSUMS,
        "note.en.pdf",
        "note.fr.pdf",
        SITE_ARCHIVE,
    ]
    assert cli.main(["-q", "release", "--out", "out/release"]) == 0
    assert capsys.readouterr().err == ""  # quiet: only warnings and errors


def test_source_date_epoch_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert source_date(ROOT) == datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH must be a whole number"):
        source_date(ROOT)


def test_source_date_is_the_last_commit_touching_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    git = require_tool("git")
    for folder in ("old", "new"):
        (tmp_path / "repo" / folder).mkdir(parents=True)
        (tmp_path / "repo" / folder / "en.md").write_text(folder)
    outside = tmp_path / "not-in-git"
    outside.mkdir()

    def commit(folder: str, when: int) -> None:
        env = {**os.environ, "GIT_AUTHOR_DATE": f"@{when} +0000", "GIT_COMMITTER_DATE": f"@{when} +0000"}
        for args in (
            ["add", folder],
            [
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.org",
                "-c",
                "commit.gpgsign=false",
                "commit",
                "-qm",
                folder,
            ],
        ):
            subprocess.run([git, *args], cwd=tmp_path / "repo", env=env, check=True)

    subprocess.run([git, "init", "-q"], cwd=tmp_path / "repo", check=True)
    commit("old", 1500000000)
    commit("new", 1600000000)
    assert source_date(tmp_path / "repo" / "old").timestamp() == 1500000000
    assert source_date(tmp_path / "repo" / "new").timestamp() == 1600000000
    now = datetime.datetime.now(datetime.UTC)
    assert abs((source_date(outside) - now).total_seconds()) < 60


def _git(cwd: Path, *args: str, when: int = EPOCH) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": f"@{when} +0000", "GIT_COMMITTER_DATE": f"@{when} +0000"}
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run([require_tool("git"), *identity, *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.mark.slow
def test_a_commit_released_twice_without_source_date_epoch_gives_the_same_bytes(
    tmp_path: Path, make_project: MakeProject
) -> None:
    """Dated by git alone, two releases of a fresh clone match to the byte: PDFs, fonts, archive, sums."""
    origin = make_project(tmp_path / "origin", config=None)
    shutil.copytree(ROOT / "briefings" / "idlib-statement-2020", origin / "briefings" / "idlib-statement-2020")
    (origin / ".gitignore").write_text("/build/\n/dist/\n")
    _git(origin, "init", "-q")
    _git(origin, "add", ".")
    _git(origin, "commit", "-qm", "briefings")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(origin), str(clone))

    def run(n: int) -> subprocess.CompletedProcess:
        # Each run with an empty font cache: a cached subset would hide a date written into new ones.
        env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
        env["PUBLISH_CACHE"] = str(tmp_path / f"cache-{n}")
        return subprocess.run(
            [sys.executable, "-m", "publish", "release", "--out", f"dist-{n}"],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
        )

    first = run(1)
    assert first.returncode == 0, first.stderr
    assert "uncommitted" not in first.stderr
    time.sleep(1.1)  # a second later: anything dated by the clock would now differ
    second = run(2)
    assert second.returncode == 0, second.stderr
    names = sorted(p.name for p in (clone / "dist-1").iterdir())
    assert names == sorted(p.name for p in (clone / "dist-2").iterdir())
    for name in names:
        assert (clone / "dist-1" / name).read_bytes() == (clone / "dist-2" / name).read_bytes(), name
    # Every entry of the archive, fonts included, is dated from the commit, not from the clock.
    with tarfile.open(clone / "dist-1" / SITE_ARCHIVE) as tar:
        members = tar.getmembers()
        assert {m.mtime for m in members} == {EPOCH}
        fonts = [m for m in members if m.name.endswith(".woff2")]
        assert fonts
        from fontTools.ttLib import TTFont

        for member in fonts:
            font = TTFont(tar.extractfile(member))
            # The subset keeps its font file's own date, which no build changes.
            assert font["head"].modified - MAC_EPOCH_OFFSET < EPOCH - 3600 * 24, member.name


@pytest.mark.slow
def test_a_release_from_a_dirty_tree_warns_that_it_is_not_reproducible(
    tmp_path: Path, make_project: MakeProject
) -> None:
    project = make_project(tmp_path / "project", config=None)
    (project / "briefings" / "note").mkdir(parents=True)
    (project / "briefings" / "note" / "en.md").write_text("---\ntitle: Note\n---\n\nText.\n")
    _git(project, "init", "-q")
    _git(project, "add", ".")
    _git(project, "commit", "-qm", "first")
    (project / "briefings" / "note" / "en.md").write_text("---\ntitle: Note\n---\n\nText, edited.\n")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    done = subprocess.run(
        [sys.executable, "-m", "publish", "release"], cwd=project, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "uncommitted changes (briefings/note/en.md)" in done.stderr
    assert "cannot be reproduced from its commit" in done.stderr
