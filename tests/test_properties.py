"""Property-based tests: random Markdown, front matter and Unicode through load → parse → render.

Whatever a writer (or a stranger's pull request) types, publish must not crash, must produce
well-formed HTML, and must never let text become markup.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publish.errors import SourceError
from publish.load import parse_meta, split_front_matter
from publish.model import Meta, Source
from publish.parse import make_parser, parse

MD = make_parser()

# Pieces that exercise the interesting paths: both directions, bidi controls, combining marks
# (harakat), brackets, Markdown syntax, HTML-looking text, URLs, French punctuation.
PIECES = st.sampled_from(
    [
        "مزايا",
        "النسائية",
        "بَرْنامَج",
        "Mazaya",
        "We Exist!",
        "COVID-19",
        "(",
        ")",
        "[",
        "]",
        "{lang=fr}",
        "« ",
        " »",
        "!",
        "?",
        ";",
        ":",
        "10:55",
        "**",
        "*",
        "_",
        "`",
        "~",
        "^e^",
        "[^1]",
        "\n\n[^1]: note\n",
        "<script>alert(1)</script>",
        "<b onclick=x>",
        "&amp;",
        "&",
        "<",
        ">",
        '"',
        "'",
        "https://x.org/a?b=1",
        "<https://x.org>",
        "[l](javascript:alert(1))",
        "![i](data:image/png;base64,AA)",
        "\u200f",
        "\u200e",
        "\u202b",
        "\u202c",
        "\u2066",
        "\u2069",
        "\u0651",
        "\u064b",
        "\n",
        "\n- ",
        "\n1. ",
        "\n> ",
        "\n## ",
        "\n\n",
        " ",
        "\t",
        "|a|b|\n|-|-|\n|c|d|",
        "5e",
        "1er",
    ]
)
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=40).map("".join)


class _WellFormed(HTMLParser):
    VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def check_html(html: str) -> _WellFormed:
    checker = _WellFormed()
    checker.feed(html)
    checker.close()
    assert not checker.stack, f"unclosed {checker.stack}"
    assert "script" not in checker.tags and "style" not in checker.tags
    assert not any(a.startswith("on") or a == "style" for a in checker.attributes)
    assert "javascript:" not in html.lower().replace("javascript:alert(1))", "")  # only as escaped text
    return checker


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=TEXT, lang=st.sampled_from(["en", "ar", "fr"]))
def test_any_markdown_parses_to_well_formed_safe_html(body: str, lang: str) -> None:
    doc = parse(Source("s", lang, Path("s.md"), Meta(title="t"), body, 1), MD)
    check_html(doc.html)
    check_html(doc.print_html)
    for heading in doc.headings:
        check_html(heading.html)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_any_front_matter_is_data_or_a_located_error(text: str) -> None:
    try:
        yaml_text, _, body_line = split_front_matter(f"---\n{text}\n---\nbody", Path("x.md"))
        meta = parse_meta(yaml_text, Path("x.md"))
    except SourceError as exc:
        assert exc.location is None or exc.location.line is None or exc.location.line >= 1
        return
    assert isinstance(meta.title, str)
    assert body_line >= 3


@pytest.mark.slow  # a hundred pages rendered
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT.filter(lambda t: t.strip()), body=TEXT, lang=st.sampled_from(["en", "ar", "fr"]))
def test_templates_escape_every_front_matter_value(title: str, body: str, lang: str) -> None:
    from publish.config import load_project
    from publish.render import load_layouts, render_print_page

    root = Path(__file__).resolve().parents[1]
    layouts = load_layouts(load_project(root), "base")
    meta = Meta(title=title, subtitle=title, summary=title, authors=(title,), keywords=(title,))
    doc = parse(Source("s", lang, root / "briefings" / "s" / f"{lang}.md", meta, body, 1), MD)
    page = render_print_page(doc, layouts, Path("/tmp/x.pdf"))
    # The template's own style blocks (generated counters, the brand's settings) are the only style
    # allowed: as many as a document whose front matter is plain words gets, all in the head.
    head, body = page.html.split("</head>", 1)
    plain = render_print_page(
        parse(Source("s", lang, doc.source.path, Meta(title="x"), "", 1), MD), layouts, Path("/tmp/x.pdf")
    )
    assert head.count("<style>") == plain.html.split("</head>", 1)[0].count("<style>")
    html = re.sub(r"<style>.*?</style>", "", head, flags=re.S) + "</head>" + body
    checker = check_html(html.replace("<!DOCTYPE html>", ""))
    assert checker.tags <= {
        "html",
        "head",
        "meta",
        "title",
        "link",
        "style",
        "body",
        "header",
        "h1",
        "p",
        "nav",
        "h2",
        "ul",
        "li",
        "a",
        "main",
        "bdi",
        "strong",
        "em",
        "code",
        "sup",
        "span",
        "ol",
        "blockquote",
        "h3",
        "h4",
        "h5",
        "h6",
        "br",
        "hr",
        "img",
        "figure",
        "figcaption",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "time",
        "section",
        "pre",
        "aside",
    }, checker.tags


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
