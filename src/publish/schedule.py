"""Programmes: a `::: programme` block of days and timed events → a schedule, dates and times by Babel.

    ::: programme
    ## 2020-12-09

    ### 18:30–19:00 Danse « In Motion »

    *Studio Bassel Shehadeh*

    Le collectif Nafass nous propose une performance…
    :::

Inside the block, a `##` heading holding an ISO date is a day: it is printed as the language
writes dates ("mercredi 9 décembre", "Wednesday 9 December", "الأربعاء 9 ديسمبر"). A `###`
heading starting with a time or a time range is an event: the times go in a time column,
formatted per language ("18 h 30" in French), and the event's blocks (an italic first line is
the venue) stay together on one page. Anything else in the block is left as written.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from babel.dates import format_date, format_time
from markdown_it.token import Token

from .errors import SourceError
from .i18n import Digits, locale_of, localize_digits
from .model import SourceLocation
from .tokens import block_token

_DAY = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*$")
_EVENT = re.compile(r"^\s*(\d{1,2}):(\d{2})(?:\s*[–—-]\s*(\d{1,2}):(\d{2}))?\s*[·:|-]?\s*")
# Babel's patterns, except where a language's usage differs from CLDR's short format.
_TIME_PATTERNS = {"fr": ("H' h 'mm", "H' h'")}


def format_day(day: datetime.date, lang: str, digits: Digits) -> str:
    """Write a day as the language does in a programme: weekday, day and month (`lang`: a locale)."""
    text = format_date(day, "EEEE d MMMM", locale=locale_of(lang))
    return localize_digits(text[:1].upper() + text[1:], digits)


def format_clock(hour: int, minute: int, lang: str, digits: Digits) -> str:
    """Write a time of day as the language does (18 h 30, 6:30 PM, 6:30 م)."""
    moment = datetime.time(hour, minute)
    patterns = _TIME_PATTERNS.get(re.split("[-_]", lang)[0])
    if patterns:
        # "18 h 30" must not break at its spaces: narrow no-break spaces, as French typesetting has it.
        text = format_time(moment, patterns[0] if minute else patterns[1], locale=locale_of(lang)).replace(
            " ", "\u202f"
        )
    else:
        text = format_time(moment, "short", locale=locale_of(lang))
    return localize_digits(text, digits)


def shape_programme(tokens: list[Token], env: dict[str, Any], location: SourceLocation) -> list[Token]:
    """Turn the tokens inside a `::: programme` block into a schedule."""
    lang, digits = env.get("locale") or env["lang"], env.get("digits", Digits.LATIN)
    out: list[Token] = [block_token("programme_open", "section", 1, {"class": "programme"})]
    in_event = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
            inline, closing = tokens[index + 1], tokens[index + 2]
            line = env.get("line_offset", 1) + (token.map[0] if token.map else 0)
            if token.tag == "h2" and (day := _DAY.match(inline.content)):
                if in_event:
                    out.append(block_token("event_close", "div", -1))
                    in_event = False
                try:
                    date = datetime.date.fromisoformat(day.group(1))
                except ValueError:
                    raise SourceError(
                        f"{day.group(1)} is not a date",
                        SourceLocation(location.path, line),
                        hint="write days as 2020-12-09",
                    ) from None
                token.attrJoin("class", "programme-day")
                _set_text(inline, format_day(date, lang, digits))
                out += [token, inline, closing]
                index += 3
                continue
            if token.tag == "h3" and (event := _EVENT.match(inline.content)):
                if in_event:
                    out.append(block_token("event_close", "div", -1))
                out.append(block_token("event_open", "div", 1, {"class": "event"}))
                out += _time_tokens(event, lang, digits)
                _strip_prefix(inline, event.end())
                token.attrJoin("class", "event-title")
                out += [token, inline, closing]
                in_event = True
                index += 3
                # An italic line right under the title is the venue.
                if _is_venue(tokens, index):
                    tokens[index].attrJoin("class", "event-venue")
                continue
        out.append(token)
        index += 1
    if in_event:
        out.append(block_token("event_close", "div", -1))
    out.append(block_token("programme_close", "section", -1))
    return out


def _time_tokens(match: re.Match[str], lang: str, digits: Digits) -> list[Token]:
    start_h, start_m, end_h, end_m = match.groups()
    children = [*_time(int(start_h), int(start_m), lang, digits)]
    if end_h is not None:
        children.append(Token("text", "", 0, content=" – "))
        children += _time(int(end_h), int(end_m), lang, digits)
    content = "".join(c.content for c in children)
    inline = Token("inline", "", 0, children=children, content=content, meta={"verbatim": True})
    return [
        block_token("paragraph_open", "p", 1, {"class": "event-time"}),
        inline,
        block_token("paragraph_close", "p", -1),
    ]


def _time(hour: int, minute: int, lang: str, digits: Digits) -> list[Token]:
    opening = Token("time_open", "time", 1)
    opening.attrSet("datetime", f"{hour:02d}:{minute:02d}")
    return [
        opening,
        Token("text", "", 0, content=format_clock(hour, minute, lang, digits)),
        Token("time_close", "time", -1),
    ]


def _set_text(inline: Token, text: str) -> None:
    inline.content = text
    inline.children = [Token("text", "", 0, content=text)]


def _strip_prefix(inline: Token, length: int) -> None:
    """Remove the time range the writer typed at the start of an event heading."""
    inline.content = inline.content[length:]
    remaining = length
    for child in list(inline.children or []):
        if remaining <= 0:
            break
        if child.type != "text":
            break
        cut = min(remaining, len(child.content))
        child.content = child.content[cut:]
        remaining -= cut
    inline.children = [c for c in inline.children or [] if not (c.type == "text" and not c.content)]


def _is_venue(tokens: list[Token], index: int) -> bool:
    if index + 2 >= len(tokens) or tokens[index].type != "paragraph_open":
        return False
    children = tokens[index + 1].children or []
    return len(children) == 3 and children[0].type == "em_open" and children[-1].type == "em_close"
