"""Progress: what a build tells its caller while it runs, one event at a time.

`build(..., progress=callback)` calls the callback once with `Planned` (every output it will
deliver) and then with `Delivered` as each output is made or found unchanged. Outputs planned
but never delivered failed; the build's result says why. The events are plain data: the command
line draws a progress bar from them (console.py), the preview server could as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .model import OutputFormat


@dataclass(frozen=True, slots=True)
class Output:
    """One output a build delivers: a briefing in a language, as a PDF or a web page."""

    slug: str
    """The briefing's folder name."""
    lang: str
    """The language code."""
    format: OutputFormat
    """PDF or web page."""


@dataclass(frozen=True, slots=True)
class Planned:
    """The outputs a build will try to deliver, in order."""

    outputs: tuple[Output, ...]
    """Every output asked for."""


@dataclass(frozen=True, slots=True)
class Delivered:
    """One output is ready: made now, or left as an earlier build made it."""

    path: Path
    """The output file."""
    made: bool
    """True when this build wrote it; False when it was up to date (unchanged inputs)."""

    @property
    def output(self) -> Output | None:
        """Return which output this is, from its path (pdf/<slug>.<lang>.pdf, site/<lang>/<slug>/index.html)."""
        if self.path.suffix == ".pdf":
            slug, _, lang = self.path.stem.rpartition(".")
            return Output(slug, lang, OutputFormat.PDF) if slug else None
        if self.path.name == "index.html" and len(self.path.parts) >= 3:
            return Output(self.path.parent.name, self.path.parent.parent.name, OutputFormat.HTML)
        return None


Event = Planned | Delivered
ProgressCallback = Callable[[Event], None]
"""What `build(progress=…)` takes: called in the building thread, it should return quickly."""
