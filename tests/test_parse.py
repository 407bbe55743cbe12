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


TYPOGRAPHY = Path(__file__).parent / "fixtures" / "typography"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(md, html, id=f"{path.name}:{line} {title}")
        for path in sorted(TYPOGRAPHY.glob("*.md"))
        for title, line, md, html in read_cases(path)
    ],
)
def test_french_spacing(text: str, expected: str) -> None:
    from publish.typography import space_french

    assert space_french(text) == expected


def _html(lang: str, markdown: str) -> str:
    return parse(Source("s", lang, Path("s.md"), Meta(title="t"), markdown, 1), make_parser()).html


def test_french_rules_follow_the_language_of_the_text() -> None:
    assert _html("fr", "Oui ! Le 5e jour, le 1er mai.") == (
        "<p>Oui\u202f! Le 5<sup>e</sup> jour, le 1<sup>er</sup> mai.</p>\n"
    )
    # English keeps its own rules; a French quote inside it gets the French ones.
    assert _html("en", "Yes! The 5e line.\n\n{lang=fr}\n> Oui !\n") == (
        '<p>Yes! The 5e line.</p>\n<blockquote lang="fr">\n<p>Oui\u202f!</p>\n</blockquote>\n'
    )
    assert _html("en", "He said [« oui »]{lang=fr}!") == '<p>He said <span lang="fr">«\u202foui\u202f»</span>!</p>\n'


def test_french_rules_skip_code_and_url_links() -> None:
    assert _html("fr", "Voir `a ; b` et <https://x.org/?q=1>.") == (
        '<p>Voir <code>a ; b</code> et <a href="https://x.org/?q=1">https://x.org/?q=1</a>.</p>\n'
    )


def test_footnotes_for_web_and_print() -> None:
    source = Source(
        "s", "ar", Path("s.md"), Meta(title="t"), "نص[^1] وآخر[^2].\n\n[^1]: حاشية.\n[^2]: An English note.\n", 1
    )
    from publish.i18n import Digits

    doc = parse(source, make_parser(), Digits.ARABIC_INDIC)
    assert doc.footnotes == 2
    assert '<sup class="footnote-ref"><a href="#fn2" id="fnref2">٢</a></sup>' in doc.html
    assert 'class="footnotes"' in doc.html
    assert '<span class="footnote" id="fn1">حاشية.</span>' in doc.print_html
    assert '<span class="footnote" id="fn2" dir="ltr">An English note.</span>' in doc.print_html
    assert "footnotes" not in doc.print_html.replace('class="footnote"', "")


def test_unknown_block_kind_names_its_line() -> None:
    from publish.errors import SourceError

    source = Source("s", "en", Path("briefings/s/en.md"), Meta(title="t"), "Text.\n\n::: qoute\nx\n:::\n", 4)
    with pytest.raises(SourceError) as caught:
        parse(source, make_parser())
    assert str(caught.value) == 'briefings/s/en.md:6: unknown block "::: qoute"\n  hint: did you mean "quote"?'
