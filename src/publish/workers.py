"""Workers: rendered print pages → PDFs, in a pool of processes that each hold one WeasyPrint.

The build renders each page's HTML itself and hands it here; `Typesetting` typesets it in the
calling process (`jobs=1`) or in a pool of worker processes sized to the cores and the memory.
WeasyPrint is imported in the workers only (their fork server preloads it once), so the process
running the build stays small and a build with nothing to typeset never imports it.

Each job comes back as a `Typeset`: the PDF's path or the error, every warning logged while it
was made (the build logs them again, so they reach the command line and `--strict`), the files
it read and the native libraries that drew it (for the cache), and the worker's peak memory.
A worker that crashes (a segfault in a native library, the kernel's out-of-memory killer) breaks
the pool: the jobs that were in flight are then typeset again one by one, each in a pool of its
own, so only the job that crashes its worker again fails.

`Workers` is the pool itself, shared by everything CPU-bound in a build: the PDFs, and the web
site's font subsets and social cards (`Workers.map`), which are queued behind the PDFs so the
two cores stay busy while the build process writes the pages.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import resource
import select
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .cache import native_libraries, reading
from .errors import PublishError, TypesetError
from .logcapture import capture_warnings
from .model import RenderedPage, SourceLocation

logger = logging.getLogger(__name__)

T = TypeVar("T")

WORKER_MEMORY = 500 * 2**20
"""Memory to count per worker when sizing the pool: a long briefing peaks at about 300 MB."""
TYPESETTER_MODULES = ("weasyprint", "publish.typeset")
SITE_MODULES = ("publish.site",)
"""What workers import before their first job: WeasyPrint for PDFs; fontTools, HarfBuzz, Pillow for the site."""
ENVIRONMENT = ("SOURCE_DATE_EPOCH",)
"""Variables the typesetter reads, passed with every job: a worker's own may be older."""


@dataclass(frozen=True, slots=True)
class TypesetterSettings:
    """What every PDF of a build is typeset with."""

    allowed_roots: tuple[Path, ...]
    """Folders the typesetter may read files from."""
    project_root: Path
    """The project, for messages."""
    pdf_variant: str | None
    """WeasyPrint's PDF variant, or None."""
    allowed_hosts: frozenset[str]
    """Hosts it may fetch from."""
    time_limit: int | None = None
    """Seconds one PDF may take."""


@dataclass(frozen=True, slots=True)
class TypesetJob:
    """One PDF to make."""

    page: RenderedPage
    """The print page's HTML and where the PDF goes."""
    substitutes: dict[Path, Path]
    """Briefing images → their print renditions."""
    environment: dict[str, str] = field(default_factory=dict)
    """The build's values of `ENVIRONMENT`."""


@dataclass(slots=True)
class Typeset:
    """What became of one job."""

    key: str
    """The job's name, as the build gave it."""
    path: Path | None = None
    """The PDF written, or None."""
    error: PublishError | None = None
    """Why no PDF was written."""
    warnings: list[list] = field(default_factory=list)
    """[logger, level, message] of each warning logged while typesetting."""
    reads: list[str] = field(default_factory=list)
    """Files read while typesetting (stylesheets, fonts, images)."""
    libraries: list[str] = field(default_factory=list)
    """Native libraries the worker draws text with."""
    peak_memory: int = 0
    """The worker's peak resident memory so far, in bytes."""
    relayed: bool = False
    """Made in another process: its warnings were not logged here yet."""
    text_layer_fallback: str | None = None
    """The WeasyPrint version, when it was not the one publish's text layer is written for."""


def default_jobs(tasks: int) -> int:
    """Return how many workers to start: one per core, fewer when memory is short, never more than tasks."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    available = _available_memory()
    by_memory = max(1, available // WORKER_MEMORY) if available else cores
    return max(1, min(cores, by_memory, tasks))


def _available_memory() -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


class Typesetting:
    """Typesets the jobs it is given, in this process (`jobs=1`) or in a pool of `jobs` workers.

    `run` is what a worker runs for each job (tests give one that crashes on purpose).
    """

    def __init__(
        self,
        settings: TypesetterSettings,
        jobs: int | Workers,
        run: Callable[..., Typeset] | None = None,
    ):
        self.settings = settings
        self.workers = jobs if isinstance(jobs, Workers) else Workers(jobs)
        self.jobs = self.workers.jobs
        self.in_process = self.workers.in_process
        self.run = run or typeset_job
        self._done: list[Typeset] = []
        self._pending: dict[Future, tuple[str, TypesetJob]] = {}

    def submit(self, key: str, job: TypesetJob) -> None:
        """Start typesetting a page (in this process: typeset it now)."""
        if self.in_process:
            self._done.append(self.run(self.settings, key, job))
            return
        try:
            self._pending[self.workers.executor().submit(self.run, self.settings, key, job)] = (key, job)
        except BrokenProcessPool:
            future: Future = Future()
            future.set_exception(BrokenProcessPool("the pool broke before the job started"))
            self._pending[future] = (key, job)

    def results(self) -> Iterator[Typeset]:
        """Yield every job's outcome, each as soon as it is known."""
        yield from self._done
        self._done = []
        if not self._pending:
            return
        from concurrent.futures import as_completed

        crashed: list[tuple[str, TypesetJob]] = []
        for future in as_completed(list(self._pending)):
            key, job = self._pending.pop(future)
            try:
                outcome = future.result()
            except BrokenProcessPool:
                crashed.append((key, job))
                continue
            outcome.relayed = True
            yield outcome
        if crashed:
            self.workers.shutdown()  # broken: the next job starts a fresh pool
        else:
            self.close()
        # Which job crashed its worker is not known: try each again alone.
        for key, job in crashed:
            outcome = _alone(self.run, self.settings, key, job)
            outcome.relayed = True
            yield outcome

    def close(self) -> None:
        self.workers.close()


class Workers:
    """A pool of `jobs` worker processes, started when first needed; `jobs=1` works in this process.

    A `persistent` pool outlives the build that uses it: `close()` leaves it running, with each
    worker's WeasyPrint and fonts loaded, for the next build (`publish serve`'s warm typesetter);
    its owner ends it with `shutdown()`. It is a pool of processes even for one job.
    """

    def __init__(self, jobs: int, preload: Sequence[str] = TYPESETTER_MODULES, persistent: bool = False):
        self.jobs = max(1, jobs)
        self.preload = list(preload)
        """Modules the workers import before their first job (in the fork server, once)."""
        self.persistent = persistent
        self._pool: ProcessPoolExecutor | None = None
        self._started: ProcessPoolExecutor | None = None

    @property
    def in_process(self) -> bool:
        """Jobs run in this process, one after another (`jobs=1`, not persistent)."""
        return self.jobs == 1 and not self.persistent

    def executor(self) -> ProcessPoolExecutor:
        """Return the pool, starting it (again, after a crash broke it) when needed."""
        if self._pool is not None and getattr(self._pool, "_broken", False):
            self.shutdown()
        if self._pool is None:
            self._pool = _start_pool(self.jobs, self.preload)
        return self._pool

    def start(self) -> None:
        """Start the workers now, in the background: they load their modules while this process works.

        Starting the first worker waits for the fork server to import them (half a second for
        WeasyPrint), so it is done from a thread.
        """
        if not self.in_process and (self._pool is None or self._started is not self._pool):
            pool = self.executor()
            self._started = pool  # once per pool: a persistent one is started by its first build only

            def warm() -> None:
                with contextlib.suppress(BrokenProcessPool, RuntimeError):  # RuntimeError: shut down already
                    for _ in range(self.jobs):
                        pool.submit(int)

            threading.Thread(target=warm, name="publish-workers-start", daemon=True).start()

    def map(self, function: Callable[..., T], calls: Sequence[tuple]) -> list[T]:
        """Return `function(*args)` for each args of `calls`, in order, computed in the workers.

        For work that cannot fail on a writer's input (subsetting bundled fonts, drawing cards):
        should a worker crash all the same, what is left is computed in this process.
        """
        if self.in_process or len(calls) < 2:
            return [function(*args) for args in calls]
        try:
            futures = [self.executor().submit(function, *args) for args in calls]
        except BrokenProcessPool:
            return [function(*args) for args in calls]
        results = []
        for future, args in zip(futures, calls, strict=True):
            try:
                results.append(future.result())
            except BrokenProcessPool:
                results.append(function(*args))
        return results

    def close(self) -> None:
        """End the pool, unless it is persistent."""
        if not self.persistent:
            self.shutdown()

    def shutdown(self) -> None:
        """End the pool: its workers exit once their jobs are done."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def pids(self) -> list[int]:
        """The worker processes running now."""
        return sorted(getattr(self._pool, "_processes", None) or ()) if self._pool is not None else []


def _start_pool(jobs: int, preload: Sequence[str] = TYPESETTER_MODULES) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        # Imported once in the fork server, before any worker is forked from it.
        context.set_forkserver_preload(list(preload))
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),))


def _alone(run: Callable[..., Typeset], settings: TypesetterSettings, key: str, job: TypesetJob) -> Typeset:
    """Typeset one job in a pool of its own; report a crash of its worker as its error."""
    pool = _start_pool(1)
    try:
        return pool.submit(run, settings, key, job).result()
    except BrokenProcessPool:
        source = job.page.source
        location = SourceLocation(_display(source.path, settings.project_root)) if source else None
        return Typeset(
            key,
            error=TypesetError(
                "the PDF typesetter crashed on this document (its worker process died)",
                location,
                hint="run again with --jobs 1 --debug to see where; a very long document may need more memory",
            ),
        )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _display(path: Path, root: Path) -> Path:
    return path.relative_to(root) if path.is_relative_to(root) else path


# One typesetter per process and settings: its font configuration is made once and serves every
# PDF the process typesets (in a worker, for the whole build).
_typesetters: dict[TypesetterSettings, object] = {}


GC_THRESHOLD = 10_000
"""Allocations between the garbage collector's youngest-generation passes while typesetting.

WeasyPrint allocates millions of short-lived objects per document; with Python's default (700)
the collector ran about 750 times per seed build and took some 6 % of WeasyPrint's time (8 %
with publish.pdftext). Cyclic garbage is still collected, a little later.
"""


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the garbage collector's youngest generation less often, then as before."""
    saved = gc.get_threshold()
    gc.set_threshold(max(saved[0], GC_THRESHOLD), *saved[1:])
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def _start_worker(build_pid: int) -> None:
    """In each worker, once: the modules the fork server imported are never garbage, stop scanning
    them; and end with the build."""
    gc.freeze()
    _exit_with(build_pid)


def _exit_with(pid: int) -> None:
    """End this worker as soon as process `pid` (the build) ends, however it ends.

    A build killed with SIGKILL cannot shut its pool down, and its workers are the fork server's
    children, not its own: each would wait for a job forever, holding open the fork server's
    lifeline (so the fork server waits for it) and the resource tracker's pipe (so the tracker
    does). Once the workers are gone, those two see their pipes close and exit by themselves.
    A job being typeset is abandoned; no PDF is left half-written (output.py moves it into place whole).
    """
    try:
        pidfd = os.pidfd_open(pid)  # Linux 5.3 and later: readable once the process has ended
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):
        pidfd = None

    def watch() -> None:
        if pidfd is not None:
            select.select([pidfd], [], [])
        else:  # elsewhere: look every second
            while _alive(pid):
                time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="publish-worker-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # there, and someone else's
        pass
    return True


def typeset_job(settings: TypesetterSettings, key: str, job: TypesetJob) -> Typeset:
    """Typeset one page (in whichever process runs this); never raises for a bad document."""
    from .typeset import Typesetter

    outcome = Typeset(key)
    saved = {name: os.environ.get(name) for name in ENVIRONMENT}
    _set_environment(job.environment)
    try:
        with capture_warnings() as warnings, reading() as reads, _fewer_collections():
            try:
                typesetter = _typesetters.get(settings)
                if typesetter is None:
                    typesetter = Typesetter(
                        list(settings.allowed_roots),
                        settings.project_root,
                        settings.pdf_variant,
                        settings.allowed_hosts,
                        settings.time_limit,
                    )
                    _typesetters[settings] = typesetter
                outcome.text_layer_fallback = typesetter.text_layer_fallback  # type: ignore[attr-defined]
                outcome.path = typesetter.typeset(job.page, job.substitutes)  # type: ignore[attr-defined]
            except PublishError as exc:
                outcome.error = exc
                _typesetters.pop(settings, None)  # stopped midway (a time limit), it starts afresh
            except Exception as exc:  # a bug or a library failure: fail this PDF only
                source = job.page.source
                location = SourceLocation(_display(source.path, settings.project_root)) if source else None
                outcome.error = TypesetError(f"typesetting failed: {type(exc).__name__}: {exc}", location)
    finally:
        _set_environment(saved)
    outcome.warnings = warnings
    outcome.reads = sorted(reads)
    outcome.libraries = native_libraries()
    outcome.peak_memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return outcome


def _set_environment(values: dict[str, str | None]) -> None:
    for name in ENVIRONMENT:
        value = values.get(name)
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def job_environment() -> dict[str, str]:
    """Return this process's values of the variables the typesetter reads."""
    return {name: os.environ[name] for name in ENVIRONMENT if name in os.environ}
