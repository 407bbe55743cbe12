"""Walk WeasyPrint's box tree: a line's text boxes, a page's text and direction, its list markers.

The box classes are handed in by `hooks` (`Tree`): this module imports nothing of WeasyPrint's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .plan import Page, page_plan


@dataclass
class PageDrawing:
    """The page being drawn: its box, its plan, the list markers to draw with their items."""

    box: Any
    plan: Page
    markers: dict[int | None, Any]
    """List markers (outside ones) by the first line of their item, to be drawn with it."""
    drawn: set[int] = field(default_factory=set)
    """Lines of the markers drawn already, with their items."""


@dataclass(frozen=True)
class Tree:
    """The box-tree walks the drawing needs, with WeasyPrint's classes to tell boxes apart."""

    line: type
    """`boxes.LineBox`"""
    block: type
    """`boxes.BlockBox`"""
    inline: type
    """`boxes.InlineBox`"""
    text: type
    """`boxes.TextBox`"""
    stacking: type
    """`stacking.StackingContext`"""
    placeholder: type
    """`layout.absolute.AbsolutePlaceholder`"""

    def text_boxes(self, box: Any) -> Iterator[Any]:
        """Yield the text boxes of a line, in the order WeasyPrint draws them (the document's)."""
        for child in box.children:
            if isinstance(child, self.stacking):
                continue
            if isinstance(child, self.text):
                yield child
            elif isinstance(child, self.inline):
                yield from self.text_boxes(child)

    def line_key(self, line: Any) -> int | None:
        """Identify a line by its first text box: stacking contexts copy line boxes, not text boxes."""
        first = next(self.text_boxes(line), None)
        return None if first is None else id(first)

    def lines(self, box: Any) -> Iterator[Any]:
        """Yield the line boxes of a block, in order."""
        if isinstance(box, self.line):
            yield box
        elif isinstance(box, self.block):
            for child in box.children:
                yield from self.lines(child)

    def all_text(self, box: Any) -> str:
        """Return the text of the text boxes under `box`, in document order."""
        text_box = self.text
        found = []
        stack = [box]
        while stack:
            box = stack.pop()
            if isinstance(box, text_box):
                found.append(box.text)
            children = getattr(box, "children", None)
            if children:
                stack.extend(reversed(children))
        return "".join(found)

    def outside_markers(self, box: Any) -> Iterator[tuple[int | None, Any]]:
        """Yield (first line of the item, marker) for the list markers outside their items.

        WeasyPrint positions them absolutely and so draws them after everything else on the page:
        pdf.js, which reads in that order, put every bullet of a page at its end.
        """
        children = list(getattr(box, "children", ()))
        for index, child in enumerate(children):
            marker = child._box if isinstance(child, self.placeholder) else child
            if getattr(marker, "is_outside_marker", False):
                line = next((b for c in children[index + 1 :] for b in self.lines(c)), None)
                if line is not None and all(isinstance(m, self.line) for m in marker.children):
                    yield self.line_key(line), marker
            yield from self.outside_markers(marker)

    def page_drawing(self, stream: Any, page: Any) -> PageDrawing:
        """Return what is decided for the page being drawn on `stream` (once a page): the direction
        poppler must take its lines in, the list markers to draw with their items.

        `page`: what WeasyPrint hands the drawing functions, a page box without children; the
        page box itself is kept on the stream by `hooks` as WeasyPrint starts drawing it.
        """
        page = getattr(stream, "_publish_page_box", page)
        state = getattr(stream, "_publish_page", None)
        if state is not None and state.box is page:
            return state
        root = next((c for c in page.children if getattr(c, "is_for_root_element", False)), None)
        rtl = (root or page).style["direction"] == "rtl"
        state = PageDrawing(page, page_plan(rtl, self.all_text(page)), dict(self.outside_markers(page)))
        stream._publish_page = state
        return state
