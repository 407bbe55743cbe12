"""`publish serve` against hostile pages and impatient clients (issue 20, item 12).

A page on another site can make its own name resolve to 127.0.0.1 (DNS rebinding) and read the
drafts; a crafted link can turn the folder redirect into one to another site; and every page
closed while a file was being sent printed a traceback.
"""

from __future__ import annotations

import http.client
import socket
import struct
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from publish.preview_server import host_allowed

from .conftest import MakeProject, serving, write


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, make_project: MakeProject):
    """A small project served without PDFs. Yields its root, the port and the server's log file."""
    tmp_path = tmp_path_factory.mktemp("serve-hostile")
    root = make_project(tmp_path / "project")
    write(root, "briefings/live/en.md", "---\ntitle: Live\n---\n\nA draft nobody else may read.\n")
    log = tmp_path / "serve.log"
    with serving(root, log, "briefings/live", "--no-pdf") as url:
        yield SimpleNamespace(root=root, port=urlsplit(url).port, log=log)


def get(port: int, path: str, host: str | None = "127.0.0.1:{port}") -> tuple[int, dict[str, str], bytes]:
    """GET `path` from 127.0.0.1:`port` with the Host header given ({port} filled in; None: none)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True)
        if host is not None:
            connection.putheader("Host", host.format(port=port))
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("name", ["evil.example", "localhost.evil.example", "127.0.0.1.evil.example", "EVIL"])
@pytest.mark.parametrize("path", ["/__publish/state", "/en/live/", "/__publish/events"])
def test_a_request_for_another_host_is_refused(served, name: str, path: str) -> None:
    port = served.port
    status, headers, body = get(port, path, f"{name}:{port}")
    assert status == 421
    assert body == f"publish serve answers only for localhost and 127.0.0.1 on port {port}\n".encode()
    assert b"draft" not in body
    assert headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "host", [None, "", "127.0.0.1", "127.0.0.1:1", "localhost:{port}@evil.example", "a b:{port}", "evil.example"]
)
def test_a_missing_or_odd_host_or_another_port_is_refused(served, host: str | None) -> None:
    assert get(served.port, "/__publish/state", host)[0] == 421


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "[::1]:{port}"])
def test_this_computers_names_are_served(served, host: str) -> None:
    status, _, body = get(served.port, "/en/live/", host)
    assert status == 200
    assert b"A draft nobody else may read." in body


@pytest.mark.parametrize(
    ("header", "bound", "hosts", "allowed"),
    [
        ("192.168.1.5:8000", ("0.0.0.0", 8000), (), True),  # --host 0.0.0.0: other computers, by address
        ("[fe80::1]:8000", ("0.0.0.0", 8000), (), True),
        ("evil.example:8000", ("0.0.0.0", 8000), (), False),  # … never by a name the server was not given
        ("192.168.1.5:8000", ("192.168.1.5", 8000), (), True),
        ("192.168.1.6:8000", ("192.168.1.5", 8000), (), False),
        ("mybox.lan:8000", ("192.168.1.5", 8000), ("mybox.lan",), True),  # --host mybox.lan
        ("localhost", ("127.0.0.1", 80), (), True),
        ("localhost", ("127.0.0.1", 8000), (), False),
    ],
)
def test_which_hosts_are_answered(header: str, bound: tuple[str, int], hosts: tuple[str, ...], allowed: bool) -> None:
    assert host_allowed(header, bound, frozenset(hosts)) is allowed


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/%2Fevil.example%2F..%2Fen", "/en/"),
        ("/%2F%2Fevil.example%2F..%2Fen%2Flive", "/en/live/"),
        ("/%5Cevil.example%2F..%2Fen", "/en/"),
        ("/en", "/en/"),
        ("/en/live", "/en/live/"),
        ("/en/./live/../live", "/en/live/"),
    ],
)
def test_the_folder_redirect_stays_on_this_site(served, path: str, location: str) -> None:
    status, headers, _ = get(served.port, path)
    assert status == 301
    assert headers["Location"] == location


def test_clients_that_go_away_leave_no_traceback(served) -> None:
    port, log = served.port, served.log
    big = served.root / "build" / "site" / "big.bin"
    big.write_bytes(b"x" * 16_000_000)  # more than the socket buffers hold: the server is still writing
    before = log.read_text().count("went away")
    for _ in range(10):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
            client.sendall(f"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            assert client.recv(12) == b"HTTP/1.0 200"
            # Closed at once, unread data and all: the kernel resets the connection.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    deadline = time.monotonic() + 30
    while log.read_text().count("went away") < before + 10 and time.monotonic() < deadline:
        time.sleep(0.2)
    text = log.read_text()
    assert "Traceback" not in text
    assert "BrokenPipeError" not in text and "ConnectionResetError" not in text
    assert text.count("went away") == before + 10, text
    # And the server still serves.
    assert get(port, "/en/live/")[0] == 200
