"""SVG: a figure's SVG bytes → the same drawing without what could run or fetch, for print and the web.

An SVG opened from the site runs its scripts on the site's origin, and one embedded in a PDF
may ask for other files. So a figure's SVG loses `<script>`, `<foreignObject>`, event handler
attributes (`on…`), `<style>` and `style` that import or point at other files, and every
reference (`href`, `xlink:href`) that is not a fragment of the drawing itself or a `data:`
image. One that declares entities (a DTD's internal subset) is refused, not cleaned: entities
are how XML reads local files and multiplies itself. Parsed with the standard library's expat parser,
which is told to refuse entity declarations.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.parsers import expat

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
DROPPED = {"script", "foreignObject", "handler", "listener"}
"""Elements dropped with everything in them."""
_LOCAL = re.compile(r"^(?:#|data:image/(?:png|jpeg|gif|webp)[;,])", re.IGNORECASE)
_FETCHING_CSS = re.compile(r"@import|url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(px)?\s*$")


MAX_DRAWN = 100_000
"""Elements an SVG may draw once its <use> references are expanded (a 2 kB file can ask for 10⁸)."""


_NOT_DRAWN = {"defs", "symbol"}


class SvgError(ValueError):
    """The bytes are not an SVG publish will use."""


def sanitize_svg(data: bytes) -> tuple[bytes, list[str]]:
    """Return the SVG without scripts, handlers and external references, and what was removed."""
    instructions: list[str] = []
    root = _parse(data, instructions)
    if _local(root.tag) != "svg":
        raise SvgError(f"its root element is <{_local(root.tag)}>, not <svg>")
    removed = ["processing instructions (<?…?>)"] if instructions else []
    _clean(root, removed)
    drawn = drawn_elements(root)
    if drawn > MAX_DRAWN:
        raise SvgError(
            f"its <use> references multiply it to more than {MAX_DRAWN:,} elements, which would take hours to draw"
        )
    if not removed:
        return data, []
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), sorted(set(removed))


def svg_size(data: bytes) -> tuple[int, int]:
    """Return an SVG's declared size in pixels (width and height, else its viewBox); (0, 0) when it has none."""
    root = _parse(data, [])
    width, height = (_LENGTH.match(root.get(k, "")) for k in ("width", "height"))
    if width and height:
        return round(float(width.group(1))), round(float(height.group(1)))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        return round(float(box[2])), round(float(box[3]))
    except (IndexError, ValueError):
        return 0, 0


def _parse(data: bytes, instructions: list[str]) -> ET.Element:
    """Parse with expat into an ElementTree, refusing entity declarations: no entity is ever expanded."""

    def refuse(*args: object) -> None:
        raise SvgError("it declares entities, which publish refuses in figures")

    def doctype(name: str, system: str | None, public: str | None, internal_subset: int) -> None:
        if internal_subset:  # a plain <!DOCTYPE svg PUBLIC …> (as editors write) is fine; declarations are not
            refuse()

    def name(raw: str) -> str:  # expat's "uri}local" → ElementTree's "{uri}local"
        return "{" + raw if "}" in raw else raw

    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = lambda tag, attrs: builder.start(name(tag), {name(k): v for k, v in attrs.items()})
    parser.EndElementHandler = lambda tag: builder.end(name(tag))
    parser.CharacterDataHandler = builder.data
    parser.ProcessingInstructionHandler = lambda target, text: instructions.append(target)
    try:
        parser.Parse(data, True)
        return builder.close()
    except (expat.ExpatError, AssertionError) as exc:
        raise SvgError(f"it is not an SVG (not well-formed XML: {exc})") from None


def _clean(element: ET.Element, removed: list[str]) -> None:
    for child in list(element):
        name = _local(child.tag)
        if name in DROPPED:
            element.remove(child)
            removed.append(f"<{name}>")
        elif name != "a" and _external(child):  # an <image>, <use>… of another file: nothing left to draw
            element.remove(child)
            removed.append("references to other files")
        elif name == "style" and _FETCHING_CSS.search("".join(child.itertext())):
            element.remove(child)
            removed.append("<style> loading other files")
        else:
            _clean(child, removed)
    for key, value in list(element.attrib.items()):
        attribute = _local(key)
        if attribute.lower().startswith("on"):
            del element.attrib[key]
            removed.append(f"{attribute} attributes")
        elif attribute == "href" and not _LOCAL.match(value.strip()):
            del element.attrib[key]
            removed.append("references to other files")
        elif attribute == "style" and _FETCHING_CSS.search(value):
            del element.attrib[key]
            removed.append("styles loading other files")


def _external(element: ET.Element) -> bool:
    return any(_local(k) == "href" and not _LOCAL.match(v.strip()) for k, v in element.attrib.items())


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def drawn_elements(root: ET.Element) -> int:
    """Count the elements an SVG draws, each <use> counted as what it copies (capped at MAX_DRAWN + 1).

    A <use> of an element that contains it (directly or through other <use>s) never ends: it counts
    as too many.
    """
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    cost: dict[int, int] = {}
    active: set[int] = set()
    limit = MAX_DRAWN + 1

    def count(element: ET.Element) -> int:
        key = id(element)
        if key in cost:
            return cost[key]
        if key in active:  # a reference back into itself
            return limit
        active.add(key)
        total = 1
        for child in element:
            if _local(child.tag) not in _NOT_DRAWN:  # drawn only where a <use> copies them
                total = min(limit, total + count(child))
        if _local(element.tag) == "use":
            href = next((v.strip() for k, v in element.attrib.items() if _local(k) == "href"), "")
            target = by_id.get(href[1:]) if href.startswith("#") else None
            if target is not None:
                total = min(limit, total + count(target))
        active.discard(key)
        cost[key] = total
        return total

    return count(root)
