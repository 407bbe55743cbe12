"""Errors publish reports to writers, designers and CI: each names where the problem is.

Every error prints compiler-style, `path:line: message`, followed by a hint when there is one.
"""

from __future__ import annotations

from .model import SourceLocation


class PublishError(Exception):
    """Something a user can fix: carries where it is and what to do."""

    def __init__(self, message: str, location: SourceLocation | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ConfigError(PublishError):
    """A project, briefing or brand configuration file is wrong."""


class SourceError(PublishError):
    """A briefing's Markdown or front matter is wrong."""


class TemplateError(PublishError):
    """A layout template failed to load or render."""


class TypesetError(PublishError):
    """WeasyPrint could not produce the PDF."""
