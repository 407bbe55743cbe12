"""The warm typesetter of `publish serve`: one process for every save, started again only when it must."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from publish.warm import WarmTypesetter

from .conftest import MakeProject, pdftotext, write

pytestmark = pytest.mark.slow  # each test starts WeasyPrint processes, some several times


def descendants(pid: int) -> set[int]:
    """Every process started by `pid`, and by those, from /proc (the workers are the fork server's children)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def gone(pids: set[int], within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not any(alive(p) for p in pids)


@pytest.fixture
def project(tmp_path: Path, make_project: MakeProject) -> Path:
    root = make_project(tmp_path / "p", layouts=["base"])
    write(root, "briefings/b/en.md", "---\ntitle: Warm\n---\n\n## One\n\nThe first text.\n")
    write(root, "briefings/b/fr.md", "---\ntitle: Chaud\noriginal: en\n---\n\n## Un\n\nLe premier texte.\n")
    return root


def test_every_save_is_typeset_by_the_same_warm_process(project: Path) -> None:
    out = project / "build" / ".cache" / "preview"
    warm = WarmTypesetter(project, out)
    try:
        assert warm.typeset(None, False) == ""
        pid = warm.pid
        english = (out / "pdf" / "b.en.pdf").stat().st_mtime_ns
        for n in range(3):
            write(project, "briefings/b/fr.md", f"---\ntitle: Chaud\n---\n\n## Un\n\nLe texte numéro {n}.\n")
            assert warm.typeset(None, False) == ""
            assert f"Le texte numéro {n}." in pdftotext(out / "pdf" / "b.fr.pdf")
        assert (warm.pid, warm.starts) == (pid, 1)
        assert (out / "pdf" / "b.en.pdf").stat().st_mtime_ns == english  # only what changed is made again
        assert warm.memory > 0
        workers = descendants(pid)
        assert workers_of(pid)  # the fork server's workers, kept between saves
    finally:
        warm.close()
    assert gone({pid, *workers}), "the warm process or its workers outlived serve"


def test_an_error_names_its_file_and_line_and_the_next_save_recovers(project: Path) -> None:
    out = project / "build" / ".cache" / "preview"
    warm = WarmTypesetter(project, out)
    try:
        write(project, "briefings/b/fr.md", "---\ntitle: Chaud\n---\n\n## Un\n\n![Photo](missing.png)\n")
        error = warm.typeset(None, False)
        assert "briefings/b/fr.md:7:" in error and "missing.png" in error
        write(project, "briefings/b/fr.md", "---\ntitle: Chaud\n---\n\n## Un\n\nRéparé.\n")
        assert warm.typeset(None, False) == ""
        assert "Réparé." in pdftotext(out / "pdf" / "b.fr.pdf")
        assert warm.starts == 1
    finally:
        warm.close()


def test_it_starts_again_when_publish_or_the_fonts_change_or_it_died(project: Path) -> None:
    out = project / "build" / ".cache" / "preview"
    version = [1]
    warm = WarmTypesetter(project, out, code=lambda: version[0])
    try:
        assert warm.typeset(None, False) == ""
        first = warm.pid
        version[0] = 2  # publish's code changed on disk: what the process imported is stale
        assert warm.typeset(None, True) == ""
        second = warm.pid
        assert second != first and warm.starts == 2 and gone({first})
        warm.restart_later()  # serve saw fonts/ change
        assert warm.typeset(None, True) == ""
        assert warm.pid != second and warm.starts == 3
        os.kill(warm.pid, signal.SIGKILL)  # a crash between two saves
        time.sleep(0.2)
        write(project, "briefings/b/fr.md", "---\ntitle: Chaud\n---\n\n## Un\n\nAprès la panne.\n")
        assert warm.typeset(None, False) == ""
        assert "Après la panne." in pdftotext(out / "pdf" / "b.fr.pdf")
        assert warm.starts == 4
    finally:
        warm.close()


def test_a_process_past_its_memory_limit_is_replaced(project: Path) -> None:
    out = project / "build" / ".cache" / "preview"
    warm = WarmTypesetter(project, out, memory_limit=1)  # every process is past one byte
    try:
        assert warm.typeset(None, False) == ""
        assert warm.pid is None  # it retired after answering
        write(project, "briefings/b/fr.md", "---\ntitle: Chaud\n---\n\n## Un\n\nNeuf.\n")
        assert warm.typeset(None, False) == ""
        assert "Neuf." in pdftotext(out / "pdf" / "b.fr.pdf")
        assert warm.starts == 2
    finally:
        warm.close()


def test_workers_that_grew_are_replaced_by_fresh_ones(project: Path) -> None:
    """A worker whose memory grew since its first request is replaced; the warm process stays."""
    out = project / "build" / ".cache" / "preview"
    warm = WarmTypesetter(project, out, worker_growth=-1)  # every worker has "grown" after a request
    try:
        assert warm.typeset(None, False) == ""
        pid = warm.pid
        assert workers_of(pid) == set()  # ended after the request; the fork server stays
        write(project, "briefings/b/fr.md", "---\ntitle: Chaud\n---\n\n## Un\n\nFrais.\n")
        assert warm.typeset(None, False) == ""  # fresh workers, forked again
        assert "Frais." in pdftotext(out / "pdf" / "b.fr.pdf")
        assert warm.pid == pid and warm.starts == 1
    finally:
        warm.close()


def workers_of(pid: int) -> set[int]:
    """The pool's workers: children of the warm process's children (its fork server), still alive."""
    children = descendants(pid)
    return {p for p in descendants(pid) - {c for c in children if pid == parent_of(c)} if alive(p)}


def parent_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0
