"""Console: what the command line shows people. Log lines, a progress bar, a summary table.

Input: publish's log records and a build's progress events (progress.py). Output, on stderr:

    briefings/we-exist-2020/fr.md:3: unknown front matter key "subtitel"     (every warning and error)
    ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 12/18 we-exist-2020 · ar · PDF 0:00:07   (terminals only)
      output                                    briefing        lang  format  status
      build/pdf/we-exist-2020.ar.pdf            we-exist-2020   ar    PDF     built
      ...

Colours and the bar only on a terminal (and never with NO_COLOR set or TERM=dumb); in CI logs the same lines are
plain text, never wrapped, so a message can be searched for whole. `--quiet` keeps only
warnings and errors, `--verbose` adds every step and every unchanged output.
"""

from __future__ import annotations

import enum
import logging
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .model import OutputFormat, shown
from .progress import Delivered, Event, Output, Planned

if TYPE_CHECKING:
    from .build import BuildResult


class Verbosity(enum.IntEnum):
    """How much the command line says."""

    QUIET = 0
    """Warnings and errors only."""
    NORMAL = 1
    """Also a progress bar and a summary of what was made and what failed."""
    VERBOSE = 2
    """Also every step (each file built) and the outputs left unchanged."""


FORMAT_NAMES = {OutputFormat.PDF: "PDF", OutputFormat.HTML: "web page"}


def plain_wanted(environ: Mapping[str, str] | None = None) -> bool:
    """Tell whether the user asked for plain text: NO_COLOR set to anything (no-color.org), or TERM=dumb."""
    environ = os.environ if environ is None else environ
    return bool(environ.get("NO_COLOR")) or environ.get("TERM", "").lower() == "dumb"


def make_console(stream: IO[str] | None = None) -> Console:
    """Return the console publish writes to: stderr (whatever sys.stderr is then), coloured only on a terminal.

    With NO_COLOR or TERM=dumb it has no colour system at all: no colour, no bold, and no progress
    bar (`BuildReport` draws one only on a console with colours), even on a terminal.
    """
    return Console(
        file=stream,
        stderr=stream is None,
        color_system=None if plain_wanted() else "auto",
        no_color=plain_wanted() or None,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        # Off a terminal (CI logs, pipes) rich's default width is 80; tables should not be cut.
        width=None if (stream or sys.stderr).isatty() else int(os.environ.get("COLUMNS", 120)),
    )


class ConsoleHandler(logging.Handler):
    """Prints log records through the console: above a live progress bar, whole, errors in red."""

    def __init__(self, console: Console, level: int = logging.INFO):
        super().__init__(level)
        self.console = console
        self.previous_level: int | None = None
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            level = record.levelno
            style = "red" if level >= logging.ERROR else "yellow" if level >= logging.WARNING else ""
            self.console.print(Text(text, style=style), soft_wrap=True)
        except Exception:  # a closed stream or a logging bug must not stop a build
            self.handleError(record)

    def close(self) -> None:
        """Stop printing: take the handler off the root logger and put its level back."""
        root = logging.getLogger()
        root.removeHandler(self)
        if self.previous_level is not None:
            root.setLevel(self.previous_level)
        super().close()


def setup_logging(console: Console, verbosity: Verbosity) -> ConsoleHandler:
    """Send publish's log records (and WeasyPrint's warnings) to the console, until the handler is closed."""
    level = {Verbosity.QUIET: logging.WARNING, Verbosity.NORMAL: logging.WARNING, Verbosity.VERBOSE: logging.INFO}
    handler = ConsoleHandler(console, level[verbosity])
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, ConsoleHandler)]:
        old.close()
    handler.previous_level = root.level
    root.addHandler(handler)
    root.setLevel(level[verbosity])
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return handler


class BuildReport:
    """Follows one build: a progress bar while it runs (on a terminal), a summary table after."""

    def __init__(self, console: Console, verbosity: Verbosity, root: Path | None = None):
        self.console = console
        self.verbosity = verbosity
        self.root = root or Path.cwd()
        self.planned: tuple[Output, ...] = ()
        self._planned: frozenset[Output] = frozenset()
        self.delivered: dict[Output, Delivered] = {}
        self.started = time.monotonic()
        self._bar: Progress | None = None
        self._task = None

    def __enter__(self) -> BuildReport:
        # A bar redraws itself with escape sequences: only on a terminal that takes colours (not with
        # NO_COLOR or TERM=dumb, where make_console leaves no colour system).
        if self.verbosity >= Verbosity.NORMAL and self.console.is_terminal and self.console.color_system is not None:
            self._bar = Progress(
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("planning", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __call__(self, event: Event) -> None:
        """Take a progress event from the build."""
        if isinstance(event, Planned):
            self.planned = event.outputs
            self._planned = frozenset(event.outputs)
            if self._bar is not None:
                self._bar.update(self._task, total=len(self.planned), description="")
        elif isinstance(event, Delivered):
            output = event.output
            # Only the planned outputs count: the index pages and the site's shared files are not
            # in the total (a bar at 13/9 helps nobody).
            if output is None or output not in self._planned:
                return
            self.delivered[output] = event
            if self._bar is not None:
                self._bar.update(
                    self._task, completed=len(self.delivered), description=self._label(output), refresh=True
                )

    @staticmethod
    def _label(output: Output) -> str:
        return f"{output.slug} · {output.lang} · {FORMAT_NAMES[output.format]}"

    def counts(self) -> tuple[list[Output], list[Output], list[Output]]:
        """Return the planned outputs built, left unchanged, and failed (planned, never delivered)."""
        built = [o for o in self.planned if o in self.delivered and self.delivered[o].made]
        unchanged = [o for o in self.planned if o in self.delivered and not self.delivered[o].made]
        failed = [o for o in self.planned if o not in self.delivered]
        return built, unchanged, failed

    def summary(self, result: BuildResult) -> None:
        """Print what was made, what was unchanged and what failed, with the files and formats."""
        if self.verbosity < Verbosity.NORMAL:
            return
        built, unchanged, failed = self.counts()
        listed = [*built, *failed] + (unchanged if self.verbosity >= Verbosity.VERBOSE else [])
        if listed:
            table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
            table.add_column("output", overflow="fold")
            table.add_column("briefing")
            table.add_column("lang")
            table.add_column("format")
            table.add_column("status")
            for output in sorted(listed, key=self.planned.index):
                delivered = self.delivered.get(output)
                if delivered is None:
                    path, status = Path("briefings") / output.slug / f"{output.lang}.md", "[red]failed[/red]"
                elif delivered.made:
                    path, status = delivered.path, "[green]built[/green]"
                else:
                    path, status = delivered.path, "[dim]unchanged[/dim]"
                cells = (self._display(path), output.slug, output.lang, FORMAT_NAMES[output.format])
                table.add_row(*(Text(shown(v)) for v in cells), status)
            self.console.print(table)
        seconds = time.monotonic() - self.started
        counts = [f"{len(built)} built", f"{len(unchanged)} unchanged"]
        if failed or result.errors:
            counts.append(f"[red]{len(failed)} failed[/red]")
        self.console.print(f"publish: {', '.join(counts)} in {seconds:.1f} s", soft_wrap=True, highlight=False)

    def outcome(self, result: BuildResult) -> str:
        """Return the last line of a build that failed: the errors, and what was built nonetheless."""
        built, unchanged, failed = self.counts()
        errors = f"publish: {len(result.errors)} error(s)"
        if not self.planned:
            return errors
        if not built and not unchanged:
            return f"{errors}; none of the {len(self.planned)} outputs was built"
        return (
            f"{errors}; {len(failed)} of {len(self.planned)} outputs failed, "
            f"{len(built)} built, {len(unchanged)} unchanged"
        )

    def _display(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)
