"""The preview's web server: the site folder as the build wrote it, with a script added to every
page (`CLIENT_JS`) that reloads it when a build makes pages again, shows the build's errors in an
overlay naming file and line, and shows the briefing's PDF in a panel beside the page. The page
learns of changes from the `PreviewState`, streamed to it as server-sent events."""

from __future__ import annotations

import ipaddress
import json
import logging
import mimetypes
import re
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

logger = logging.getLogger("publish.serve")

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


# The web server


def handler_for(
    state: PreviewState, site: Path, pdf_out: Path, hosts: tuple[str, ...] = ()
) -> type[BaseHTTPRequestHandler]:
    """Return a request handler class serving one preview: its state, its site and its PDFs.

    `hosts` are the names the server was asked to listen on (`--host`): requests for them are
    answered, as are requests for this computer's own names and the address the server is bound to.
    """

    class Handler(_Handler):
        pass

    Handler.state, Handler.site, Handler.pdf_out = state, site, pdf_out
    Handler.hosts = frozenset(h.lower().strip("[]") for h in hosts)
    return Handler


LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?")
_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
"""What writing to a client that closed its connection raises: the client went away, no bug."""


def host_allowed(header: str | None, bound: tuple[str, int], hosts: frozenset[str] = frozenset()) -> bool:
    """Tell whether a request's Host header names this server: a defence against DNS rebinding.

    A page on another site can have its own name resolve to 127.0.0.1 and then read the drafts;
    its requests still carry that name. So the server answers only for localhost, 127.0.0.1,
    [::1], the address it is bound to and the names given to --host, on its own port. Bound to
    every address (0.0.0.0), it answers for any IP address too: rebinding needs a name.
    """
    match = _HOST.fullmatch(header or "")
    if match is None:
        return False
    name = match[1].lower().strip("[]")
    port = int(match[2]) if match[2] else 80
    address, bound_port = bound
    if port != bound_port:
        return False
    if name in LOCAL_NAMES or name == address or name in hosts:
        return True
    if address in ("0.0.0.0", "::"):
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True
    return False


class _Handler(BaseHTTPRequestHandler):
    """Serves the site folder, the preview's PDFs, the live-reload script and its event stream."""

    state: PreviewState
    site: Path
    pdf_out: Path
    hosts: frozenset[str] = frozenset()
    server_version = "publish-serve"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def handle(self) -> None:
        # A page closed or reloaded while a file or an event was being sent: nothing to report.
        try:
            super().handle()
        except _GONE:
            self.close_connection = True
            logger.info("%s: the client went away before the answer was sent", self.requestline or "a request")

    def do_GET(self) -> None:
        bound = self.server.server_address
        if not host_allowed(self.headers.get("Host"), (str(bound[0]), int(bound[1])), self.hosts):
            logger.warning("refused a request for host %r (not this computer)", self.headers.get("Host"))
            page = f"publish serve answers only for localhost and 127.0.0.1 on port {bound[1]}\n"
            self._send(page.encode(), "text/plain; charset=utf-8", HTTPStatus.MISDIRECTED_REQUEST)
            return
        path = unquote(urlsplit(self.path).path)
        if path == EVENTS:
            self._events()
        elif path == STATE:
            self._send(json.dumps(self.state.snapshot()).encode(), "application/json")
        elif path == CLIENT:
            self._send(CLIENT_JS.encode(), "text/javascript; charset=utf-8")
        else:
            self._file(path)

    def do_HEAD(self) -> None:
        self.do_GET()

    def _file(self, path: str) -> None:
        site = self.site.resolve()
        target = (site / path.lstrip("/")).resolve()
        if not target.is_relative_to(site):
            self._not_found()
            return
        if target.is_dir():
            if not path.endswith("/"):
                # Built from the folder found, never from the request: `/%2Fevil.example%2F..%2Fen`
                # must not send the browser to //evil.example/…
                inside = target.relative_to(site).as_posix()
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", "/" if inside == "." else "/" + quote(inside) + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            target = target / "index.html"
        if target.suffix == ".pdf":
            # The PDF typeset in the background, the last good one until a new one is complete.
            preview_pdf = self.pdf_out / "pdf" / target.name
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
        page = self.site / "404.html"
        data = self._with_client(page.read_bytes()) if page.is_file() else b"not found"
        self._send(data, "text/html; charset=utf-8", HTTPStatus.NOT_FOUND)

    def _with_client(self, html: bytes) -> bytes:
        generation = self.state.generation
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
        state = self.state
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
        except _GONE:
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
