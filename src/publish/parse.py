"""Parse: a `Source` → a `Document` (body HTML for web and print, headings, footnotes, direction).

markdown-it-py in CommonMark mode with tables, block and span attributes, superscripts,
footnotes and heading anchors. Raw HTML in the Markdown is not rendered: it is shown as text.
Core rules added here, in order: containers (`containers`: `::: key`, `::: quote`,
`::: signatories` blocks), figures (`figures.make_figures`: a lone image with caption and
credit), direction analysis (`direction.mark_directions`), then French typography
(`typography.french_typography`), which needs the `lang` attributes known.

Footnotes come out twice: as linked endnotes for the web, and inline at their call for print,
where the layout floats them to the page bottom (`float: footnote`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from babel import UnknownLocaleError
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.superscript import superscript_plugin

from .config import LANGUAGE, canonical_language
from .containers import containers_plugin
from .direction import has_arabic, language_direction, mark_directions
from .errors import SourceError
from .figures import make_figures, render_image
from .i18n import Digits, locale_of, localize_digits
from .model import Document, Heading, ImageRef, Source, SourceLocation, shown
from .typography import french_typography

if TYPE_CHECKING:
    from .images import ImageInfo

MAX_BRACKETS = 10_000
"""The most `[` one file's text (paragraphs, headings, table cells; not code) may hold.

Each `[` may open a link, an image, a footnote or a span, and markdown-it and its plugins scan
for the label's end from every one: about 50 µs each, so the 2 MB a file may hold, all
brackets, would take minutes to parse. A briefing has tens; the limit keeps the worst to a
second or two and says why.
"""

# Attributes writers may set with {…}: enough to mark language, direction, anchors and styles
# from the layout's stylesheet; never event handlers or inline styles.
ALLOWED_ATTRIBUTES = ("id", "class", "lang", "dir")


def make_parser(allow_html: tuple[str, ...] = (), allow_hosts: tuple[str, ...] = ()) -> MarkdownIt:
    """Return the Markdown parser every language file goes through.

    Raw HTML is shown as text unless the project allows some tags; then it is parsed and the
    rendered fragment cleaned by nh3 down to the tags publish writes plus the allowed ones.
    """
    md = (
        MarkdownIt("commonmark", {"html": bool(allow_html), "typographer": False})
        .enable("table")
        .use(attrs_block_plugin, allowed=ALLOWED_ATTRIBUTES)
        .use(attrs_plugin, spans=True, allowed=ALLOWED_ATTRIBUTES)
        .use(superscript_plugin)
        .use(footnote_plugin)
        .use(anchors_plugin, min_level=2, max_level=4)
        .use(containers_plugin)
    )
    md.core.ruler.before("inline", "bracket_limit", _limit_brackets)
    md.core.ruler.push("figures", make_figures)
    md.core.ruler.push("direction", mark_directions)
    md.core.ruler.push("french", french_typography)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("image", render_image)
    md.options["allow_html"] = tuple(allow_html)
    md.options["allow_hosts"] = tuple(h.lower() for h in allow_hosts)
    return md


# Everything publish's own Markdown rendering writes, and the attributes it gives them.
OWN_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "code",
    "em",
    "strong",
    "a",
    "img",
    "br",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "span",
    "bdi",
    "figure",
    "figcaption",
    "section",
    "picture",
    "source",
}
OWN_ATTRIBUTES = {
    "*": {"id", "class", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "srcset", "sizes", "width", "height", "loading", "decoding"},
    "source": {"type", "srcset", "sizes"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}


# What the permitted raw tags (config.PERMITTED_HTML) may carry besides the global attributes and title.
RAW_ATTRIBUTES = {
    "img": {"src", "alt", "width", "height"},
    "time": {"datetime"},
    "data": {"value"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start", "reversed"},
    "details": {"open"},
}


def sanitize(html: str, allowed: tuple[str, ...], hosts: tuple[str, ...] = (), refused: list[str] | None = None) -> str:
    """Clean a fragment that may hold writers' raw HTML, with nh3 (never regular expressions).

    An image from the network is kept only from a host listed in [network] allow, as in the PDF;
    the others are left out and listed in `refused`.
    """
    import nh3

    def network_rule(tag: str, attribute: str, value: str) -> str | None:
        if tag in ("img", "source") and attribute in ("src", "srcset"):
            urls = [c.split()[0] for c in value.split(",") if c.strip()] if attribute == "srcset" else [value]
            for url in urls:
                parts = urlsplit(url)
                if (parts.scheme or parts.netloc) and (parts.hostname or "").lower() not in hosts:
                    if refused is not None:
                        refused.append(url)
                    return None
        return value

    tags = OWN_TAGS | set(allowed)
    own = {tag: attrs for tag, attrs in OWN_ATTRIBUTES.items() if tag not in allowed}
    raw = {tag: OWN_ATTRIBUTES.get(tag, set()) | RAW_ATTRIBUTES.get(tag, set()) | {"title"} for tag in allowed}
    return nh3.clean(
        html,
        tags=tags,
        attributes=own | raw,
        attribute_filter=network_rule,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        filter_style_properties={"text-align"},
    )


def parse(
    source: Source,
    md: MarkdownIt,
    digits: Digits = Digits.LATIN,
    strings: dict[str, Any] | None = None,
    probe: Callable[[str, int], ImageInfo] | None = None,
) -> Document:
    """Parse one language file's body into a Document.

    `digits` and `strings` come from the brand: generated text (footnote markers, the
    signatories' count line) is written in the document's language and digits. `probe` reads
    each image the body shows (an error at its line if it can't be used); the web HTML then
    names its renditions.
    """
    direction = language_direction(source.lang)
    env: dict[str, Any] = {
        "direction": direction,
        "lang": source.lang,
        "locale": source.locale,
        "digits": digits,
        "line_offset": source.body_line,
        "path": source.path,
        "strings": strings or {},
    }
    tokens = md.parse(source.body, env)
    if probe is not None:
        env["image_info"] = {src: probe(src, line) for src, line, _ in env.get("images", ())}
    headings = []
    languages = set()
    for index, token in enumerate(tokens):
        for node in (token, *(token.children or ())):
            if node.attrGet("lang"):
                line = source.body_line + (token.map[0] if token.map else 0)
                languages.add(_language_attribute(str(node.attrGet("lang")), source, line))
        if token.type == "heading_open":
            inline = tokens[index + 1]
            headings.append(
                Heading(
                    level=int(token.tag[1]),
                    text=inline.content,
                    id=str(token.attrGet("id") or ""),
                    line=source.body_line + (token.map[0] if token.map else 0),
                    html=md.renderer.renderInline(inline.children or [], md.options, env),
                )
            )
    marks = tuple(_marks(tokens, source.body_line))
    if source.lang != "ar" and has_arabic(source.body):
        languages.add("ar")
    languages.discard(source.lang)

    allowed = md.options.get("allow_html", ())
    html = md.renderer.render(tokens, md.options, env)
    env["footnotes"] = _footnote_bodies(tokens, md, env)
    # The footnote plugin puts the endnotes last: print stops before them.
    end = next((i for i, t in enumerate(tokens) if t.type == "footnote_block_open"), len(tokens))
    print_env = {**env, "medium": "print"}
    print_html = md.renderer.render(tokens[:end], md.options, print_env)
    blocks = [md.renderer.render(part, md.options, print_env) for part in _top_level_blocks(tokens[:end])]
    if allowed:
        hosts, refused = md.options.get("allow_hosts", ()), []
        html = sanitize(html, allowed, hosts, refused)
        if refused:
            line = next((n for n, text in enumerate(source.body.split("\n")) if refused[0] in text), 0)
            raise SourceError(
                f"image {refused[0]} is on a host publish may not load from",
                SourceLocation(source.path, source.body_line + line),
                hint="list its host under [network] allow in publish.toml, or put the image in the briefing folder",
            )
        print_html = sanitize(print_html, allowed, hosts)
        blocks = [sanitize(block, allowed, hosts) for block in blocks]
    return Document(
        source=source,
        direction=direction,
        html=html,
        print_html=print_html,
        headings=tuple(headings),
        languages=frozenset(languages),
        footnotes=len(env["footnotes"]),
        images=tuple(ImageRef(src, line, alt) for src, line, alt in env.get("images", ())),
        marks=marks,
        blocks=tuple(blocks),
    )


def _language_attribute(value: str, source: Source, line: int) -> str:
    """Return a `{lang=…}` value when it is a language code Babel knows; else a SourceError at its line."""
    problem = None if LANGUAGE.match(value) else "is not a BCP-47 language code"
    if problem is None:
        try:
            locale_of(value)
        except (ValueError, LookupError, UnknownLocaleError):
            problem = "is not a language Babel knows"
    if problem:
        canonical = canonical_language(value)
        hint = (
            f"write {canonical}"
            if LANGUAGE.match(canonical) and canonical != value
            else "write a code such as en, ar, fr"
        )
        raise SourceError(f"{{lang={shown(value)}}} {problem}", SourceLocation(source.path, line), hint=hint)
    return value


def _limit_brackets(state: StateCore) -> None:
    """markdown-it core rule, before inline parsing: refuse a file with more than MAX_BRACKETS `[`."""
    count = 0
    line = 0
    for token in state.tokens:
        if token.map:
            line = token.map[0]
        if token.type == "inline":
            count += token.content.count("[")
            if count > MAX_BRACKETS:
                raise SourceError(
                    f"too many [ brackets: more than {MAX_BRACKETS:,} in this file's text "
                    "(each is read as a possible link)",
                    SourceLocation(state.env.get("path", "?"), state.env.get("line_offset", 1) + line),
                    hint="a briefing has tens; put bracketed data in a code block (```), where [ is plain text",
                )


def _top_level_blocks(tokens: Sequence[Token]) -> list[list[Token]]:
    """Split a token stream into its top-level blocks (a paragraph, a list, a heading, a quote…)."""
    parts: list[list[Token]] = []
    depth = 0
    for token in tokens:
        if depth == 0:
            parts.append([])
        parts[-1].append(token)
        depth += token.nesting if token.block else 0
    return parts


def _marks(tokens: Sequence[Token], first_line: int) -> list[tuple[str, int]]:
    """List the countable elements of a body with their lines, for comparing translations."""
    marks: list[tuple[str, int]] = []
    line = first_line
    for token in tokens:
        if token.map:
            line = first_line + token.map[0]
        kind = {
            "heading_open": f"heading{token.tag[1:]}",
            "list_item_open": "list item",
            "figure_open": "figure",
            "section_open": "signatories" if token.attrGet("class") == "signatories" else "",
        }.get(token.type, "")
        if kind:
            marks.append((kind, line))
        for child in token.children or ():
            if child.type == "link_open":
                marks.append(("link", line))
            elif child.type == "footnote_ref" and not child.meta.get("subId"):
                marks.append(("footnote", line))  # where it is called: the line a translator reads
    return marks


def _footnote_bodies(tokens: Sequence[Token], md: MarkdownIt, env: dict[str, Any]) -> dict[int, str]:
    """Render each footnote as an inline `<span class="footnote">`, for print.

    The note keeps the direction analysis gave its first paragraph (a note written in English
    inside an Arabic document is left to right).
    """
    bodies: dict[int, list[str]] = {}
    directions: dict[int, str] = {}
    current: int | None = None
    for token in tokens:
        if token.type == "footnote_open":
            current = token.meta["id"]
            bodies[current] = []
        elif token.type == "footnote_close":
            current = None
        elif current is not None and token.type == "paragraph_open" and token.attrGet("dir"):
            directions.setdefault(current, str(token.attrGet("dir")))
        elif current is not None and token.type == "inline":
            bodies[current].append(md.renderer.renderInline(token.children or [], md.options, env))
    spans = {}
    for key, parts in bodies.items():
        direction = f' dir="{directions[key]}"' if key in directions else ""
        spans[key] = f'<span class="footnote" id="fn{key + 1}"{direction}>{" ".join(parts)}</span>'
    return spans


def _render_footnote_ref(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    """Render a footnote call: the note itself in print, a link to the endnote on the web."""
    meta = tokens[idx].meta
    number = meta["id"] + 1
    if env.get("medium") == "print":
        if meta.get("subId", 0) == 0:
            return env["footnotes"][meta["id"]]
        return f'<a class="footnote-again" href="#fn{number}"></a>'
    ref_id = f"fnref{number}" + (f":{meta['subId']}" if meta.get("subId") else "")
    label = localize_digits(str(number), env.get("digits", Digits.LATIN))
    return f'<sup class="footnote-ref"><a href="#fn{number}" id="{ref_id}">{label}</a></sup>'
