"""The one module of publish that reaches into WeasyPrint's internals.

Six WeasyPrint 70.0 functions are replaced while a document is laid out and written
(`text_layer()`), and put back afterwards, errors or not. Before that, `check()` refuses another
WeasyPrint version, or functions that take other parameters than the ones these replace: PDFs
are then made with WeasyPrint's own text layer (`publish.typeset`). Everything else of the
package works on plain data, handed WeasyPrint's box classes and cffi bindings from here.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .fonts import cid_to_gid_map, for_subsetting
from .gather import SKIPPED, Pango, gather
from .plan import plan_line
from .tree import Tree
from .write import write

WEASYPRINT_VERSION = "70.0"
"""The WeasyPrint release this package was written and tested against."""


class WeasyPrintVersionError(RuntimeError):
    """WeasyPrint is not the version this package reaches into."""


class WeasyPrintSignatureError(WeasyPrintVersionError):
    """A WeasyPrint function this package replaces, or a part of WeasyPrint it reads, is not as it expects."""


_originals: dict[str, Any] = {}
"""WeasyPrint's functions while this module's replace them, by name."""
_depth = 0
"""How many `text_layer()` blocks are open."""
_held_back = 0
"""How many `plain()` blocks are open."""


def _where() -> dict[str, tuple[Any, str, str]]:
    """Where each replaced function lives: name → (owner, attribute, what to call it in messages)."""
    import weasyprint.document
    import weasyprint.draw
    import weasyprint.draw.text
    import weasyprint.pdf.fonts
    import weasyprint.text.line_break

    fonts, layout = weasyprint.pdf.fonts, weasyprint.text.line_break.Layout
    return {
        "draw_page": (weasyprint.document, "draw_page", "weasyprint.document.draw_page"),
        "draw_inline_level": (weasyprint.draw, "draw_inline_level", "weasyprint.draw.draw_inline_level"),
        "draw_first_line": (weasyprint.draw.text, "draw_first_line", "weasyprint.draw.text.draw_first_line"),
        "clean": (fonts.Font, "clean", "weasyprint.pdf.fonts.Font.clean"),
        "vector": (fonts, "_build_vector_font_dictionary", "weasyprint.pdf.fonts._build_vector_font_dictionary"),
        "reactivate": (layout, "reactivate", "weasyprint.text.line_break.Layout.reactivate"),
    }


@functools.cache
def _helpers() -> tuple[Tree, Pango]:
    """WeasyPrint's box classes and cffi bindings, for the modules that walk boxes and read glyphs."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.stacking import StackingContext
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    tree = Tree(boxes.LineBox, boxes.BlockBox, boxes.InlineBox, boxes.TextBox, StackingContext, AbsolutePlaceholder)
    return tree, Pango(ffi, pango, FROM_UNITS)


def _parameters(function: Any) -> str:
    """A function's parameters as written in Python, annotations aside: `(page, stream)`."""
    signature = inspect.signature(function)
    bare = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=bare, return_annotation=inspect.Signature.empty))


def check() -> None:
    """Refuse a WeasyPrint this package was not written for: another version, or changed functions.

    Raise `WeasyPrintVersionError` (`WeasyPrintSignatureError` for a function whose parameters
    are not those of the one replacing it, or a part missing), saying what differs.
    """
    import weasyprint

    if weasyprint.__version__ != WEASYPRINT_VERSION:
        raise WeasyPrintVersionError(
            f"publish's PDF text drawing (publish.pdftext) is written for WeasyPrint {WEASYPRINT_VERSION}, "
            f"not WeasyPrint {weasyprint.__version__}: install weasyprint=={WEASYPRINT_VERSION}, or port the module"
        )
    if _originals:
        return  # in place already: checked before
    try:
        where = _where()
        _helpers()
    except (ImportError, AttributeError) as exc:
        raise WeasyPrintSignatureError(
            f"publish's PDF text drawing (publish.pdftext) does not find a part of WeasyPrint "
            f"{weasyprint.__version__} it reads ({exc}): port publish.pdftext.hooks"
        ) from exc
    for name, (owner, attribute, label) in where.items():
        expected, found = _parameters(_WRAPPERS[name]), _parameters(getattr(owner, attribute))
        if found != expected:
            raise WeasyPrintSignatureError(
                f"publish's PDF text drawing (publish.pdftext) replaces {label}{expected}, but WeasyPrint "
                f"{weasyprint.__version__} has {label}{found}: port publish.pdftext.hooks"
            )


def _patch() -> None:
    for name, (owner, attribute, _) in _where().items():
        _originals[name] = getattr(owner, attribute)
        setattr(owner, attribute, _WRAPPERS[name])


def _restore() -> None:
    for name, (owner, attribute, _) in _where().items():
        setattr(owner, attribute, _originals.pop(name))


@contextmanager
def text_layer() -> Iterator[None]:
    """Lay out and write documents with this package's text layer inside the block.

    WeasyPrint's functions are checked (`check()`), replaced, and put back when the block ends,
    by an exception too. Both rendering and writing need it: text boxes are set up at layout,
    drawn when the PDF is written. Inside `plain()`, WeasyPrint draws its own text.
    """
    global _depth
    if _held_back:
        yield
        return
    if not _depth:
        check()
        _patch()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth:
            _restore()


@contextmanager
def plain() -> Iterator[None]:
    """Draw with WeasyPrint's own text drawing inside the block, `text_layer()` notwithstanding."""
    global _held_back
    was = active()
    if was:
        _restore()
    _held_back += 1
    try:
        yield
    finally:
        _held_back -= 1
        if was:
            _patch()


def active() -> bool:
    """Tell whether WeasyPrint currently draws text through this package."""
    return bool(_originals)


# --- the replacements ----------------------------------------------------------------------------


def _plans(stream: Any) -> dict[int, list[tuple]]:
    """Return the text plans of the line being drawn on this stream, keyed by text box."""
    plans = getattr(stream, "_publish_plans", None)
    if plans is None:
        plans = stream._publish_plans = {}
    return plans


def _draw_page(page: Any, stream: Any) -> Any:
    """Draw a page as WeasyPrint does, keeping its box tree at hand for `Tree.page_drawing`.

    WeasyPrint draws from stacking contexts holding copies of the boxes, and hands the drawing
    functions a page box without children.
    """
    stream._publish_page_box = page
    return _originals["draw_page"](page, stream)


def _draw_inline_level(
    stream: Any, page: Any, box: Any, offset_x: float = 0, text_overflow: str = "clip", block_ellipsis: str = "none"
) -> Any:
    """Plan the text of a whole line box before WeasyPrint draws it box by box."""
    tree, pango = _helpers()
    draw = _originals["draw_inline_level"]
    if not isinstance(box, tree.line):
        return draw(stream, page, box, offset_x, text_overflow, block_ellipsis)
    state = tree.page_drawing(stream, page)
    key = tree.line_key(box)
    if key is not None and key in state.drawn:
        return None  # a list marker, drawn with its item
    marker = state.markers.pop(key, None) if key is not None else None
    if marker is not None:
        for line in marker.children:
            _draw_inline_level(stream, page, line)
            if tree.line_key(line) is not None:
                state.drawn.add(tree.line_key(line))
    if box.text_overflow == "ellipsis" or box.block_ellipsis != "none":
        return draw(stream, page, box, offset_x, text_overflow, block_ellipsis)
    texts = [gather(stream, b, pango, _originals["reactivate"]) for b in tree.text_boxes(box)]
    plans = _plans(stream)
    plans.update(plan_line(state.plan, texts))
    try:
        return draw(stream, page, box, offset_x, text_overflow, block_ellipsis)
    finally:
        for text in texts:
            if text is not None:
                plans.pop(text.key, None)


def _draw_first_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: str, matrix: Any) -> Any:
    """Draw a text box from its line's plan; without one, as WeasyPrint does."""
    plan = _plans(stream).get(id(textbox))
    layout = textbox.pango_layout
    skipped = getattr(layout, "_publish_kept", None) is SKIPPED
    layout._publish_kept = None
    if plan is None or text_overflow == "ellipsis" or block_ellipsis != "none":
        if skipped:  # `_reactivate` did not set the layout up: WeasyPrint draws from it
            _originals["reactivate"](layout, textbox.style)
        return _originals["draw_first_line"](stream, textbox, text_overflow, block_ellipsis, matrix)
    write(stream, plan, matrix)
    return []


def _reactivate(self: Any, style: Any) -> None:
    """Set up a text box's Pango layout again, as WeasyPrint does before drawing it, unless `gather`
    left it set up for that style: the box is drawn from its plan, not from its layout."""
    if getattr(self, "_publish_kept", None) is style:
        self._publish_kept = SKIPPED
        return
    self._publish_kept = None
    _originals["reactivate"](self, style)


def _clean(self: Any, to_unicode: dict[int, str], hinting: bool) -> Any:
    """Subset the font on the glyphs drawn, not on the alias codes that stand for them."""
    face = getattr(self, "_publish_face", None)
    if face is not None:
        to_unicode = for_subsetting(face.info, to_unicode)
    return _originals["clean"](self, to_unicode, hinting)


def _build_vector_font_dictionary(
    font_dictionary: Any, pdf: Any, font: Any, widths: Any, compress: bool, reference: Any, pdf_version: Any
) -> Any:
    """Write WeasyPrint's font dictionary, then map alias codes to their glyphs (CIDToGIDMap)."""
    import pydyf

    result = _originals["vector"](font_dictionary, pdf, font, widths, compress, reference, pdf_version)
    face = getattr(font, "_publish_face", None)
    if face is None or not face.info.aliases:
        return result
    descendant = font_dictionary["DescendantFonts"][0]
    number = int(descendant.split()[0]) if isinstance(descendant, bytes) else descendant.number
    table = cid_to_gid_map(face.info, font.widths, set(font.missing.values()))
    cid_to_gid = pydyf.Stream([table], compress=compress)
    pdf.add_object(cid_to_gid)
    pdf.objects[number]["CIDToGIDMap"] = cid_to_gid.reference
    return result


_WRAPPERS: dict[str, Any] = {
    "draw_page": _draw_page,
    "draw_inline_level": _draw_inline_level,
    "draw_first_line": _draw_first_line,
    "clean": _clean,
    "vector": _build_vector_font_dictionary,
    "reactivate": _reactivate,
}
"""This module's function replacing each (see `_where`); each takes the same parameters."""
