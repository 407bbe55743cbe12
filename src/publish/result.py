"""What a build, a check or a pair produced and what went wrong: `BuildResult`, filled by every stage."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PublishError
from .logcapture import capture_warnings

logger = logging.getLogger("publish.build")


@dataclass
class BuildResult:
    """What a build produced and what went wrong."""

    outputs: list[Path] = field(default_factory=list)
    """Files the build delivers (PDFs and web pages), made now or reused, in the order they were done."""
    errors: list[PublishError] = field(default_factory=list)
    """Problems that stopped an output from being made, each with its location."""
    warnings: list[str] = field(default_factory=list)
    """Warnings logged during the build (each with its location); failures under strict."""
    made: list[Path] = field(default_factory=list)
    """The outputs this build wrote."""
    reused: list[Path] = field(default_factory=list)
    """The outputs an earlier build made from the same inputs, left as they were."""
    peak_memory: int = 0
    """The highest resident memory of a process that typeset a PDF, in bytes (0 when none was made)."""

    @property
    def ok(self) -> bool:
        """True when everything asked for was built."""
        return not self.errors

    def fail(self, exc: PublishError) -> None:
        """Record a problem that stopped an output, and say it: once, however many outputs it stopped.

        An unknown brand in briefing.toml stops every language of the briefing, at the same line:
        that is one error to fix, printed and counted once.
        """
        if any(_same(exc, known) for known in self.errors):
            return
        self.errors.append(exc)
        logger.error("%s", exc)


def _same(one: PublishError, other: PublishError) -> bool:
    return (type(one), one.message, str(one.location), one.hint) == (
        type(other),
        other.message,
        str(other.location),
        other.hint,
    )


@contextlib.contextmanager
def collecting_warnings(result: BuildResult, strict: bool) -> Iterator[None]:
    """Keep every warning publish logs meanwhile in `result`; with `strict`, fail on any."""
    with capture_warnings() as captured:
        yield
    result.warnings += [message for _, level, message in captured if level == logging.WARNING]
    if strict and result.warnings:
        result.fail(PublishError(f"{len(result.warnings)} warning(s), and warnings are errors here (--strict)"))
