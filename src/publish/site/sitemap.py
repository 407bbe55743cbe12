"""Sitemap: the catalogue → `sitemap.xml`, every page with its other-language versions (hreflang).

Input: `SitemapEntry` values (a page's site path and its alternates by language). Output: a
sitemaps.org file at the site root, each `<url>` listing `<xhtml:link rel="alternate">` for every
language version, itself included, as search engines ask. Addresses are absolute when the
project sets `base_url`; without it they are relative to the sitemap, which is where it sits.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ..output import atomic_write_bytes

SITEMAP = "sitemap.xml"
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_XHTML = "http://www.w3.org/1999/xhtml"


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One page of the sitemap."""

    path: str
    """Site path of the page (en/slug/index.html)."""
    alternates: dict[str, str] = field(default_factory=dict)
    """Site paths of its versions by hreflang (including its own, and x-default where there is one)."""


def write_sitemap(entries: list[SitemapEntry], site_root: Path, base_url: str | None) -> Path:
    """Write sitemap.xml and return its path."""
    ET.register_namespace("", _NS)
    ET.register_namespace("xhtml", _XHTML)
    urlset = ET.Element(f"{{{_NS}}}urlset")
    for entry in entries:
        url = ET.SubElement(urlset, f"{{{_NS}}}url")
        ET.SubElement(url, f"{{{_NS}}}loc").text = _address(entry.path, base_url)
        for lang, path in entry.alternates.items():
            ET.SubElement(
                url, f"{{{_XHTML}}}link", {"rel": "alternate", "hreflang": lang, "href": _address(path, base_url)}
            )
    ET.indent(urlset)
    data = ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"
    path = site_root / SITEMAP
    atomic_write_bytes(path, data)
    return path


def _address(path: str, base_url: str | None) -> str:
    return f"{base_url}{path}" if base_url else path
