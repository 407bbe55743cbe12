"""What every benchmark module shares: the project's paths, fresh-process timings, page counts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SEEDS = ("we-exist-2020", "idlib-statement-2020", "syrien-nest-fait-2020")
LONGEST = "we-exist-2020"
"""The longest seed briefing (about 9 pages in each of its three languages)."""


def as_users_run() -> None:
    """Time what a user waits for: with Python's bytecode cache on. Some sandboxes and CI images set
    PYTHONDONTWRITEBYTECODE, which makes every fresh process compile publish and WeasyPrint again."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def timed(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    """Run a command; return its wall time in seconds (it must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def best(repeat: int, run) -> float:
    return min(run() for _ in range(repeat))


def interleaved(repeat: int, runs: dict) -> dict[str, float]:
    """Time each run `repeat` times, taking turns; return the best time of each."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            times[name].append(run())
    return {name: min(values) for name, values in times.items()}


def publish(project: Path, out: Path, *args: str) -> list[str]:
    return [PYTHON, "-m", "publish", "-q", "build", "--out", str(out), *args]


def cold(project: Path, work: Path, *args: str, out: str = "out") -> float:
    """Time a build into an empty output folder (work/`out`), with empty caches (fonts and images made again)."""
    folder = work / out
    shutil.rmtree(folder, ignore_errors=True)
    return timed(publish(project, folder, *args), env={"PUBLISH_CACHE": ""}, cwd=project)


def copy_project(target: Path, briefings: tuple[str, ...] | None = None) -> Path:
    """Copy the seed project (publish.toml, layouts, fonts and the briefings) to `target`."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(ROOT / "layouts", target / "layouts")
    shutil.copytree(ROOT / "fonts", target / "fonts")
    shutil.copy(ROOT / "publish.toml", target / "publish.toml")
    for name in briefings if briefings is not None else SEEDS:
        shutil.copytree(ROOT / "briefings" / name, target / "briefings" / name)
    return target


def pdf_pages(paths) -> int:
    """Count the pages of some PDFs."""
    from pypdf import PdfReader

    return sum(len(PdfReader(path).pages) for path in paths)


def page_count(pdf_dir: Path) -> int:
    return pdf_pages(sorted(pdf_dir.glob("*.pdf")))
