"""Programmes: days and times per locale, events kept whole on a page, in three languages."""

from __future__ import annotations

import datetime
import html as html_module
import re
from pathlib import Path

import pypdf
import pytest

from publish.config import load_project
from publish.i18n import Digits
from publish.load import load_briefing
from publish.model import Meta, Source
from publish.parse import make_parser, parse
from publish.schedule import format_clock, format_day

from .conftest import LANGS, ROOT, squash

DAY = datetime.date(2020, 12, 9)


def test_days_and_times_as_each_language_writes_them() -> None:
    assert format_day(DAY, "fr", Digits.LATIN) == "Mercredi 9 décembre"
    assert format_day(DAY, "en", Digits.LATIN) == "Wednesday 9 December"
    assert format_day(DAY, "ar", Digits.LATIN) == "الأربعاء 9 ديسمبر"
    assert format_day(DAY, "ar", Digits.ARABIC_INDIC) == "الأربعاء ٩ ديسمبر"
    assert [format_clock(18, m, "fr", Digits.LATIN) for m in (0, 30)] == ["18\u202fh", "18\u202fh\u202f30"]
    assert format_clock(18, 30, "en", Digits.LATIN) == "6:30\u202fPM"
    assert format_clock(18, 30, "ar", Digits.LATIN) == "6:30 م"


def test_programme_block_shape() -> None:
    body = (
        "::: programme\n## 2020-12-09\n\n### 18:30–19:00 · Danse « In Motion »\n\n"
        "*Studio Bassel Shehadeh*\n\nTexte.\n:::\n"
    )
    html = parse(Source("s", "fr", Path("s.md"), Meta(title="t"), body, 1), make_parser()).html
    assert '<h2 id="2020-12-09" class="programme-day">Mercredi 9 décembre</h2>' in html
    assert (
        '<div class="event">\n<p class="event-time"><time datetime="18:30">18\u202fh\u202f30</time> – '
        '<time datetime="19:00">19\u202fh</time></p>\n<h3 id="18301900--danse--in-motion-" class="event-title">'
        "Danse «\u202fIn Motion\u202f»</h3>\n"
        '<p class="event-venue"><em>Studio Bassel Shehadeh</em></p>\n<p>Texte.</p>\n</div>'
    ) in html


def test_a_day_that_is_not_a_date_names_its_line() -> None:
    from publish.errors import SourceError

    body = "Intro.\n\n::: programme\n## 2020-13-45\n:::\n"
    with pytest.raises(SourceError, match=r"s\.md:7: 2020-13-45 is not a date"):
        parse(Source("s", "fr", Path("s.md"), Meta(title="t"), body, 4), make_parser())


def _events(lang: str) -> list[tuple[str, str]]:
    """(title, last words of the event) for every event of the festival programme."""
    project = load_project(ROOT)
    source = load_briefing(ROOT / "briefings" / "syrien-nest-fait-2020", project, (lang,)).sources[0]
    html = parse(source, make_parser()).html
    events = []
    for block in re.findall(r'<div class="event">(.*?)</div>', html, re.S):
        title = re.sub(r"<[^>]+>", "", re.search(r"<h3[^>]*>(.*?)</h3>", block).group(1))
        last = re.sub(r"<[^>]+>", "", re.findall(r"<p[^>]*>(.*?)</p>", block)[-1])
        events.append((title, last))
    return events


@pytest.mark.parametrize("lang", LANGS)
def test_every_event_is_printed_whole_on_one_page(built: Path, lang: str) -> None:
    events = _events(lang)
    assert len(events) == 13
    reader = pypdf.PdfReader(built / "pdf" / f"syrien-nest-fait-2020.{lang}.pdf")
    pages = [squash(page.extract_text()) for page in reader.pages]
    checked = 0
    for title, last in events:
        # Latin words only: Arabic extraction fidelity is its own issue.
        title_words = sorted(re.findall(r"[A-Za-zÀ-ÿ]{4,}", html_module.unescape(title)), key=len)
        last_words = re.findall(r"[A-Za-zÀ-ÿ0-9]{3,}", html_module.unescape(last))
        if not title_words or not last_words:
            continue
        holding = [i for i, text in enumerate(pages) if title_words[-1] in text and last_words[-1] in text]
        assert holding, f"{title!r} and its end {last_words[-1]!r} are not on one page"
        checked += 1
    assert checked >= 8


def test_french_programme_has_french_days_and_times(built: Path) -> None:
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(built / "pdf" / "syrien-nest-fait-2020.fr.pdf").pages)
    text = re.sub(r"[ \n]+", " ", text)  # not \s: it would turn the narrow no-break spaces into spaces
    for day in ("Mercredi 9 décembre", "Jeudi 10 décembre", "Vendredi 11 décembre"):
        assert day in text
    assert "18\u202fh\u202f30 – 19\u202fh" in text and "21\u202fh – 23\u202fh\u202f30" in text
