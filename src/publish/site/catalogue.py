"""Catalogue: every briefing of the project in every language, whatever this build was asked for.

Input: the project's briefing folders (`load.discover`, `load.load_briefing`). Output: a
`Catalogue` of their language files. List pages, language switchers, font subsets and the
sitemap are made from it, so building one briefing or one language never drops the others from
the site's navigation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..config import Project
from ..errors import PublishError
from ..load import discover, load_briefing
from ..model import Source

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The language files of every briefing, and the languages the site offers."""

    languages: tuple[str, ...]
    """Languages with at least one briefing: the project's order first, then the others sorted."""
    sources: tuple[Source, ...]
    """Every language file that loads, briefing by briefing in folder order."""

    def in_language(self, lang: str) -> list[Source]:
        """Return the briefings available in a language, in folder order."""
        return [s for s in self.sources if s.lang == lang]

    def languages_of(self, slug: str) -> list[str]:
        """Return the languages a briefing exists in, in the site's order."""
        present = {s.lang for s in self.sources if s.slug == slug}
        return [lang for lang in self.languages if lang in present]


def load_catalogue(project: Project) -> Catalogue:
    """Read every briefing folder of the project; a folder that does not load is left out."""
    sources: list[Source] = []
    for folder in discover(project, None):
        try:
            sources.extend(load_briefing(folder, project).sources)
        except PublishError as exc:
            # The build reports this briefing's errors when it builds it; the site goes on without it.
            logger.debug("catalogue skips %s: %s", folder.name, exc)
    return Catalogue(tuple(project.in_language_order(s.lang for s in sources)), tuple(sources))
