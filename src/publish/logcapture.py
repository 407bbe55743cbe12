"""Warnings captured while a block runs: the one logging handler publish uses to keep what it logs.

A build keeps its warnings (for --strict and the summary), the cache records each output's
warnings to say them again when the output is reused, workers relay theirs to the main process,
and the typesetter reports WeasyPrint's against the briefing: all through `capture_warnings`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator


class _Capture(logging.Handler):
    def __init__(self, into: list[list]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append([record.name, record.levelno, record.getMessage()])


@contextlib.contextmanager
def capture_warnings(logger_name: str = "publish", *, propagate: bool = True) -> Iterator[list[list]]:
    """Collect [logger name, level, message] of each warning (or worse) logged under `logger_name`.

    With `propagate=False` the records stop here: the caller reports them its own way.
    """
    captured: list[list] = []
    handler = _Capture(captured)
    target = logging.getLogger(logger_name)
    target.addHandler(handler)
    was, target.propagate = target.propagate, target.propagate and propagate
    try:
        yield captured
    finally:
        target.removeHandler(handler)
        target.propagate = was
