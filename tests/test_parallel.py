"""Parallel and sharded builds: the same PDFs as a serial build, a crash costs one output only."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from publish import build
from publish.model import Direction, OutputFormat, RenderedPage
from publish.workers import TypesetJob, TypesetterSettings, Typesetting, Workers, default_jobs, typeset_job

from .conftest import ROOT, MakeProject


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_project: MakeProject) -> Path:
    """Three short documents in three languages, dated by SOURCE_DATE_EPOCH."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1607472000")
    make_project(tmp_path, layouts=["base"])
    folder = tmp_path / "briefings" / "note"
    folder.mkdir(parents=True)
    (folder / "en.md").write_text("---\ntitle: A note\n---\n\n## One\n\nAll is well.\n\n- a\n- b\n")
    (folder / "fr.md").write_text("---\ntitle: Une note\n---\n\n## Un\n\nTout va bien : oui !\n")
    (folder / "ar.md").write_text("---\ntitle: ملاحظة\n---\n\n## واحد\n\nكل شيء على ما يرام.\n")
    return tmp_path


def pdfs(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((out / "pdf").glob("*.pdf"))}


def tree(out: Path) -> dict[str, bytes]:
    """Every file of an output folder but the cache, by relative path."""
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and ".cache" not in path.relative_to(out).parts
    }


def test_parallel_and_serial_pdfs_are_byte_identical(project: Path, tmp_path: Path) -> None:
    serial = build(project_root=project, out=tmp_path / "serial", jobs=1, formats=[OutputFormat.PDF])
    parallel = build(project_root=project, out=tmp_path / "parallel", jobs=2, formats=[OutputFormat.PDF])
    assert serial.ok and parallel.ok, serial.errors + parallel.errors
    assert len(pdfs(tmp_path / "serial")) == 3
    assert pdfs(tmp_path / "serial") == pdfs(tmp_path / "parallel")
    assert parallel.peak_memory > 0


def test_parallel_and_serial_builds_make_the_same_site(project: Path, tmp_path: Path) -> None:
    # Font subsets and social cards are made in the workers in a parallel build: same bytes.
    serial = build(project_root=project, out=tmp_path / "serial", jobs=1)
    parallel = build(project_root=project, out=tmp_path / "parallel", jobs=2)
    assert serial.ok and parallel.ok, serial.errors + parallel.errors
    made = tree(tmp_path / "serial")
    assert [p for p in made if p.endswith(".woff2")] and [p for p in made if p.endswith(".png")]
    assert made == tree(tmp_path / "parallel")


def _crash_once(marker: str, value: int) -> int:
    if value == 2 and not Path(marker).exists():
        Path(marker).touch()
        os._exit(1)  # a worker dies, as with a segfault
    return value * 10


def test_worker_map_keeps_order_and_survives_a_crash(tmp_path: Path) -> None:
    from publish.workers import Workers

    workers = Workers(2, preload=())
    try:
        marker = str(tmp_path / "crashed")
        assert workers.map(_crash_once, [(marker, n) for n in range(5)]) == [0, 10, 20, 30, 40]
        assert Path(marker).exists()  # it did crash, and the rest was made all the same
    finally:
        workers.close()
    assert Workers(1).map(pow, [(2, 3), (3, 2)]) == [8, 9]


def test_warnings_logged_in_workers_reach_the_result(project: Path, caplog: pytest.LogCaptureFixture) -> None:
    css = project / "layouts" / "base" / "css" / "print.css"
    css.write_text(css.read_text() + "\nh2 { colour: red; }\n")  # WeasyPrint warns: unknown property
    result = build(project_root=project, jobs=2, formats=[OutputFormat.PDF], strict=True)
    assert not result.ok
    assert len([w for w in result.warnings if "colour" in w]) == 3, result.warnings
    assert all(w.startswith("briefings/note/") for w in result.warnings if "colour" in w)
    assert any("colour" in record.getMessage() for record in caplog.records)  # what the CLI prints
    # Reused, the PDFs bring their warnings back: --strict fails again.
    again = build(project_root=project, jobs=2, formats=[OutputFormat.PDF], strict=True)
    assert again.made == [] and not again.ok
    assert sorted(again.warnings) == sorted(result.warnings)


def crash_on_second(settings: TypesetterSettings, key: str, job: TypesetJob):
    """Typeset a job, except the one named "crash": its worker dies as a segfault would kill it."""
    if key == "crash":
        os._exit(139)
    return typeset_job(settings, key, job)


def test_a_crashing_worker_fails_only_its_output(tmp_path: Path) -> None:
    settings = TypesetterSettings((tmp_path,), tmp_path, None, frozenset())
    typesetting = Typesetting(settings, 2, run=crash_on_second)
    for key in ("first", "crash", "last"):
        page = RenderedPage(f"<p>{key}</p>", "en", Direction.LTR, tmp_path / f"{key}.pdf", tmp_path.as_uri() + "/")
        typesetting.submit(key, TypesetJob(page, {}))
    outcomes = {outcome.key: outcome for outcome in typesetting.results()}
    assert set(outcomes) == {"first", "crash", "last"}
    assert outcomes["first"].path == tmp_path / "first.pdf" and outcomes["last"].path == tmp_path / "last.pdf"
    assert outcomes["crash"].error is not None and "crashed" in str(outcomes["crash"].error)
    assert (tmp_path / "first.pdf").read_bytes().startswith(b"%PDF")


def test_shards_together_make_the_unsharded_build(project: Path, tmp_path: Path) -> None:
    whole = build(project_root=project, out=tmp_path / "whole", jobs=1)
    assert whole.ok
    merged = tmp_path / "merged"
    made: list[str] = []
    for index in (1, 2, 3):
        out = tmp_path / f"shard{index}"
        shard = build(project_root=project, out=out, jobs=1, shard=(index, 3))
        assert shard.ok, shard.errors
        made += sorted(p.name for p in shard.made if p.suffix == ".pdf")
        # A CI job uploads its folder; the merging job downloads them all into one (new file times).
        shutil.copytree(out, merged, dirs_exist_ok=True)
    assert sorted(made) == sorted(pdfs(tmp_path / "whole"))  # each PDF in exactly one shard
    final = build(project_root=project, out=merged, jobs=1)
    assert final.ok
    assert not [p for p in final.made if p.suffix == ".pdf" or p.parent.parent.name in ("en", "ar", "fr")]
    assert tree(merged) == tree(tmp_path / "whole")


def test_shard_and_jobs_are_checked() -> None:
    from publish.errors import ConfigError

    with pytest.raises(ConfigError, match="shard 4/3"):
        build(project_root=ROOT, shard=(4, 3))
    assert 1 <= default_jobs(100) <= (os.cpu_count() or 1)
    assert default_jobs(1) == 1


def test_the_pool_starts_when_the_build_asks_not_at_the_first_job() -> None:
    """`Workers.start()` forks the workers at once (they import WeasyPrint while documents are parsed)."""
    workers = Workers(2, preload=())
    try:
        workers.start()
        deadline = time.monotonic() + 30
        while len(workers.pids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers.pids()) == 2
    finally:
        workers.shutdown()
    assert workers.pids() == []
