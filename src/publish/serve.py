"""Serve: `publish serve` → the web pages on 127.0.0.1, made again and reloaded as files change.

    watch     briefings/, layouts/ (templates, stylesheets, catalogs, brand.toml), fonts/ and
              publish.toml, with watchfiles
    build     the web pages (`build(formats=[HTML])`): the build's cache makes only what changed
    tell      every open page, over server-sent events: reload, or show the errors in an overlay
              naming file and line; the page reloads by itself once the error is fixed
    typeset   the PDFs again in the background, in the warm typesetter (`warm.py`): one process
              for the life of serve, with WeasyPrint and the fonts loaded, that builds them
              (into <out>/.cache/preview) while pages stay live; a panel beside each briefing
              page shows its PDF, the last good one until the new one is ready

The server binds to 127.0.0.1 unless told otherwise: it serves a project's drafts. Pages are
served as the build wrote them, with one script added before `</body>` for the live reload.
"""

from __future__ import annotations

import logging
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import CONFIG_NAME, Project
from .errors import PublishError
from .model import OutputFormat
from .preview_server import PreviewState, handler_for
from .warm import WarmTypesetter

if TYPE_CHECKING:
    from .workers import Workers

logger = logging.getLogger(__name__)


def error_info(error: BaseException) -> dict[str, str]:
    """Return what the overlay shows of an error: where, what, and what to do."""
    if isinstance(error, PublishError):
        return {
            "location": str(error.location) if error.location else "",
            "message": error.message,
            "hint": error.hint or "",
        }
    return {"location": "", "message": f"internal error (a bug in publish): {error!r}", "hint": ""}


class Preview:
    """A live preview of a project: its builder, its PDF typesetter and its web server."""

    def __init__(
        self,
        project: Project,
        out: Path,
        paths: list[Path] | None = None,
        host: str = "127.0.0.1",
        port: int = 8000,
        pdf: bool = True,
    ):
        self.project = project
        self.out = out
        self.paths = paths
        self.site = out / "site"
        self.pdf_out = out / ".cache" / "preview"
        self.pdf = pdf
        self.state = PreviewState()
        self.stop_event = threading.Event()
        self._pdf_wanted = threading.Event()
        self._pdf_changed_at: int | None = None
        self._ready = threading.Event()
        self.typesetter = WarmTypesetter(project.root, self.pdf_out)
        self.site_workers = _site_workers()
        """Workers for the pages' font subsets and cards, kept between saves (a pool per build would be
        started again at every save)."""
        self._threads: list[threading.Thread] = []
        self.server = ThreadingHTTPServer((host, port), handler_for(self.state, self.site, self.pdf_out, (host,)))
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def start_page(self) -> str:
        """Return the URL to open: the first briefing asked for, else the entry page."""
        if self.paths:
            for lang in self.project.languages:
                slug = self.paths[0].resolve().name
                if (self.site / lang / slug / "index.html").is_file():
                    return f"{self.url}{lang}/{slug}/"
        return self.url

    # Building

    def build_pages(self, force: list[Path] | None = None) -> bool:
        """Build the web pages; tell the open pages to reload or to show the errors. True when all built.

        `force` lists briefing folders to make again whatever the cache says (an empty list: all).
        """
        from .build import build

        started = time.monotonic()
        # A file changed while the last build read it: the cache may hold its new digest for what
        # was made from the old text, so those pages are made again whatever it says.
        paths = (force or self.paths) if force is not None else self.paths
        try:
            result = build(
                paths,
                formats=[OutputFormat.HTML],
                out=self.out,
                project_root=self.project.root,
                force=force is not None,
                workers=self.site_workers,
            )
            errors = [error_info(e) for e in result.errors]  # the build has said them
            made = list(getattr(result, "made", result.outputs))
        except PublishError as exc:
            errors, made = [error_info(exc)], []
            logger.error("%s", _one_line(errors[0]))
        except Exception as exc:  # keep serving: the overlay says what went wrong
            logger.exception("the preview build failed")
            errors, made = [error_info(exc)], []
        generation = self.state.generation + (1 if made else 0)
        self.state.update(errors=errors, generation=generation)
        logger.info("pages: %d made, %d error(s), %.2f s", len(made), len(errors), time.monotonic() - started)
        return not errors

    def want_pdfs(self, changed_at: int = 0) -> None:
        """Ask for the PDFs to be typeset again (at once, or after the current run).

        `changed_at` is when the files that changed were written (ns): when a run was going then,
        it may have read them half-way, and the next one makes every PDF in scope again.
        """
        if self.pdf:
            with self.state.changed:
                if changed_at and (self._pdf_changed_at is None or changed_at < self._pdf_changed_at):
                    self._pdf_changed_at = changed_at
            self._pdf_wanted.set()

    def _typeset_loop(self) -> None:
        ended = 0
        while not self.stop_event.is_set():
            if not self._pdf_wanted.wait(0.2):
                continue
            self._pdf_wanted.clear()
            with self.state.changed:
                changed, self._pdf_changed_at = self._pdf_changed_at, None
            force = changed is not None and changed <= ended
            self.state.update(pdf_building=True)
            started = time.monotonic()
            error = self._typeset(force)
            ended = time.time_ns()
            logger.info("pdfs: typeset in %.2f s%s", time.monotonic() - started, ", with errors" if error else "")
            # Still "building" when another change came meanwhile: the PDF shown is not the latest yet.
            pending = self._pdf_wanted.is_set()
            self.state.update(pdf_building=pending, pdf_error=error, pdf_files=self._pdf_files())

    def _typeset(self, force: bool) -> str:
        """Build the PDFs in the warm typesetter; return their errors ("" when all were made)."""
        try:
            errors = self.typesetter.typeset(self.paths, force)
        except OSError as exc:
            return f"cannot start the PDF typesetter: {exc}"
        if self.stop_event.is_set():
            return ""
        lines = [line for line in errors.splitlines() if line.strip()]
        return "\n".join(lines[:12])

    def _pdf_files(self) -> dict[str, int]:
        folder = self.pdf_out / "pdf"
        return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("*.pdf"))} if folder.is_dir() else {}

    # Watching

    def watched(self) -> list[Path]:
        """Return the folders whose changes make a new build."""
        root = self.project
        return [p for p in (root.briefings_dir, root.layouts_dir, root.fonts_dir) if p.is_dir()]

    def _watch_loop(self) -> None:
        """Watch the project; build once watching, then again at every change."""
        try:
            self._watch()
        except Exception as exc:  # e.g. too many folders for the system's file watches
            logger.error("cannot watch the project, pages will not be made again: %s", exc)
            if not self._ready.is_set():
                self.build_pages()
                self.want_pdfs()
                self._ready.set()

    def _watch(self) -> None:
        import watchfiles

        root = self.project.root
        config = root / CONFIG_NAME

        def wanted(change: Any, path: str) -> bool:
            # Not editors' temporary files, hidden files and folders, nor compiled catalogs.
            parts = Path(path).relative_to(root).parts if Path(path).is_relative_to(root) else (Path(path).name,)
            name = parts[-1] if parts else ""
            return not (
                any(part.startswith(".") for part in parts)
                or name.startswith("#")
                or name.endswith(("~", ".swp", ".swx", ".tmp", ".mo"))
            )

        config_stamp = _stamp(config)
        ended = None  # when the last build ended (ns); None before the first one
        for changes in watchfiles.watch(
            *self.watched(),
            watch_filter=wanted,
            stop_event=self.stop_event,
            debounce=150,
            step=40,
            rust_timeout=200,
            yield_on_timeout=True,
            raise_interrupt=False,
        ):
            stamp = _stamp(config)
            if ended is not None and not changes and stamp == config_stamp:
                continue
            paths = [Path(path) for _, path in changes] + ([config] if stamp != config_stamp else [])
            config_stamp = stamp
            for change, path in sorted(changes, key=lambda c: c[1]):
                logger.info("%s %s", change.name, self.project.relative(Path(path)))
            if any(Path(path).is_relative_to(self.project.fonts_dir) for _, path in changes):
                self.typesetter.restart_later()  # its workers configured the old fonts
            # When the earliest of the changed files was written, to tell whether the last build
            # may have read it half-way.
            written = min((s[0] for s in map(_stamp, paths) if s), default=0)
            force = None
            if ended is not None and written and written <= ended:
                force = _briefings_of(paths, self.project)
                logger.info("changed while the last build read it: making it again")
            # The PDFs first: the warm typesetter works on them while this process makes the pages.
            self.want_pdfs(written)
            self.build_pages(force)
            ended = time.time_ns()
            self._ready.set()

    # Running

    def start(self, timeout: float = 600) -> None:
        """Watch, build the pages and serve them, each in a thread of its own; return once served."""
        for target in (self._watch_loop, self._typeset_loop):
            thread = threading.Thread(target=target, daemon=True, name=f"publish-serve-{target.__name__}")
            thread.start()
            self._threads.append(thread)
        self._ready.wait(timeout)
        thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="publish-serve-http")
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Stop watching and serving; end the warm typesetter and its workers."""
        self.stop_event.set()
        self.state.update(closed=True)
        self.typesetter.close()
        self.site_workers.shutdown()
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


def _site_workers() -> Workers:
    from .workers import SITE_MODULES, Workers, default_jobs

    return Workers(default_jobs(64), SITE_MODULES, persistent=True)


def _briefings_of(paths: list[Path], project: Project) -> list[Path]:
    """Return the briefing folders the paths are in; an empty list when one is elsewhere (layouts…)."""
    folders = []
    for path in paths:
        if not path.is_relative_to(project.briefings_dir) or path.parent == project.briefings_dir:
            return []
        folders.append(project.briefings_dir / path.relative_to(project.briefings_dir).parts[0])
    return sorted(set(folders))


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)


def _one_line(error: dict[str, str]) -> str:
    text = f"{error['location']}: {error['message']}" if error["location"] else error["message"]
    return text + (f"\n  hint: {error['hint']}" if error["hint"] else "")
