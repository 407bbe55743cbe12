"""The warm typesetter: `publish serve`'s PDFs, made in one long-lived process instead of one per save.

    serve (WarmTypesetter)  ── {"paths": [...], "force": false} ──▶  python -m publish.warm
                            ◀── {"errors": [...], "made": 1, "memory": …} ──

A `publish build` started for every save pays, each time, for the interpreter, publish's own
imports, WeasyPrint's (in the fork server) and each worker's fonts. The warm process pays them
once: it keeps publish imported and a persistent pool of workers (`Workers(persistent=True)`),
each holding WeasyPrint and its typesetter with the fonts configured, and runs every request as
a PDF build (`build(formats=[PDF], workers=…)`) into serve's preview folder. The build's cache
makes only the PDFs whose inputs changed, as on the command line, and writes them atomically.

It is started again, cleanly, when what it holds may be stale or too big:

- publish's own code changed (its modules are loaded once), or the fonts did (configured once);
- it grew past `MEMORY_LIMIT` (serve starts another); its workers are replaced inside it when one
  grew by `WORKER_GROWTH` since its first request, or past `MEMORY_LIMIT` (WeasyPrint's caches and
  the allocator's fragments would otherwise grow with every save);
- it died (a crash): the next request starts a new one.

It reads requests on its standard input, one JSON object per line, and exits when that closes:
it never outlives serve, and its workers never outlive it (`workers._exit_with`).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .workers import Workers

logger = logging.getLogger(__name__)

MEMORY_LIMIT = 1024 * 2**20
"""Resident memory (bytes) past which the warm process, or one of its workers, is replaced."""
WORKER_GROWTH = 50 * 2**20
"""Growth of a worker's resident memory since its first request (bytes) past which the workers are
replaced: WeasyPrint's caches and the allocator's fragments grow with every document typeset
(about 0.3 MB a save on the seeds), and fresh workers from the warm fork server cost one slower save."""


def resident_memory(pid: int) -> int:
    """Return a process's resident memory in bytes (0 when it is gone or unknown)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def code_stamp(package: Path | None = None) -> tuple[tuple[str, str], ...]:
    """Return what publish's files on disk look like now: each one's path, size, time and inode."""
    from .cache import stat_digest, tree_files

    return tuple((str(path), stat_digest(path)) for path in tree_files(package or Path(__file__).parent))


class WarmTypesetter:
    """serve's side: starts the warm process, sends it requests, and replaces it when it must."""

    def __init__(
        self,
        project_root: Path,
        out: Path,
        memory_limit: int = MEMORY_LIMIT,
        code: Callable[[], object] = code_stamp,
        worker_growth: int = WORKER_GROWTH,
    ):
        self.project_root = project_root
        self.out = out
        self.memory_limit = memory_limit
        self.worker_growth = worker_growth
        self.code = code
        """What publish's code looks like now: the process starts again when this changes."""
        self._process: subprocess.Popen[str] | None = None
        self._code: object = None
        self._stale = False
        self._lock = threading.Lock()
        self.memory = 0
        """Resident memory of the warm process and its workers after the last request (bytes)."""
        self.starts = 0
        """How many warm processes were started (the first one included)."""

    @property
    def pid(self) -> int | None:
        """The warm process now running, if one is."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def restart_later(self) -> None:
        """Have the next request start a new process (the fonts changed)."""
        self._stale = True

    def typeset(self, paths: list[Path] | None, force: bool) -> str:
        """Make the PDFs of `paths` (None: all); return the errors, one per line ("" when all were made)."""
        with self._lock:
            process = self._ready()
            request = {"paths": [str(p) for p in paths or []], "force": force}
            try:
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.flush()
                line = process.stdout.readline()
            except (OSError, ValueError):
                line = ""
            if not line:  # it died mid-way (a crash, or serve stopping): a new one next time
                self._end()
                return (
                    ""
                    if process.returncode in (-15, 0)
                    else "the PDF typesetter stopped; it starts again at the next save"
                )
            reply = json.loads(line)
            self.memory = reply.get("memory", 0)
            if reply.get("retire"):
                self._end()
            return "\n".join(reply.get("errors", []))

    def _ready(self) -> subprocess.Popen[str]:
        code = self.code()
        process = self._process
        if process is not None and (process.poll() is not None or self._stale or code != self._code):
            if process.poll() is None:
                logger.info("pdfs: publish's code or fonts changed, the typesetter starts again")
            self._end()
            process = None
        if process is None:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "publish.warm",
                    str(self.project_root),
                    str(self.out),
                    str(self.memory_limit),
                    str(self.worker_growth),
                ],
                cwd=self.project_root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
            self._process, self._code, self._stale = process, code, False
            self.starts += 1
        return process

    def _end(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()  # it exits at the end of its input
            process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()

    def close(self) -> None:
        """End the warm process: at the end of its input it shuts its workers down and exits; one
        still typesetting after a few seconds is stopped (no PDF is left half-written)."""
        process = self._process
        if process is not None and process.poll() is None:
            try:
                if process.stdin is not None:
                    process.stdin.close()
                process.wait(3)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                process.terminate()
        with self._lock:
            self._end()


def serve_requests(
    project_root: Path,
    out: Path,
    requests: IO[str],
    replies: IO[str],
    memory_limit: int = MEMORY_LIMIT,
    worker_growth: int = WORKER_GROWTH,
) -> None:
    """The warm process: answer each request with a PDF build, keeping the workers between them."""
    from .build import build
    from .model import OutputFormat
    from .workers import TYPESETTER_MODULES, Workers, default_jobs

    workers = Workers(default_jobs(os.cpu_count() or 1), TYPESETTER_MODULES, persistent=True)
    workers.start()  # WeasyPrint imported and the workers forked while the first request comes
    _preload()
    warm = False  # the workers have typeset a PDF: their fonts are loaded
    first: dict[int, int] = {}  # each worker's resident memory after its first request
    try:
        for line in requests:
            request = json.loads(line)
            errors: list[str] = []
            made = 0
            try:
                result = build(
                    request.get("paths") or None,
                    formats=[OutputFormat.PDF],
                    out=out,
                    project_root=project_root,
                    force=bool(request.get("force")),
                    workers=workers,
                )
                errors = [str(e) for e in result.errors]
                made = len(result.made)
                worker_peak = result.peak_memory
            except Exception as exc:  # keep serving: the panel says what went wrong
                errors, worker_peak = [str(exc) or repr(exc)], 0
            sizes = {pid: resident_memory(pid) for pid in workers.pids()}
            grown = any(size - first.setdefault(pid, size) > worker_growth for pid, size in sizes.items())
            if worker_peak > memory_limit or grown:
                workers.shutdown()  # fresh workers for the next request, from the warm fork server
                first.clear()
            own = resident_memory(os.getpid())
            memory = own + sum(resident_memory(pid) for pid in workers.pids())
            reply: dict[str, Any] = {"errors": errors, "made": made, "memory": memory, "retire": own > memory_limit}
            replies.write(json.dumps(reply) + "\n")
            replies.flush()
            if reply["retire"]:
                break
            if not warm and not made:  # nothing to make (the PDFs were up to date): warm up for the next save
                _warm_up(project_root, workers)
            warm = warm or made > 0
    finally:
        workers.shutdown()


def _warm_up(project_root: Path, workers: Workers) -> None:
    """Typeset the smallest briefing into a scratch folder, so that the workers load their fonts,
    hyphenation dictionaries and the text layer now rather than at the writer's first save."""
    import tempfile

    from .build import build
    from .model import OutputFormat

    folders = [p for p in (project_root / "briefings").glob("*") if p.is_dir() and any(p.glob("*.md"))]
    if not folders:
        return
    smallest = min(folders, key=lambda p: sum(f.stat().st_size for f in p.glob("*.md")))
    with tempfile.TemporaryDirectory(prefix="publish-warm-") as scratch:
        try:
            build([smallest], formats=[OutputFormat.PDF], out=Path(scratch), project_root=project_root, workers=workers)
        except Exception:  # only a warm-up: the next request says what is wrong
            logger.debug("warming up failed", exc_info=True)


def _preload() -> None:
    """Import what a PDF build uses, so the first request does not wait for it."""
    from . import pdf_stage, prepare, render  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root, out = Path(args[0]), Path(args[1])
    memory_limit = int(args[2]) if len(args) > 2 else MEMORY_LIMIT
    worker_growth = int(args[3]) if len(args) > 3 else WORKER_GROWTH
    # Errors go back in the replies, and serve shows them in the PDF panel; the pages report the same
    # source errors in the terminal already. Only what stops this process is printed.
    logging.basicConfig(level=logging.CRITICAL, format="publish (pdf): %(message)s")
    # Requests come on stdin; replies go on a private copy of stdout, so that nothing else a
    # library prints can break the protocol.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    try:
        serve_requests(root, out, sys.stdin, replies, memory_limit, worker_growth)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
