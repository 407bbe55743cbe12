"""publish: Markdown briefings → branded PDFs and web pages in English, Arabic and French."""

from __future__ import annotations

import logging

from ._version import __version__
from .build import BuildResult, build
from .errors import PublishError

__all__ = ["BuildResult", "PublishError", "__version__", "build"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
