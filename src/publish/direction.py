"""Direction analysis: a markdown-it core rule that marks block directions and isolates runs.

Input: the token stream of one language file and the document's base direction.
Output: the same stream with `dir` on blocks whose first strong character is of the other
direction, and runs of the other direction inside a block wrapped in `<bdi dir=…>`.

Why isolate explicitly: WeasyPrint lays inline boxes out in the block's direction, so a Latin
run that spans several boxes (`Syrians for <strong>Truth</strong>`) would come out with its
words reversed in an Arabic paragraph. Wrapping the run in one isolated element of the right
direction makes WeasyPrint and browsers agree, and keeps punctuation and brackets on their side.
The text itself is never reordered or reshaped: shaping engines do that.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from babel import Locale, UnknownLocaleError
from bidi import get_base_level
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .model import Direction

_STRONG = {"L": Direction.LTR, "R": Direction.RTL, "AL": Direction.RTL}
_NUMBER = {"EN", "AN"}
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
# Blocks that get their own direction from their content.
_TEXT_BLOCKS = {"paragraph_open", "heading_open", "th_open", "td_open"}


def language_direction(lang: str) -> Direction:
    """Return the writing direction of a language, from Babel's locale data."""
    try:
        order = Locale.parse(lang.replace("-", "_")).character_order
    except (ValueError, LookupError, UnknownLocaleError):
        return Direction.LTR
    return Direction.RTL if order == "right-to-left" else Direction.LTR


@functools.cache  # a document has a few hundred distinct characters, read millions of times
def char_class(char: str) -> Direction | str:
    """Classify a character: a Direction if strong, 'num' for digits, else 'neutral'."""
    bidi_class = unicodedata.bidirectional(char)
    if bidi_class in _STRONG:
        return _STRONG[bidi_class]
    return "num" if bidi_class in _NUMBER else "neutral"


def text_direction(text: str) -> Direction | None:
    """Return the direction of the first strong character of `text` (python-bidi), or None."""
    if not any(unicodedata.bidirectional(c) in _STRONG for c in text):
        return None
    return Direction.RTL if get_base_level(text) == 1 else Direction.LTR


_ARABIC_BLOCKS = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
"""Unicode's Arabic blocks: Arabic, its Supplement, Extended-A, Presentation Forms-A and -B."""
_ARABIC = re.compile("[" + "".join(f"{chr(first)}-{chr(last)}" for first, last in _ARABIC_BLOCKS) + "]")


def is_arabic(char: str) -> bool:
    """Tell whether a character belongs to one of Unicode's Arabic blocks."""
    return _ARABIC.match(char) is not None


def has_arabic(text: str) -> bool:
    """Tell whether any character of `text` is in Unicode's Arabic blocks."""
    return _ARABIC.search(text) is not None


# --- block level -----------------------------------------------------------------------------


def mark_directions(state: StateCore) -> None:
    """markdown-it core rule: set block `dir` attributes and isolate inline runs."""
    base: Direction = state.env["direction"]
    tokens = state.tokens
    stack: list[Direction] = [base]
    # List items keep their list's direction, so markers stay on one side and numbers in one
    # column; a Latin name in an Arabic list is isolated inside its item instead.
    in_list = 0
    inline_after = _next_inline(tokens)
    for index, token in enumerate(tokens):
        if token.nesting == -1:
            if len(stack) > 1:
                stack.pop()
            if token.type == "list_item_close":
                in_list -= 1
            continue
        context = stack[-1]
        if token.type == "list_item_open":
            in_list += 1
        if token.nesting == 1:
            own = _own_direction(token, inline_after[index], content_decides=not in_list)
            if own is not None and own is not context:
                token.attrSet("dir", own.value)
            stack.append(own or context)
        elif token.type == "inline" and token.children:
            token.children = isolate_runs(token.children, context)


def _next_inline(tokens: list[Token]) -> list[Token | None]:
    """For each position, the first inline token after it: one pass from the end, so that a long
    table or thousands of paragraphs are not scanned again for each of their blocks."""
    following: list[Token | None] = [None] * len(tokens)
    inline = None
    for index in range(len(tokens) - 1, -1, -1):
        following[index] = inline
        if tokens[index].type == "inline":
            inline = tokens[index]
    return following


def _own_direction(token: Token, inline: Token | None, content_decides: bool) -> Direction | None:
    """Decide a block's direction from its dir or lang attribute, else (if allowed) from the text
    of `inline`, the first inline token after it."""
    explicit = token.attrGet("dir")
    if explicit in ("ltr", "rtl"):
        return Direction(explicit)
    lang = token.attrGet("lang")
    if lang:
        return language_direction(str(lang))
    if content_decides and token.type in _TEXT_BLOCKS and inline is not None:
        return block_direction(_plain_text(inline.children or []))
    return None


def block_direction(text: str) -> Direction | None:
    """Return the direction a block of `text` should have, or None to inherit.

    The first strong character decides (as `dir="auto"` would), but only when most of the
    strong characters agree: an Arabic sentence that opens with a Latin name stays right to
    left, and a Latin name with an Arabic gloss stays left to right.
    """
    first = text_direction(text)
    if first is None:
        return None
    counts = {Direction.LTR: 0, Direction.RTL: 0}
    for char, count in Counter(text).items():
        kind = char_class(char)
        if isinstance(kind, Direction):
            counts[kind] += count
    return first if counts[first] >= counts[first.opposite] else None


def _plain_text(children: list[Token]) -> str:
    return "".join(c.content for c in children if c.type in ("text", "code_inline"))


# --- inline level ----------------------------------------------------------------------------


@dataclass
class _Node:
    """An inline node: a text token, an element (open … close) or an atom (break, code, image)."""

    token: Token
    children: list[_Node] = field(default_factory=list)
    close: Token | None = None
    origin: Token | None = None  # for split text: the source token, so neighbours re-merge


def _tree(tokens: list[Token]) -> list[_Node]:
    root: list[_Node] = []
    stack: list[_Node] = []
    for token in tokens:
        siblings = stack[-1].children if stack else root
        if token.nesting == 1:
            node = _Node(token)
            siblings.append(node)
            stack.append(node)
        elif token.nesting == -1 and stack:
            stack.pop().close = token
        else:
            siblings.append(_Node(token))
    return root


def _flatten(nodes: list[_Node]) -> Iterator[Token]:
    for node in nodes:
        yield node.token
        if node.token.nesting == 1:
            yield from _flatten(node.children)
            if node.close is not None:
                yield node.close


@dataclass
class _Unit:
    """One unit of a run search: a character of a text token, or a whole element or atom."""

    kind: Direction | str  # a Direction, "num", "neutral" or "barrier"
    char: str = ""
    token: Token | None = None  # the text token the character came from
    node: _Node | None = None


def isolate_runs(children: list[Token], base: Direction) -> list[Token]:
    """Wrap runs of the direction opposite to `base` in `<bdi dir=…>` tokens."""
    opposite = base.opposite
    opposite_text = any(c.type == "text" and any(char_class(x) is opposite for x in set(c.content)) for c in children)
    # Links may hold URLs, which are left to right even when their text has no letters to tell.
    links_in_rtl = base is Direction.RTL and any(c.type == "link_open" for c in children)
    if not (opposite_text or links_in_rtl):
        return children
    return list(_flatten(_isolate(_tree(children), base)))


def _isolate(nodes: list[_Node], base: Direction) -> list[_Node]:
    units = list(_units(nodes, base))
    return _rebuild(units, list(_find_runs(units, base.opposite)), base)


def _units(nodes: list[_Node], base: Direction) -> Iterator[_Unit]:
    for node in nodes:
        token = node.token
        if token.type == "text":
            previous: Direction | str = "neutral"
            for char in token.content:
                kind = char_class(char)
                # Combining marks (harakat) belong with the letter before them.
                if unicodedata.bidirectional(char) == "NSM":
                    kind = previous
                previous = kind
                yield _Unit(kind, char=char, token=token)
        elif token.nesting == 1:
            yield _Unit(_element_kind(node, base), node=node)
        elif token.type in ("hardbreak",):
            yield _Unit("barrier", node=node)
        elif token.type == "softbreak":
            yield _Unit("neutral", node=node)
        else:  # code_inline, image, html_inline …
            yield _Unit(text_direction(token.content) or "neutral", node=node)


def _element_kind(node: _Node, base: Direction) -> Direction | str:
    """Summarise an element: one direction, 'num', 'neutral', or 'barrier' when mixed."""
    lang = node.token.attrGet("lang")
    if lang:
        own = language_direction(str(lang))
        if own is not base:
            node.token.attrSet("dir", own.value)
        return own
    text = "".join(t.content for t in _flatten(node.children) if t.type in ("text", "code_inline"))
    if node.token.type == "link_open" and _looks_like_url(text):
        # URLs are left-to-right whatever the document: isolate them as a whole.
        return Direction.LTR
    kinds = {char_class(c) for c in text}
    strong = {k for k in kinds if isinstance(k, Direction)}
    if len(strong) > 1:
        node.children = _isolate(node.children, base)
        return "barrier"
    if strong:
        return strong.pop()
    return "num" if "num" in kinds else "neutral"


def _looks_like_url(text: str) -> bool:
    return "://" in text or text.startswith(("www.", "mailto:")) or ("@" in text and " " not in text)


def _find_runs(units: list[_Unit], opposite: Direction) -> Iterator[tuple[int, int]]:
    """Yield (start, end) index pairs, end inclusive, of runs to isolate."""
    index = 0
    count = len(units)
    while index < count:
        if units[index].kind is not opposite:
            index += 1
            continue
        start = end = index
        probe = index + 1
        while probe < count and units[probe].kind in (opposite, "num", "neutral"):
            if units[probe].kind in (opposite, "num"):
                end = probe
            probe += 1
        end = _attached_exclamation(units, end)
        start, end = _balance(units, start, end, opposite)
        if start <= end and any(units[i].kind is opposite for i in range(start, end + 1)):
            yield start, end
        index = max(end, index) + 1


def _attached_exclamation(units: list[_Unit], end: int) -> int:
    """Keep a '!' or '?' glued to the run's last letter inside it ("We Exist! هو …", "(We Exist!)").

    Not at the very end of a block: there it is the sentence's own punctuation and belongs to
    the paragraph's direction, where the Unicode bidi algorithm puts it.
    """
    probe = end + 1
    while probe < len(units) and units[probe].char in ("!", "?"):
        probe += 1
    if probe == end + 1 or all(u.char.isspace() for u in units[probe:]):
        return end
    return probe - 1


def _balance(units: list[_Unit], start: int, end: int, opposite: Direction) -> tuple[int, int]:
    """Move run edges so that no bracket pair is split between inside and outside the run."""
    for _ in range(8):
        stack: list[int] = []
        changed = False
        for i in range(start, end + 1):
            char = units[i].char
            if char in _OPENERS:
                stack.append(i)
            elif char in _CLOSERS:
                if stack and units[stack[-1]].char == _CLOSERS[char]:
                    stack.pop()
                    continue
                opener = _search(units, i, start - 1, -1, _CLOSERS[char], opposite)
                if opener is not None:
                    start = opener
                else:
                    end = _trim(units, i - 1, start, opposite)
                changed = True
                break
        else:
            if stack:
                opener = stack[0]
                closer = _search(units, opener, end + 1, 1, _OPENERS[units[opener].char], opposite)
                end = closer if closer is not None else _trim(units, opener - 1, start, opposite)
                changed = True
        if not changed:
            break
    return start, end


def _search(units: list[_Unit], origin: int, begin: int, step: int, wanted: str, opposite: Direction) -> int | None:
    """Find the matching bracket outside the run, crossing only neutrals, digits and the run's direction."""
    i = begin
    while 0 <= i < len(units):
        unit = units[i]
        if unit.char == wanted:
            return i
        if unit.kind not in ("neutral", "num", opposite):
            return None
        i += step
    return None


def _trim(units: list[_Unit], end: int, start: int, opposite: Direction) -> int:
    while end >= start and units[end].kind not in (opposite, "num"):
        end -= 1
    return end


def _rebuild(units: list[_Unit], runs: list[tuple[int, int]], base: Direction) -> list[_Node]:
    """Turn units back into nodes, splitting text tokens at run edges and adding bdi elements."""
    out: list[_Node] = []
    run_at = {start: end for start, end in runs}
    index = 0
    while index < len(units):
        if index in run_at:
            end = run_at[index]
            inner = _merge(units[index : end + 1])
            direction = base.opposite
            only = inner[0] if len(inner) == 1 else None
            if only is not None and only.token.nesting == 1 and only.token.attrGet("dir") == direction.value:
                out.append(only)  # already an isolate of the right direction (a <bdi dir>, a name)
                index = end + 1
                continue
            bdi = Token("bdi_open", "bdi", 1)
            bdi.attrSet("dir", direction.value)
            if direction is Direction.RTL and has_arabic(_text_of(units[index : end + 1])):
                bdi.attrSet("lang", "ar")
            out.append(_Node(bdi, inner, Token("bdi_close", "bdi", -1)))
            index = end + 1
            continue
        following = min((s for s in run_at if s > index), default=len(units))
        out.extend(_merge(units[index:following]))
        index = following
    return out


def _text_of(units: list[_Unit]) -> str:
    parts = []
    for unit in units:
        if unit.node is not None:
            parts.extend(t.content for t in _flatten([unit.node]) if t.type == "text")
        else:
            parts.append(unit.char)
    return "".join(parts)


def _merge(units: list[_Unit]) -> list[_Node]:
    """Join consecutive characters of one text token back into a text token."""
    out: list[_Node] = []
    for unit in units:
        if unit.node is not None:
            out.append(unit.node)
            continue
        last = out[-1] if out else None
        if last is not None and last.origin is not None and last.origin is unit.token:
            last.token.content += unit.char
            continue
        out.append(_Node(Token("text", "", 0, content=unit.char), origin=unit.token))
    return out


def isolate_text(text: str, base: Direction) -> str:
    """Return `text` as escaped HTML with its runs of the other direction isolated.

    For front matter values (title, subtitle, authors) that reach the page outside the body;
    markdown-it's own renderer escapes the text and writes the bdi elements.
    """
    from markdown_it.presets import commonmark
    from markdown_it.renderer import RendererHTML
    from markdown_it.utils import OptionsDict

    children = isolate_runs([Token("text", "", 0, content=text)], base)
    return RendererHTML().renderInline(children, OptionsDict(commonmark.make()["options"]), {})


_ISOLATES = {Direction.LTR: "\u2066", Direction.RTL: "\u2067"}
"""LEFT-TO-RIGHT and RIGHT-TO-LEFT ISOLATE: the characters that do what <bdi dir> does, for plain text."""


def isolate_plain(text: str, base: Direction) -> str:
    """Return `text` with its runs of the other direction between isolate characters (U+2066 or
    U+2067 … U+2069), for text a page shows where no markup can go (a search result's summary).

    The same runs as `isolate_text` isolates with <bdi dir>; the text itself is not reordered.
    """
    out = []
    for token in isolate_runs([Token("text", "", 0, content=text)], base):
        if token.type == "bdi_open":
            out.append(_ISOLATES[Direction(token.attrGet("dir"))])
        elif token.type == "bdi_close":
            out.append("\u2069")
        else:
            out.append(token.content)
    return "".join(out)
