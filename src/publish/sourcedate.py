"""Source dates: the one time a build stamps on everything it makes from a folder.

Input: a folder (or file) of the project and the environment. Output: a UTC datetime.
SOURCE_DATE_EPOCH when it is set (the reproducible-builds.org convention); else the committer date
of the last git commit touching the folder; else, outside git, the current time. PDFs, font
subsets, the sitemap and the release archive all take their dates from here, so two builds of the
same commit give the same bytes. A leaf module: it imports no stage.
"""

from __future__ import annotations

import datetime
import os
import subprocess
from pathlib import Path

from .errors import ConfigError

ENVIRONMENT = "SOURCE_DATE_EPOCH"
"""The variable that fixes every date a build writes."""


def epoch_from_environment() -> int | None:
    """Return SOURCE_DATE_EPOCH as whole seconds, None when unset; an error when it is not a number."""
    text = os.environ.get(ENVIRONMENT, "").strip()
    if not text:
        return None
    # ASCII digits only: int() would also take "١٢٣" or "12_3", which no other tool reads the same.
    if not (text.isascii() and text.isdigit()):
        raise ConfigError(
            f"{ENVIRONMENT} must be a whole number of seconds since 1970, not {text!r}",
            hint="set it from git: SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)",
        )
    return int(text)


def source_date(folder: Path | None = None) -> datetime.datetime:
    """Return the date a build stamps on what it makes from `folder`, in UTC."""
    epoch = epoch_from_environment()
    if epoch is not None:
        try:
            return datetime.datetime.fromtimestamp(epoch, datetime.UTC)
        except (OverflowError, OSError, ValueError):
            raise ConfigError(f"{ENVIRONMENT} is out of range: {epoch}") from None
    if folder is not None:
        committed = last_commit_time(folder)
        if committed is not None:
            return committed
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def last_commit_time(path: Path) -> datetime.datetime | None:
    """Return the committer date of the last commit touching `path` (file or folder), or None outside git."""
    folder, target = (path, ".") if path.is_dir() else (path.parent, path.name)
    out = _git(folder, "log", "-1", "--format=%ct", "--", target)
    if not out or not out.isdigit():
        return None
    return datetime.datetime.fromtimestamp(int(out), datetime.UTC)


def git_head(root: Path) -> str | None:
    """Return the commit checked out at `root`, or None outside git."""
    return _git(root, "rev-parse", "HEAD")


def uncommitted_changes(root: Path) -> list[str]:
    """Return the paths git reports as changed or untracked (not ignored) under `root`; [] outside git."""
    out = _git(root, "status", "--porcelain", "--untracked-files=normal", "--", ".", strip=False)
    return [line[3:] for line in out.splitlines() if line.strip()] if out else []


def _git(cwd: Path, *args: str, strip: bool = True) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() if strip else done.stdout
