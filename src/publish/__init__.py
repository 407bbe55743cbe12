"""publish: Markdown briefings → branded PDFs and web pages in English, Arabic and French."""

from __future__ import annotations

import logging

__version__ = "0.1.0"

from .build import BuildResult, build
from .errors import PublishError

__all__ = ["BuildResult", "PublishError", "__version__", "build"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
