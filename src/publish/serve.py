"""Serve: `publish serve` → the web pages on 127.0.0.1, made again and reloaded as files change.

    watch     briefings/, layouts/ (templates, stylesheets, catalogs, brand.toml), fonts/ and
              publish.toml, with watchfiles
    build     the web pages (`build(formats=[HTML])`): the build's cache makes only what changed
    tell      every open page, over server-sent events: reload, or show the errors in an overlay
              naming file and line; the page reloads by itself once the error is fixed
    typeset   the PDFs again in the background, in a `publish build --format pdf` process of
              their own (into <out>/.cache/preview), while pages stay live; a panel beside each
              briefing page shows its PDF, the last good one until the new one is ready

The server binds to 127.0.0.1 unless told otherwise: it serves a project's drafts. Pages are
served as the build wrote them, with one script added before `</body>` for the live reload.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .config import CONFIG_NAME, Project
from .errors import PublishError
from .model import OutputFormat

logger = logging.getLogger(__name__)

CLIENT = "/__publish/client.js"
EVENTS = "/__publish/events"
STATE = "/__publish/state"
KEEPALIVE = 15.0
"""Seconds between comments on an idle event stream, so proxies and browsers keep it open."""


@dataclass
class PreviewState:
    """What the pages are told: the build's generation, its errors, and where the PDFs are."""

    generation: int = 0
    """Increases each time a build makes pages: open pages older than it reload."""
    errors: list[dict[str, str]] = field(default_factory=list)
    """The last build's errors: location, message, hint."""
    pdf_building: bool = False
    """True while the PDFs are being typeset."""
    pdf_error: str = ""
    """The last PDF build's errors, when it failed."""
    pdf_files: dict[str, int] = field(default_factory=dict)
    """Each PDF's file name and modification time (ns): a page reloads its PDF when it changes."""
    version: int = 0
    """Increases with every change of the above: event streams wait on it."""
    closed: bool = False
    """True once the server stops: event streams end."""
    changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def update(self, **values: Any) -> None:
        """Change some values and wake every event stream."""
        with self.changed:
            for key, value in values.items():
                setattr(self, key, value)
            self.version += 1
            self.changed.notify_all()

    def snapshot(self) -> dict[str, Any]:
        """Return the state as the page's script reads it."""
        with self.changed:
            return {
                "generation": self.generation,
                "errors": list(self.errors),
                "pdf": {"building": self.pdf_building, "error": self.pdf_error, "files": dict(self.pdf_files)},
            }

    def wait(self, seen: int, timeout: float) -> int:
        """Wait until the state changes after version `seen` (or the timeout); return the version."""
        with self.changed:
            self.changed.wait_for(lambda: self.version != seen or self.closed, timeout)
            return self.version


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
        self._pdf_process: subprocess.Popen[str] | None = None
        self._threads: list[threading.Thread] = []
        self.server = ThreadingHTTPServer((host, port), _handler_for(self))
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
            )
            errors = [error_info(e) for e in result.errors]
            made = list(getattr(result, "made", result.outputs))
        except PublishError as exc:
            errors, made = [error_info(exc)], []
        except Exception as exc:  # keep serving: the overlay says what went wrong
            logger.exception("the preview build failed")
            errors, made = [error_info(exc)], []
        for error in errors:
            logger.error("%s", _one_line(error))
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
        """Run one PDF build in a process of its own; return its errors ("" when it succeeded)."""
        command = [sys.executable, "-m", "publish", "-q", "build", "--format", "pdf", "--out", str(self.pdf_out)]
        command += [str(p) for p in self.paths or []] + (["--force"] if force else [])
        try:
            self._pdf_process = subprocess.Popen(
                command, cwd=self.project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            _, stderr = self._pdf_process.communicate()
            status = self._pdf_process.returncode
        except OSError as exc:
            return f"cannot start the PDF build: {exc}"
        finally:
            self._pdf_process = None
        if self.stop_event.is_set() or status == 0:
            return ""
        lines = [line for line in stderr.splitlines() if line.strip()]
        return "\n".join(lines[:12]) or f"the PDF build stopped with status {status}"

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
            # When the earliest of the changed files was written, to tell whether the last build
            # may have read it half-way.
            written = min((s[0] for s in map(_stamp, paths) if s), default=0)
            force = None
            if ended is not None and written and written <= ended:
                force = _briefings_of(paths, self.project)
                logger.info("changed while the last build read it: making it again")
            self.build_pages(force)
            ended = time.time_ns()
            self._ready.set()
            self.want_pdfs(written)

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
        """Stop watching and serving; end the PDF process this preview started, if one runs."""
        self.stop_event.set()
        self.state.update(closed=True)
        process = self._pdf_process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


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


# The web server


def _handler_for(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.preview = preview
    return Handler


class _Handler(BaseHTTPRequestHandler):
    """Serves the site folder, the preview's PDFs, the live-reload script and its event stream."""

    preview: Preview
    server_version = "publish-serve"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == EVENTS:
            self._events()
        elif path == STATE:
            self._send(json.dumps(self.preview.state.snapshot()).encode(), "application/json")
        elif path == CLIENT:
            self._send(CLIENT_JS.encode(), "text/javascript; charset=utf-8")
        else:
            self._file(path)

    def do_HEAD(self) -> None:
        self.do_GET()

    def _file(self, path: str) -> None:
        site = self.preview.site.resolve()
        target = (site / path.lstrip("/")).resolve()
        if not target.is_relative_to(site):
            self._not_found()
            return
        if target.is_dir():
            if not path.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            target = target / "index.html"
        if target.suffix == ".pdf":
            # The PDF typeset in the background, the last good one until a new one is complete.
            preview_pdf = self.preview.pdf_out / "pdf" / target.name
            if preview_pdf.is_file():
                target = preview_pdf
        if not target.is_file():
            self._not_found()
            return
        data = target.read_bytes()
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix == ".html":
            data = self._with_client(data)
            kind = "text/html; charset=utf-8"
        elif kind.startswith("text/") or kind in ("image/svg+xml", "application/javascript"):
            kind += "; charset=utf-8"
        self._send(data, kind)

    def _not_found(self) -> None:
        page = self.preview.site / "404.html"
        data = self._with_client(page.read_bytes()) if page.is_file() else b"not found"
        self._send(data, "text/html; charset=utf-8", HTTPStatus.NOT_FOUND)

    def _with_client(self, html: bytes) -> bytes:
        generation = self.preview.state.generation
        tag = f'<script src="{CLIENT}" data-generation="{generation}"></script>'.encode()
        at = html.rfind(b"</body>")
        return html[:at] + tag + html[at:] if at >= 0 else html + tag

    def _send(self, data: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _events(self) -> None:
        """Stream the state to a page as server-sent events: at once, then at every change."""
        state = self.preview.state
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = -1
        try:
            while not state.closed:
                version = state.version
                if version != seen:
                    seen = version
                    self.wfile.write(f"event: state\ndata: {json.dumps(state.snapshot())}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
                state.wait(seen, KEEPALIVE)
        except (BrokenPipeError, ConnectionResetError):
            return


CLIENT_JS = r"""// publish serve: live reload, the error overlay and the PDF panel. Added to pages as served.
(() => {
  const script = document.currentScript;
  const loaded = Number(script.dataset.generation);
  const match = location.pathname.match(/\/([^/]+)\/([^/]+)\/(?:index\.html)?$/);
  const briefing = document.body.classList.contains('page-briefing') && match;
  const pdfName = briefing ? `${match[2]}.${match[1]}.pdf` : null;
  const style = 'all: initial; box-sizing: border-box; font: 14px/1.45 system-ui, sans-serif; direction: ltr;';

  const overlay = document.createElement('div');
  overlay.id = 'publish-overlay';
  overlay.setAttribute('role', 'alert');
  overlay.setAttribute('lang', 'en');
  overlay.setAttribute('dir', 'ltr');
  overlay.style.cssText = style + 'position: fixed; inset: 0; z-index: 2147483646; display: none;' +
    'background: rgba(20, 20, 20, 0.88); color: #fff; padding: 2rem; overflow: auto;';

  const panel = document.createElement('aside');
  panel.id = 'publish-pdf';
  panel.setAttribute('lang', 'en');
  panel.setAttribute('dir', 'ltr');
  panel.style.cssText = style + 'position: fixed; top: 0; bottom: 0; right: 0; width: 45vw; z-index: 2147483645;' +
    'display: none; background: #eee; border-left: 1px solid #999;';
  const frame = document.createElement('iframe');
  frame.title = 'PDF';
  frame.style.cssText = 'all: initial; width: 100%; height: 100%; border: 0; display: block;';
  panel.append(frame);

  const badge = document.createElement('button');
  badge.id = 'publish-pdf-toggle';
  badge.type = 'button';
  badge.setAttribute('lang', 'en');
  badge.style.cssText = style + 'position: fixed; bottom: 12px; right: 12px; z-index: 2147483647; cursor: pointer;' +
    'background: #222; color: #fff; padding: 6px 12px; border-radius: 16px;';

  let pdfStamp = null;
  const open = () => sessionStorage.getItem('publish-pdf-panel') === 'open';
  const showPanel = () => {
    panel.style.display = open() ? 'block' : 'none';
    document.documentElement.style.marginRight = open() ? '45vw' : '';
  };
  badge.addEventListener('click', () => {
    sessionStorage.setItem('publish-pdf-panel', open() ? 'closed' : 'open');
    showPanel();
  });

  const text = (tag, content, css) => {
    const node = document.createElement(tag);
    node.textContent = content;
    node.style.cssText = style + 'display: block; color: inherit;' + (css || '');
    return node;
  };

  const render = (state) => {
    if (state.errors.length) {
      const title = 'publish: the preview could not be built';
      overlay.replaceChildren(text('h1', title, 'font-size: 20px; font-weight: 700; margin-bottom: 1rem;'));
      for (const error of state.errors) {
        const item = text('pre', (error.location ? error.location + ': ' : '') + error.message +
          (error.hint ? '\n  hint: ' + error.hint : ''),
          'font-family: ui-monospace, monospace; white-space: pre-wrap; margin: 0 0 1rem; padding: 0.75rem;' +
          'background: #3a1111; border-left: 4px solid #ff6b6b;');
        item.className = 'publish-error';
        overlay.append(item);
      }
      overlay.append(text('p', 'Fix the file and save it: this page reloads by itself.', 'color: #ccc;'));
      overlay.style.display = 'block';
      return;
    }
    overlay.style.display = 'none';
    if (state.generation > loaded) {
      location.reload();
      return;
    }
    if (!pdfName) return;
    const stamp = state.pdf.files[pdfName];
    const pdfState = state.pdf.building ? 'building' : state.pdf.error ? 'failed' : stamp ? 'ready' : 'none';
    const labels = {building: 'PDF: typesetting…', failed: 'PDF: failed', ready: 'PDF', none: 'PDF: not made yet'};
    badge.textContent = labels[pdfState];
    badge.title = state.pdf.error || '';
    badge.dataset.state = pdfState;
    if (stamp && stamp !== pdfStamp) {
      pdfStamp = stamp;
      frame.src = `${pdfName}?v=${stamp}`;
    }
  };

  const start = () => {
    document.body.append(overlay);
    if (pdfName) {
      document.body.append(panel, badge);
      showPanel();
    }
    const events = new EventSource('/__publish/events');
    events.addEventListener('state', (event) => render(JSON.parse(event.data)));
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
"""
