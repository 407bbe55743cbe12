"""Plan: which outputs a build makes, from the folders alone (nothing is read but folder listings and
briefing.toml's `languages`). A planned output is a unit, `<kind>:<slug>.<lang>`, the name the
cache records it under."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import Project
from .errors import ConfigError, PublishError
from .load import discover, language_files, load_briefing_config
from .model import OutputFormat


@dataclass(frozen=True, slots=True)
class Options:
    """What a build was asked for, besides which briefings."""

    formats: frozenset[OutputFormat]
    langs: tuple[str, ...]
    pdf_variant: str | None
    force: bool
    jobs: int | None
    shard: tuple[int, int] | None

    def __post_init__(self) -> None:
        if self.shard is None:
            return
        index, count = self.shard
        if not (count >= 1 and 1 <= index <= count):
            raise ConfigError(f"there is no shard {index}/{count}", hint="write --shard I/N with 1 ≤ I ≤ N, e.g. 2/3")
        if count == 1:
            object.__setattr__(self, "shard", None)


@dataclass(frozen=True, slots=True)
class Planned:
    """A language file to build, known from the folders alone (nothing parsed yet)."""

    slug: str
    lang: str
    path: Path
    folder: Path


def plan(project: Project, paths: list[Path] | None, options: Options) -> list[Planned]:
    """List the language files to build, from the folders alone; a shard keeps every n-th."""
    planned = []
    for folder in discover(project, paths):
        try:
            wanted = options.langs or tuple(load_briefing_config(folder, project).get("languages", ()))
        except PublishError:
            wanted = options.langs  # loading the briefing reports the problem
        planned += [Planned(folder.name, f.stem, f, folder) for f in language_files(folder, project, wanted)]
    if options.shard:
        index, count = options.shard
        ordered = sorted(planned, key=lambda p: (p.slug, p.lang, str(p.path)))
        kept = {(p.slug, p.lang, p.path) for n, p in enumerate(ordered) if n % count == index - 1}
        planned = [p for p in planned if (p.slug, p.lang, p.path) in kept]
    return planned


def unit(kind: str, slug: str, lang: str) -> str:
    """The cache's name of one output: `pdf:<slug>.<lang>` or `page:<slug>.<lang>`."""
    return f"{kind}:{slug}.{lang}"
