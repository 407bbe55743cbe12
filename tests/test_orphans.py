"""A build killed with SIGKILL leaves no process behind (issue 20, item 13).

The worker pool runs in a fork server's children. Killed, the build could not stop them: every
worker held the fork server's lifeline and its own job queue open, so the fork server, the
workers and multiprocessing's resource tracker stayed, about 270 MB, for as long as the machine ran.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from .conftest import ROOT

MARKER = "PUBLISH_TEST_ORPHAN"
"""Set to a value of the test's own in the killed build's environment, which its children inherit:
other builds run on the same machine, and only this one's processes are looked for."""


def processes_with(value: str) -> dict[int, str]:
    """Return the pid and command line of every live process whose environment holds MARKER=value."""
    found = {}
    wanted = f"{MARKER}={value}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").is_file(), reason="finds processes through /proc")
def test_a_build_killed_while_typesetting_leaves_no_process(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "layouts", tmp_path / "layouts")
    (tmp_path / "fonts").symlink_to(ROOT / "fonts")
    (tmp_path / "publish.toml").write_text('[project]\ntitle = "Test"\n')
    for n in range(6):
        folder = tmp_path / "briefings" / f"b{n}"
        folder.mkdir(parents=True)
        (folder / "en.md").write_text(f"---\ntitle: Briefing {n}\n---\n\n" + "A paragraph of text. " * 3000 + "\n")
    value = uuid.uuid4().hex
    build = subprocess.Popen(
        [sys.executable, "-m", "publish", "--quiet", "build", "--format", "pdf", "--jobs", "2"],
        cwd=tmp_path,
        env={**os.environ, MARKER: value},
    )
    try:
        # Killed once the first PDF is written: the pool is typesetting the others.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and build.poll() is None and not list(tmp_path.glob("build/pdf/*.pdf")):
            time.sleep(0.05)
        children = {pid: line for pid, line in processes_with(value).items() if pid != build.pid}
        build.send_signal(signal.SIGKILL)
        build.wait()
        assert build.returncode == -signal.SIGKILL, "the build ended before it was killed: the test proves nothing"
        assert any("forkserver" in line for line in children.values()), children
        assert len(children) >= 4, children  # the fork server, two workers, the resource tracker

        deadline = time.monotonic() + 20
        while processes_with(value) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert processes_with(value) == {}
    finally:
        for pid in processes_with(value):  # whatever the outcome, leave nothing running
            os.kill(pid, signal.SIGKILL)
