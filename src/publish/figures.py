"""Figures: a markdown-it core rule turning a lone image with a caption and credit into a figure.

The syntax writers use, an image alone in its paragraph, its title as the caption, and an
optional credit line right under it:

    ![Dancers of the Nafass collective](images/in-motion.jpg "In Motion, by the Nafass collective")
    © Rezvan Zahedi

becomes `<figure><img …><figcaption>In Motion, … <span class="credit">© Rezvan Zahedi</span>
</figcaption></figure>`. Runs before direction analysis, so captions get isolation and French
spacing like any text. Every image met is recorded in `env["images"]` with its source line.

`render_image` writes a web image as a `<picture>`: WebP renditions with a JPEG or PNG
fallback, `srcset` and `sizes`, its width and height, and `loading="lazy"` for all but the
first, from what `env["image_info"]` says of it (`images.probe_image`). Print keeps a plain
`<img>`: the PDF fetcher serves it the print rendition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .webcopies import web_markup

CREDIT_MARKS = ("©", "(c)", "Photo:", "Photo :", "Crédit", "Credit", "صورة", "تصوير")


def make_figures(state: StateCore) -> None:
    """markdown-it core rule: lone images become figures; record every image."""
    images: list[tuple[str, int, str]] = state.env.setdefault("images", [])
    offset = state.env.get("line_offset", 1)
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "inline" or not token.children:
            continue
        line = offset + (token.map[0] if token.map else 0)
        images.extend((str(c.attrGet("src")), line, c.content) for c in token.children if c.type == "image")
        if 0 < index < len(tokens) - 1 and tokens[index - 1].type == "paragraph_open":
            figure = _figure_children(token.children)
            if figure is not None:
                opening, closing = tokens[index - 1], tokens[index + 1]
                opening.type, opening.tag = "figure_open", "figure"
                closing.type, closing.tag = "figure_close", "figure"
                token.children = figure


def _figure_children(children: list[Token]) -> list[Token] | None:
    """Return a figure's inline content, or None when the paragraph is not a lone image."""
    if not children or children[0].type != "image":
        return None
    image, rest = children[0], children[1:]
    credit: list[Token] = []
    if rest:
        if rest[0].type != "softbreak" or not _is_credit(rest[1:]):
            return None
        credit = rest[1:]
    caption = str(image.attrGet("title") or "")
    if image.attrGet("title") is not None:
        del image.attrs["title"]  # shown as the caption; a tooltip would repeat it
    if not caption and not credit:
        return [image]
    out = [image, Token("figcaption_open", "figcaption", 1)]
    if caption:
        out.append(Token("text", "", 0, content=caption))
    if credit:
        if caption:
            out.append(Token("text", "", 0, content=" "))
        span = Token("span_open", "span", 1)
        span.attrSet("class", "credit")
        out += [span, *credit, Token("span_close", "span", -1)]
    out.append(Token("figcaption_close", "figcaption", -1))
    return out


def _is_credit(tokens: list[Token]) -> bool:
    first = tokens[0] if tokens else None
    return first is not None and first.type == "text" and first.content.lstrip().startswith(CREDIT_MARKS)


def render_image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    """markdown-it render rule: a web image with its renditions; print and unknown images as markdown-it writes them."""
    token = tokens[idx]
    info = env.get("image_info", {}).get(str(token.attrGet("src")))
    if info is None or env.get("medium") == "print":
        return self.image(tokens, idx, options, env)
    shown = env.setdefault("images_shown", [])
    alt = self.renderInlineAsText(token.children or [], options, env)
    markup = web_markup(str(token.attrGet("src")), alt, info, lazy=bool(shown))
    shown.append(token.attrGet("src"))
    img = "".join(f' {name}="{escapeHtml(value)}"' for name, value in markup["img"].items())
    title = f' title="{escapeHtml(str(token.attrGet("title")))}"' if token.attrGet("title") else ""
    sources = "".join(
        f'<source type="{kind}" srcset="{escapeHtml(srcset)}" sizes="{escapeHtml(markup["img"].get("sizes", ""))}" />'
        for kind, srcset in markup["sources"].items()
    )
    if not sources:
        return f"<img{img}{title} />"
    return f"<picture>{sources}<img{img}{title} /></picture>"
