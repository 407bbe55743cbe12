"""French typography: a markdown-it core rule that spaces punctuation the French way.

Input: the token stream after direction analysis (so `lang` attributes are known).
Output: the same stream where text in French (the document's language, or a block or span
marked `lang=fr`) has a narrow no-break space (U+202F) before ; ! ? and inside « », a no-break
space (U+00A0) before :, and ordinals (5e, 1er, 1re) as superscripts.

Never touched: URLs and e-mail addresses in the text, link text that is a URL, code, times and
ratios (10:55), and text where the writer already typed the right space (no rule applies twice).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

NNBSP = "\u202f"  # narrow no-break space: before ; ! ? %, and inside « »
NBSP = "\u00a0"  # no-break space: before :
_SPACES = " \u00a0\u202f\u2009"
# Stretches of text that are addresses, not prose: left exactly as typed.
_PROTECTED = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+?(?=[.,;:!?)»]*(?:\s|$))"  # URLs, without trailing punctuation
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|\d+:\d+",  # times and ratios
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"\b(\d+)(er|re|ers|res|e|es|nde?s?)\b")


def is_french(lang: str | None) -> bool:
    """Tell whether a language code is French (fr, fr-CA, fr_BE…)."""
    return bool(lang) and re.split("[-_]", str(lang))[0].lower() == "fr"


def french_typography(state: StateCore) -> None:
    """markdown-it core rule: apply French spacing and ordinals to French text."""
    stack: list[bool] = [is_french(state.env.get("lang"))]
    for token in state.tokens:
        if token.nesting == -1:
            if len(stack) > 1:
                stack.pop()
            continue
        if token.nesting == 1:
            lang = token.attrGet("lang")
            stack.append(is_french(str(lang)) if lang else stack[-1])
        elif token.type == "inline" and token.children and not token.meta.get("verbatim"):
            token.children = list(_inline(token.children, stack[-1]))


def _inline(children: list[Token], french: bool) -> Iterator[Token]:
    stack = [french]
    previous = ""  # last character of the text before this token, across inline boxes
    in_url_link = 0
    for token in children:
        if token.nesting == 1:
            lang = token.attrGet("lang")
            stack.append(is_french(str(lang)) if lang else stack[-1])
            if token.type == "link_open" and _is_address(token):
                in_url_link += 1
            yield token
            continue
        if token.nesting == -1:
            if len(stack) > 1:
                stack.pop()
            if token.type == "link_close" and in_url_link:
                in_url_link -= 1
            yield token
            continue
        if token.type == "text" and stack[-1] and not in_url_link:
            token.content = space_french(token.content, previous)
            yield from _ordinals(token)
        else:
            yield token
        if token.type in ("text", "code_inline") and token.content:
            previous = token.content[-1]
        elif token.type in ("softbreak", "hardbreak"):
            previous = " "


def _is_address(link: Token) -> bool:
    href = str(link.attrGet("href") or "")
    return link.markup == "autolink" or href.startswith("mailto:")


def space_french(text: str, previous: str = "") -> str:
    """Return `text` with French spacing; `previous` is the character before it, if any."""
    out: list[str] = []
    position = 0
    for match in _PROTECTED.finditer(text):
        out.append(_space_prose(text[position : match.start()], previous))
        out.append(match.group())
        previous = match.group()[-1]
        position = match.end()
    out.append(_space_prose(text[position:], previous))
    return "".join(out)


def _space_prose(text: str, previous: str) -> str:
    result: list[str] = []
    for index, char in enumerate(text):
        before = result[-1] if result else previous
        after = text[index + 1] if index + 1 < len(text) else ""
        if char in ";!?" and not (before and before in ";!?"):
            _space_before(result, previous, NNBSP, char, text[index + 1 :])
        elif char == ":":
            _space_before(result, previous, NBSP, char, text[index + 1 :])
        elif char == "»" or (char == "%" and before and (before in _SPACES or before.isdigit())):
            _space_before(result, previous, NNBSP, char, text[index + 1 :], always=True)
        elif char in _SPACES and before == "«":
            result.append(NNBSP)
            continue
        elif not result and previous == "«":  # «*texte*: the guillemet closed the previous token
            result.append(NNBSP)
        result.append(char)
        if char == "«" and after and after not in _SPACES:
            result.append(NNBSP)
    return "".join(result)


def _space_before(result: list[str], previous: str, space: str, char: str, rest: str, always: bool = False) -> None:
    """Make the space before `char` the right one, inserting it when the writer typed none."""
    if result and result[-1] in _SPACES:
        result[-1] = space
        return
    before = result[-1] if result else previous
    if not before or before in _SPACES or before in "(«[":
        return
    if not always and char in "!?" and _inside_a_name(rest):
        return
    result.append(space)


def _inside_a_name(rest: str) -> bool:
    # "We Exist! a organisé", "We Exist!), le festival", "We Exist! — Alliance…": a ! or ? glued to a
    # word and followed by more of the same sentence (a lower-case word, a dash, punctuation that
    # never follows the end of a sentence) is part of a name. A sentence that ends with ! ends the
    # text, a quotation (»), or goes on with a capital, a guillemet or a number.
    if not rest:
        return False
    if rest[:1] in ",.;:)]…’'":
        return True
    following = rest.lstrip(_SPACES)[:1]
    if rest[:1] not in _SPACES or not following or following in '»”"':
        return False
    return not (following.isupper() or following.isdigit() or following in "«“")


def _ordinals(token: Token) -> Iterator[Token]:
    """Split a text token so that ordinal suffixes (5e, 1er, 1re) become superscripts."""
    text = token.content
    position = 0
    spans = [m for m in _ORDINAL.finditer(text) if not _protected(text, m.start())]
    if not spans:
        yield token
        return
    for match in spans:
        yield Token("text", "", 0, content=text[position : match.end(1)])
        yield Token("sup_open", "sup", 1)
        yield Token("text", "", 0, content=match.group(2))
        yield Token("sup_close", "sup", -1)
        position = match.end()
    yield Token("text", "", 0, content=text[position:])


def _protected(text: str, index: int) -> bool:
    return any(m.start() <= index < m.end() for m in _PROTECTED.finditer(text))
