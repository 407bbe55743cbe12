"""Bilingual: two `Document`s of one briefing → one page of paired blocks, side by side.

Block n of one language sits beside block n of the other (a heading beside its heading, a
paragraph beside its translation), so a reader — or a diplomat comparing the Arabic and
English of a statement — finds each passage's counterpart on the same line of the same page.
A right-to-left language always takes the right-hand column; each column keeps its own
language and direction. Pairing is by position: `publish check` reports translations whose
structure drifted, and an unmatched block gets an empty neighbour.
"""

from __future__ import annotations

from itertools import zip_longest
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .model import Direction, Document, RenderedPage
from .render import Layouts, document_context, render_template


def order_columns(first: Document, second: Document) -> tuple[Document, Document]:
    """Return (left, right): a right-to-left language goes on the right."""
    if first.direction is Direction.RTL and second.direction is Direction.LTR:
        return second, first
    return first, second


def render_pair_page(first: Document, second: Document, layouts: Layouts, out_path: Path) -> RenderedPage:
    """Render two language versions of a briefing as one side-by-side print page."""
    left, right = order_columns(first, second)
    rows = [
        {"left": Markup(_own_ids(a or "", "left")), "right": Markup(_own_ids(b or "", "right"))}
        for a, b in zip_longest(left.blocks, right.blocks)
    ]
    settings = layouts.settings
    # Folios in the right-to-left column's digits; each column's notes in its own language's.
    digits = settings.digits_for(right.source.lang if right.direction is Direction.RTL else left.source.lang)
    context: dict[str, Any] = {
        "left": document_context(left, "print"),
        "right": document_context(right, "print"),
        "left_strings": layouts.strings(left.source.lang),
        "right_strings": layouts.strings(right.source.lang),
        "rows": rows,
        "stylesheets": [path.as_uri() for path in layouts.stylesheets("print")],
        "print": {
            "counter_style": digits.counter_style,
            "left_counter_style": settings.digits_for(left.source.lang).counter_style,
            "right_counter_style": settings.digits_for(right.source.lang).counter_style,
        },
    }
    html = render_template(layouts, "print-pair.html.j2", context)
    return RenderedPage(html, left.source.lang, Direction.LTR, out_path, left.source.path.as_uri(), left.source)


def _own_ids(block: str, column: str) -> str:
    """Give a column's note anchors ids of its own: both languages number their notes fn1, fn2…, and
    one page holds both (a repeated call's link would jump to the other column's note)."""
    return block.replace(' id="fn', f' id="{column}-fn').replace(' href="#fn', f' href="#{column}-fn')
