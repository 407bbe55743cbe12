"""Feeds: the catalogue → one Atom feed per language (RFC 4287), `<lang>/feed.xml` beside its list.

One entry per briefing in that language, newest first: its title, summary (else subtitle), the
link to its page, a stable id, and `updated` from the front matter's date, else the briefing's
source date (`sourcedate.py`: SOURCE_DATE_EPOCH or its last commit), never the time of the build,
so two builds of the same commit write the same bytes. With the project's `base_url`, links and
ids are absolute URLs; without it, links are relative to the feed (readers resolve them against
the address they fetched it from) and ids are `urn:uuid:` names derived from the project's title,
the language and the slug, which stay the same wherever the site is put.
"""

from __future__ import annotations

import datetime
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ..model import Source
from ..output import atomic_write_bytes
from ..sourcedate import source_date

FEED = "feed.xml"
_ATOM = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def feed_path(lang: str) -> str:
    """Return the site path of a language's feed."""
    return f"{lang}/{FEED}"


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One briefing in one language, as a feed lists it."""

    slug: str
    title: str
    summary: str | None
    updated: datetime.datetime


def feed_entries(sources: list[Source]) -> list[FeedEntry]:
    """Return the entries of one language's briefings, newest first (then by slug, for a fixed order)."""
    entries = []
    for source in sources:
        meta = source.meta
        if meta.date is not None:
            updated = datetime.datetime.combine(meta.date, datetime.time(), datetime.UTC)
        else:
            updated = source_date(source.path.parent)
        entries.append(FeedEntry(source.slug, meta.title, meta.summary or meta.subtitle, updated))
    return sorted(entries, key=lambda e: (-e.updated.timestamp(), e.slug))


def write_feed(
    lang: str, entries: list[FeedEntry], site_root: Path, *, title: str, author: str, base_url: str | None
) -> Path:
    """Write `<lang>/feed.xml` and return its path."""
    ET.register_namespace("", _ATOM)

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{_ATOM}}}{tag}", attrs)
        element.text = text
        return element

    def address(path: str) -> str:
        """A site path as the feed writes it: absolute with a base URL, else relative to the feed."""
        return f"{base_url}{lang}/{path}" if base_url else path

    feed = ET.Element(f"{{{_ATOM}}}feed", {_XML_LANG: lang})
    add(feed, "id", address(FEED) if base_url else _urn(author, lang))
    add(feed, "title", title)
    add(feed, "updated", _stamp(max((e.updated for e in entries), default=_epoch())))
    add(add(feed, "author"), "name", author)
    add(feed, "link", rel="self", type="application/atom+xml", href=address(FEED))
    add(feed, "link", rel="alternate", type="text/html", hreflang=lang, href=address("index.html"))
    for item in entries:
        entry = add(feed, "entry")
        page = f"{item.slug}/index.html"
        add(entry, "id", address(page) if base_url else _urn(author, lang, item.slug))
        add(entry, "title", item.title)
        add(entry, "updated", _stamp(item.updated))
        add(entry, "link", rel="alternate", type="text/html", hreflang=lang, href=address(page))
        if item.summary:
            add(entry, "summary", item.summary)
    ET.indent(feed)
    data = ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
    path = site_root / feed_path(lang)
    atomic_write_bytes(path, data)
    return path


def _urn(*parts: str) -> str:
    """A stable id without an address: a name-based UUID of the project's title, language and slug."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "publish:" + "\0".join(parts)).urn


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch() -> datetime.datetime:
    return datetime.datetime.fromtimestamp(0, datetime.UTC)
