"""Writing outputs: every file is written beside its destination and moved into place whole.

A reader (a browser, a PDF viewer, CI uploading a release) never sees a half-written file,
and a failed build leaves the previous good output where it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 `text` to `path` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def copy_file(source: Path, target: Path) -> None:
    """Copy a file atomically, skipping the copy when the target is already identical."""
    if (
        target.is_file()
        and target.stat().st_size == source.stat().st_size
        and target.read_bytes() == source.read_bytes()
    ):
        return
    atomic_write_bytes(target, source.read_bytes())


def copy_tree(source: Path, target: Path, pattern: str = "*") -> None:
    """Copy the files of a folder tree matching `pattern`."""
    for path in sorted(source.rglob(pattern)):
        if path.is_file():
            copy_file(path, target / path.relative_to(source))


__all__ = ["atomic_write_bytes", "atomic_write_text", "copy_file", "copy_tree"]
