"""Confinement: every file a build reads from a project stays inside that project.

Input: a path a layout, brand, font folder or briefing names. Output: the same path, once checked to
be a regular file (or folder) that lies inside the project with every link resolved; otherwise a
ConfigError naming it. A symlink committed as `layouts/x/css/screen.css -> /proc/self/environ` would
otherwise publish the build's environment (CI tokens included). A leaf module: it imports no stage.
"""

from __future__ import annotations

import stat
from pathlib import Path

from .errors import ConfigError
from .model import SourceLocation


def outside(path: Path, root: Path) -> bool:
    """True when `path`, with every link resolved, is not inside `root`."""
    try:
        return not path.resolve(strict=True).is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # missing, a link loop
        return True


def contained_file(path: Path, root: Path) -> Path:
    """Return `path` when it is a regular file inside `root` (links resolved); else raise ConfigError."""
    display = _display(path, root)
    if outside(path, root):
        raise ConfigError(
            f"{display} leads outside the project (a link to {_target(path)}): refused",
            SourceLocation(display),
            hint="a project's files must live in the project; replace the link with a copy of the file",
        )
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise ConfigError(f"cannot read {display}: {exc.strerror}", SourceLocation(display)) from None
    if not stat.S_ISREG(mode):
        raise ConfigError(
            f"{display} is not a regular file: refused", SourceLocation(display), hint="use an ordinary file"
        )
    return path


def _display(path: Path, root: Path) -> Path:
    absolute = path.absolute()
    return absolute.relative_to(root.absolute()) if absolute.is_relative_to(root.absolute()) else path


def _target(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return "a missing file"
