"""Parse: a `Source` → a `Document` (body HTML fragment, headings with ids and lines, direction).

markdown-it-py in CommonMark mode with tables, block and span attributes, superscripts and
heading anchors. Raw HTML in the Markdown is not rendered: it is shown as text. Direction
analysis (`direction.mark_directions`) runs as a core rule on the token stream.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.superscript import superscript_plugin

from .direction import is_arabic, language_direction, mark_directions
from .model import Document, Heading, Source

# Attributes writers may set with {…}: enough to mark language, direction, anchors and styles
# from the layout's stylesheet; never event handlers or inline styles.
ALLOWED_ATTRIBUTES = ("id", "class", "lang", "dir")


def make_parser() -> MarkdownIt:
    """Return the Markdown parser every language file goes through."""
    md = (
        MarkdownIt("commonmark", {"html": False, "typographer": False})
        .enable("table")
        .use(attrs_block_plugin, allowed=ALLOWED_ATTRIBUTES)
        .use(attrs_plugin, spans=True, allowed=ALLOWED_ATTRIBUTES)
        .use(superscript_plugin)
        .use(anchors_plugin, min_level=2, max_level=4)
    )
    md.core.ruler.push("direction", mark_directions)
    return md


def parse(source: Source, md: MarkdownIt) -> Document:
    """Parse one language file's body into a Document."""
    direction = language_direction(source.lang)
    env: dict[str, object] = {"direction": direction}
    tokens = md.parse(source.body, env)
    headings = []
    languages = set()
    for index, token in enumerate(tokens):
        lang = token.attrGet("lang")
        if lang:
            languages.add(str(lang))
        for child in token.children or ():
            if child.attrGet("lang"):
                languages.add(str(child.attrGet("lang")))
        if token.type == "heading_open":
            inline = tokens[index + 1]
            headings.append(
                Heading(
                    level=int(token.tag[1]),
                    text=inline.content,
                    id=str(token.attrGet("id") or ""),
                    line=source.body_line + (token.map[0] if token.map else 0),
                )
            )
    if source.lang != "ar" and any(is_arabic(c) for c in source.body):
        languages.add("ar")
    languages.discard(source.lang)
    html = md.renderer.render(tokens, md.options, env)
    return Document(
        source=source,
        direction=direction,
        html=html,
        headings=tuple(headings),
        languages=frozenset(languages),
    )
