"""Markdown → HTML fragments, from fixture files in markdown-it's dot-separated format.

Each case in tests/fixtures/parse/<feature>-<lang>.md is a title line, then `.`, the Markdown,
`.`, the expected HTML, `.`; the language after the last hyphen is the document's language.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.model import Meta, Source
from publish.parse import make_parser, parse

FIXTURES = Path(__file__).parent / "fixtures" / "parse"


def read_cases(path: Path) -> list[tuple[str, int, str, str]]:
    """Return (title, line, markdown, html) for each case of a fixture file."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cases = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and lines[i].strip() and lines[i + 1] == ".":
            title, start = lines[i], i + 1
            parts, chunk, j = [], [], i + 2
            while len(parts) < 2 and j < len(lines):
                if lines[j] == ".":
                    parts.append("\n".join(chunk))
                    chunk = []
                else:
                    chunk.append(lines[j])
                j += 1
            cases.append((title, start, parts[0], parts[1]))
            i = j
        else:
            i += 1
    return cases


CASES = [
    pytest.param(path.stem.rsplit("-", 1)[1], md, html, id=f"{path.name}:{line} {title}")
    for path in sorted(FIXTURES.glob("*.md"))
    for title, line, md, html in read_cases(path)
]


@pytest.mark.parametrize(("lang", "markdown", "expected"), CASES)
def test_fixture(lang: str, markdown: str, expected: str) -> None:
    source = Source("fixture", lang, Path("fixture.md"), Meta(title="t"), markdown + "\n", 1)
    assert parse(source, make_parser()).html.strip() == expected.strip()


def test_headings_know_their_file_line() -> None:
    source = Source("s", "en", Path("s.md"), Meta(title="t"), "Intro\n\n## First\n\ntext\n\n### Second\n", 5)
    doc = parse(source, make_parser())
    assert [(h.level, h.text, h.line) for h in doc.headings] == [(2, "First", 7), (3, "Second", 11)]
    assert doc.headings[0].id == "first"


def test_languages_used_inside_a_document() -> None:
    source = Source("s", "en", Path("s.md"), Meta(title="t"), "Slogan أرضنا.\n\n{lang=fr}\n> Bonjour\n", 1)
    assert parse(source, make_parser()).languages == {"ar", "fr"}


def test_front_matter_text_is_escaped_and_isolated() -> None:
    from publish.direction import isolate_text
    from publish.model import Direction

    assert isolate_text("تحالف We Exist! للمناصرة <b>", Direction.RTL) == (
        'تحالف <bdi dir="ltr">We Exist!</bdi> للمناصرة &lt;<bdi dir="ltr">b</bdi>&gt;'
    )
    assert isolate_text("Plain & simple", Direction.LTR) == "Plain &amp; simple"
