"""The edit loop of `publish serve` (issue 19): save → refreshed page, save → refreshed PDF, memory.

    .venv/bin/python benchmarks/editloop.py [--saves 200] [--repeat 3]

A copy of the seed project is served by `publish serve --port 0` in a process of its own. Each
save appends a sentence to one paragraph of briefings/we-exist-2020/fr.md (a different paragraph
each time, on the original text, so the document keeps its size) and times, from the outside:

    page   save → the server tells open pages to reload (their event stream: a higher
           generation) and the French page, fetched again, has the new sentence
    pdf    save → the server tells open pages that the French PDF is new (its stamp changes:
           what makes the page's PDF panel reload); and save → the PDF file written (its mtime)

and compares the PDF time with a one-language CLI rebuild of the same edit in another copy
(`publish build --format pdf briefings/we-exist-2020`: only the French PDF is made again), the two
taking turns. Every save waits for its PDF. After the 10th and the last save, the resident memory
(VmRSS) of the serve process and all its descendants is summed: a leak shows as growth.

Nothing inside publish is called or patched: whatever `publish serve` does (a `publish build`
process per save, or a warm typesetter), this measures what a writer waits for. When the server
has no event stream (/__publish/events), the page file and the PDF file are polled instead.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from timing import LONGEST, PYTHON, as_users_run, copy_project, publish

PAGE = f"fr/{LONGEST}/index.html"
PDF = f"{LONGEST}.fr.pdf"
SOURCE = f"briefings/{LONGEST}/fr.md"
EVENTS = "/__publish/events"
TIMEOUT = 300.0


def paragraphs(text: str) -> list[int]:
    """Return the indices of the lines that end a prose paragraph (not headings, lists, containers, notes)."""
    lines = text.split("\n")
    body = lines.index("---", 1) + 1  # after the front matter
    found = []
    for index in range(body, len(lines) - 1):
        line = lines[index]
        prose = line[:1].isalpha() or (line.startswith("*") and not line.startswith("* "))
        if prose and not lines[index + 1].strip():
            found.append(index)
    return found


def edited(text: str, ends: list[int], n: int) -> tuple[str, str]:
    """Return the text with a sentence appended to its n-th paragraph (in turn), and the sentence's marker."""
    lines = text.split("\n")
    marker = f"R{n:04d}"
    lines[ends[n % len(ends)]] += f" Une phrase ajoutée, repère {marker}."
    return "\n".join(lines), marker


def rss_tree(pid: int, field: str = "VmRSS", file: str = "status") -> dict[int, int]:
    """Return the resident memory (bytes) of a process and each of its descendants.

    VmRSS counts the pages forked processes share once in each; Pss (from smaps_rollup) shares
    them out, so that its sum over the tree is the memory the tree takes.
    """
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += [child for child, parent in parents.items() if parent == current]
    memory = {}
    for member in tree:
        try:
            status = Path(f"/proc/{member}/{file}").read_text()
        except OSError:
            continue
        found = re.search(rf"^{field}:\s+(\d+) kB", status, re.M)
        if found:
            memory[member] = int(found[1]) * 1024
    return memory


def alive(pid: int) -> bool:
    """Tell whether a process runs (a zombie, ended but not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def command(pid: int) -> str:
    """Return a process's command line, shortened: what it is, for the memory figures."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "?"
    return " ".join(Path(words[0]).name if i == 0 else w for i, w in enumerate(words) if w)[:80]


class Server:
    """A `publish serve` process on a project, and what its open pages hear (its event stream)."""

    def __init__(self, project: Path, log: Path):
        self.project = project
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "publish", "serve", "--port", "0"],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        line = self._first_line()
        found = re.search(r"http://([^/:\s]+):(\d+)/", line)
        if not found:
            self.stop()
            raise SystemExit(f"publish serve did not say where it serves: {line!r}\n{self.log_tail()}")
        self.host, self.port = found[1], int(found[2])
        self.changed = threading.Condition()
        self.states: list[tuple[float, dict]] = []
        self.events = self._connect()
        if self.events is not None:
            threading.Thread(target=self._listen, daemon=True).start()

    def _first_line(self) -> str:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(TIMEOUT)
        if not lines:
            self.stop()
            raise SystemExit(f"publish serve did not start in {TIMEOUT:.0f} s\n{self.log_tail()}")
        # Keep reading stdout so that the server never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        return lines[0]

    def _connect(self) -> http.client.HTTPResponse | None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=None)
        connection.request("GET", EVENTS)
        response = connection.getresponse()
        if response.status != 200 or "event-stream" not in (response.getheader("Content-Type") or ""):
            print("edit loop: the server has no event stream; polling its files instead", flush=True)
            return None
        return response

    def _listen(self) -> None:
        for raw in self.events:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("data:"):
                state = json.loads(line[5:])
                with self.changed:
                    self.states.append((time.perf_counter(), state))
                    self.changed.notify_all()

    def latest(self) -> dict:
        with self.changed:
            return self.states[-1][1] if self.states else {}

    def wait(self, test, since: int, timeout: float = TIMEOUT) -> tuple[float, dict, int]:
        """Wait for a state, heard after the `since`-th, that passes `test`; return when, it, and its index."""
        deadline = time.perf_counter() + timeout
        with self.changed:
            while True:
                for index in range(since, len(self.states)):
                    heard, state = self.states[index]
                    if test(state):
                        return heard, state, index + 1
                since = len(self.states)
                left = deadline - time.perf_counter()
                if left <= 0 or self.process.poll() is not None:
                    raise SystemExit(f"publish serve: nothing came in {timeout:.0f} s\n{self.log_tail()}")
                self.changed.wait(left)

    def get(self, path: str) -> bytes:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        connection.request("GET", path)
        data = connection.getresponse().read()
        connection.close()
        return data

    def log_tail(self) -> str:
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-20:])

    def stop(self) -> list[int]:
        """Stop the server politely (SIGTERM), then by force; return the pids of descendants it left."""
        descendants = [pid for pid in rss_tree(self.process.pid) if pid != self.process.pid]
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # A pool's fork server and resource tracker end once their parent has: give them a moment.
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline and any(map(alive, descendants)):
            time.sleep(0.1)
        left = []
        for pid in descendants:
            if alive(pid):
                left.append(pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)  # started by this run's server, and left behind by it
        self.log.close()
        return left


class FileWatch:
    """The fallback for a server without an event stream: the page and the PDF, polled every 10 ms."""

    def __init__(self, project: Path):
        self.page = project / "build" / "site" / PAGE
        self.pdf = project / "build" / ".cache" / "preview" / "pdf" / PDF

    def page_with(self, marker: str) -> float:
        return self._poll(lambda: marker.encode() in self.page.read_bytes())

    def pdf_after(self, stamp: int) -> float:
        return self._poll(lambda: self.pdf.stat().st_mtime_ns != stamp)

    @staticmethod
    def _poll(test) -> float:
        deadline = time.perf_counter() + TIMEOUT
        while time.perf_counter() < deadline:
            with contextlib.suppress(OSError):
                if test():
                    return time.perf_counter()
            time.sleep(0.01)
        raise SystemExit(f"publish serve: nothing came in {TIMEOUT:.0f} s")

    def stamp(self) -> int:
        try:
            return self.pdf.stat().st_mtime_ns
        except OSError:
            return 0


def pdf_has(data: bytes, marker: str) -> bool:
    import io

    from pypdf import PdfReader

    return any(marker in (page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages)


def summary(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "median_s": round(statistics.median(values), 3),
        "best_s": round(values[0], 3),
        "p90_s": round(values[int(0.9 * (len(values) - 1))], 3),
    }


def edit_loop(work: Path, saves: int = 200, cli_runs: int = 3, settle: float = 0.3) -> dict[str, object]:
    """Run the edit loop on copies of the seeds in `work`; return the figures."""
    served = copy_project(work / "editloop-serve")
    cli = copy_project(work / "editloop-cli")
    original = (served / SOURCE).read_text(encoding="utf-8")
    ends = paragraphs(original)
    # The CLI's copy, built once: from then on a build makes only what an edit changed.
    subprocess.run(publish(cli, cli / "build", "--format", "pdf", f"briefings/{LONGEST}"), cwd=cli, check=True)

    def cli_rebuild(n: int) -> float:
        (cli / SOURCE).write_text(edited(original, ends, n)[0], encoding="utf-8")
        pdfs = sorted((cli / "build" / "pdf").glob("*.pdf"))
        before = {p.name: p.stat().st_mtime_ns for p in pdfs}
        start = time.perf_counter()
        subprocess.run(publish(cli, cli / "build", "--format", "pdf", f"briefings/{LONGEST}"), cwd=cli, check=True)
        elapsed = time.perf_counter() - start
        remade = sorted(p.name for p in pdfs if p.stat().st_mtime_ns != before[p.name])
        if remade != [PDF]:
            raise SystemExit(f"the CLI rebuild of one French edit made {remade}, not only {PDF}")
        return elapsed

    started = time.perf_counter()
    server = Server(served, work / "serve.log")
    files = FileWatch(served)
    page_times, page_told, pdf_shown, pdf_written, cli_times, memory = [], [], [], [], [], {}
    try:
        heard = 0
        if server.events is not None:
            # Ready once the first PDFs are typeset: the French one is there and nothing is building.
            _, _, heard = server.wait(lambda s: PDF in s["pdf"]["files"] and not s["pdf"]["building"], 0)
        else:
            files.pdf_after(0)
        figures: dict[str, object] = {"ready_s": round(time.perf_counter() - started, 1)}
        print(f"edit loop: serving on port {server.port}, ready in {figures['ready_s']} s", flush=True)
        for n in range(saves):
            text, marker = edited(original, ends, n)
            if server.events is not None:
                state = server.latest()
                generation, stamp = state["generation"], state["pdf"]["files"].get(PDF)
            else:
                stamp = files.stamp()
            saved_ns = time.time_ns()
            saved = time.perf_counter()
            (served / SOURCE).write_text(text, encoding="utf-8")
            if server.events is not None:
                # The page: told to reload, then fetched again with the new sentence in it.
                since, told = heard, None
                while True:
                    heard_at, state, since = server.wait(lambda s, g=generation: s["generation"] > g, since)
                    told = told or heard_at - saved
                    generation = state["generation"]
                    if marker.encode() in server.get("/" + PAGE):
                        page_times.append(time.perf_counter() - saved)
                        page_told.append(told)
                        break
                # The PDF: its new stamp heard (the panel reloads it), then typesetting over.
                shown, state, heard = server.wait(lambda s, t=stamp: s["pdf"]["files"].get(PDF) != t, heard)
                pdf_shown.append(shown - saved)
                if state["pdf"]["files"][PDF] > saved_ns - 10**12:  # a modification time (ns), as today
                    pdf_written.append((state["pdf"]["files"][PDF] - saved_ns) / 1e9)
                if state["pdf"]["building"]:
                    _, _, heard = server.wait(lambda s: not s["pdf"]["building"], heard)
                if state["errors"] or state["pdf"]["error"]:
                    raise SystemExit(f"publish serve reported errors: {state['errors'] or state['pdf']['error']}")
            else:
                page_times.append(files.page_with(marker) - saved)
                pdf_shown.append(files.pdf_after(stamp) - saved)
            if n in (0, saves - 1) and not pdf_has(server.get(f"/fr/{LONGEST}/{PDF}"), marker):
                raise SystemExit(f"the served PDF lacks the sentence of save {n + 1}")
            if n < cli_runs:
                cli_times.append(cli_rebuild(n))
            if n + 1 in (10, saves):
                tree = rss_tree(server.process.pid)
                pss = rss_tree(server.process.pid, "Pss", "smaps_rollup")
                memory[n + 1] = {
                    "rss_mb": round(sum(tree.values()) / 2**20, 1),
                    "pss_mb": round(sum(pss.values()) / 2**20, 1),
                    "processes": {f"{pid} {command(pid)}": round(rss / 2**20, 1) for pid, rss in tree.items()},
                }
            if (n + 1) % 10 == 0:
                print(
                    f"edit loop: {n + 1} saves, page {statistics.median(page_times):.2f} s, "
                    f"PDF {statistics.median(pdf_shown):.2f} s (medians)",
                    flush=True,
                )
            time.sleep(settle)
    finally:
        left = server.stop()
    figures.update(
        {
            "saves": saves,
            "events": server.events is not None,
            "save_to_page": summary(page_times),
            "save_to_pdf": summary(pdf_shown),
            "cli_one_language": summary(cli_times),
            "pdf_vs_cli": round(statistics.median(pdf_shown) / statistics.median(cli_times), 3),
            "serve_memory": {str(k): v for k, v in memory.items()},
            "processes_left_behind": len(left),
        }
    )
    if page_told:
        figures["save_to_page_told"] = summary(page_told)
    if pdf_written:
        figures["save_to_pdf_written"] = summary(pdf_written)
    if len(memory) == 2:
        first, last = memory[10]["rss_mb"], memory[saves]["rss_mb"]
        figures["memory_growth"] = round(last / first, 3)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=200, help="saves to make, each waiting for its PDF")
    parser.add_argument("--repeat", type=int, default=3, help="CLI rebuilds to compare with")
    args = parser.parse_args()
    as_users_run()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1607472000")
    with tempfile.TemporaryDirectory(prefix="publish-editloop-") as tmp:
        figures = edit_loop(Path(tmp), args.saves, args.repeat)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
