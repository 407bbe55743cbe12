"""Font files' character maps, read with fontTools once per process for each version of a file.

A build reads the same bundled fonts in several places (which characters the fonts cover, which
faces are Arabic, which subsets the site needs), and `publish serve` builds again at every save:
each map is kept by the file's path and looked up again only when its size, time or inode change.
"""

from __future__ import annotations

from pathlib import Path

from .cache import MISSING, stat_digest

_MAPS: dict[Path, tuple[str, frozenset[int]]] = {}


def codepoints(path: Path) -> frozenset[int]:
    """Return the code points a font file maps to glyphs (its best cmap); fontTools' errors pass through."""
    from fontTools.ttLib import TTFont

    stamp = stat_digest(path)
    known = _MAPS.get(path)
    if known is None or known[0] != stamp or stamp == MISSING:
        with TTFont(path, lazy=True) as font:
            known = _MAPS[path] = (stamp, frozenset(font.getBestCmap() or {}))
    return known[1]
