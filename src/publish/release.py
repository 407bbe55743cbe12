"""Release: every briefing built into one folder of files to publish, byte for byte the same on every run.

    build (PDFs and web pages, in a temporary folder) ─► dist/<slug>.<lang>.pdf
                                                      ─► dist/site.tar.gz   the web site, one archive
                                                      ─► dist/SHA256SUMS    `sha256sum -c SHA256SUMS`

Reproducible: every date a build writes (the PDFs' creation dates, the archive's entry times) comes
from `source_date()`: SOURCE_DATE_EPOCH when it is set, else git. Two releases of the same commit
give identical files and so identical checksums, wherever and whenever they are made. A briefing
that fails is recorded and the others are still released; the caller decides the exit status.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .build import build
from .config import load_project, output_folder
from .errors import PublishError
from .output import atomic_write_bytes, atomic_write_text, copy_file
from .sourcedate import source_date, uncommitted_changes

logger = logging.getLogger(__name__)

SITE_ARCHIVE = "site.tar.gz"
"""The web site, as one archive whose single top-level folder is `site/`."""
CHECKSUMS = "SHA256SUMS"
"""One `<sha256>  <file name>` line per released file, in the format `sha256sum -c` reads."""


@dataclass
class ReleaseResult:
    """What a release wrote and what failed."""

    files: list[Path] = field(default_factory=list)
    """Files written to the release folder, sorted by name, SHA256SUMS excluded."""
    errors: list[PublishError] = field(default_factory=list)
    """Problems that kept a PDF or page out of the release, each with its location."""
    folder: Path | None = None
    """The release folder, as messages name it (relative to the project when inside it)."""

    @property
    def ok(self) -> bool:
        """True when every briefing and language was released."""
        return not self.errors

    def written(self) -> str:
        """Return what the release wrote and where: a count line, then each file (SHA256SUMS last)."""
        pdfs = sum(path.suffix == ".pdf" for path in self.files)
        parts = [f"{pdfs} PDF(s)"] + [path.name for path in self.files if path.suffix != ".pdf"] + [CHECKSUMS]
        folder = self.folder or Path()
        lines = [f"publish: released {', '.join(parts[:-1])} and {parts[-1]} in {folder.as_posix()}/"]
        lines += [f"  {(folder / path.name).as_posix()}" for path in [*self.files, Path(CHECKSUMS)]]
        return "\n".join(lines)

    def summary(self) -> str:
        """Return a few lines naming every failure, for the end of a CI log."""
        lines = [f"release incomplete: {len(self.errors)} error(s); the other outputs were released"]
        lines += [f"  {str(exc).splitlines()[0]}" for exc in self.errors]
        return "\n".join(lines)


def release(out: Path | str | None = None, *, project_root: Path | str | None = None) -> ReleaseResult:
    """Build every briefing (PDFs and site) and write the release folder (default: dist/)."""
    project = load_project(Path(project_root) if project_root else None)
    dist = output_folder(project, out, "dist")
    stamp = source_date(project.root)
    changed = uncommitted_changes(project.root)
    if changed:
        logger.warning(
            "the working tree has uncommitted changes (%s%s): this release cannot be reproduced from its commit;"
            " commit them, or release from a clean clone",
            ", ".join(changed[:3]),
            f" and {len(changed) - 3} more" if len(changed) > 3 else "",
        )
    with tempfile.TemporaryDirectory(prefix="publish-release-") as tmp:
        built = build(project_root=project.root, out=tmp)
        result = ReleaseResult(errors=list(built.errors), folder=project.relative(dist))
        _remove_previous_release(dist)
        for pdf in sorted((Path(tmp) / "pdf").glob("*.pdf")):
            copy_file(pdf, dist / pdf.name)
            result.files.append(dist / pdf.name)
        site = Path(tmp) / "site"
        if site.is_dir():
            atomic_write_bytes(dist / SITE_ARCHIVE, archive(site, "site", int(stamp.timestamp())))
            result.files.append(dist / SITE_ARCHIVE)
    result.files.sort(key=lambda path: path.name)
    atomic_write_text(dist / CHECKSUMS, checksums(result.files))
    logger.info("released %d file(s) and %s in %s", len(result.files), CHECKSUMS, project.relative(dist))
    return result


def archive(folder: Path, root: str, mtime: int) -> bytes:
    """Return a .tar.gz of `folder` under `root/`: entries sorted, one time, no owners, fixed modes."""
    buffer = io.BytesIO()
    # filename="" keeps the temporary file's name out of the gzip header; mtime fixes its date.
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=mtime, compresslevel=9) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        paths = sorted(folder.rglob("*"), key=lambda path: path.relative_to(folder).parts)
        for path in [folder, *paths]:
            relative = path.relative_to(folder).as_posix()
            info = tarfile.TarInfo(root if relative == "." else f"{root}/{relative}")
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if path.is_dir():
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                data = path.read_bytes()
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def checksums(files: list[Path]) -> str:
    """Return SHA256SUMS text for `files`: one `<hex>  <name>` line each, sorted by name."""
    lines = [f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n" for path in files]
    return "".join(sorted(lines, key=lambda line: line.split("  ", 1)[1]))


def _remove_previous_release(dist: Path) -> None:
    """Delete the files an earlier release listed in dist/SHA256SUMS, so none outlives its briefing."""
    listed = dist / CHECKSUMS
    if not listed.is_file():
        return
    for line in listed.read_text(encoding="utf-8").splitlines():
        name = line.partition("  ")[2]
        # Only plain names: a hand-edited SHA256SUMS must not delete anything outside dist/.
        if name and "/" not in name and "\\" not in name and not name.startswith("."):
            (dist / name).unlink(missing_ok=True)
    listed.unlink()
