"""Containers: `::: kind options` … `:::` blocks → callouts and pull quotes.

    ::: key
    The year 2010 was the beginning; we hope to shape a common vision for 2030.
    :::

    ::: quote lang=fr
    Alors que la crise sanitaire frappe la plupart des pays de la planète…
    — Hala Kodmani, *Libération*, 6 mai 2020
    :::

`key` and `note` become `<aside class="callout callout-key|note">`; `quote` becomes a
`<figure class="pull-quote">` with its `<blockquote>` and, when the last paragraph starts with
a dash, a `<figcaption>` attribution. `lang=xx` gives the block its language (and so its
direction and typography rules). An unknown kind is an error naming the line, and so is a
block never closed (markdown-it would close it at the end of the file, swallowing every section
after it into the box).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from .config import did_you_mean
from .errors import SourceError
from .model import SourceLocation
from .schedule import shape_programme
from .tokens import block_token

CALLOUTS = ("key", "note")
KINDS = (*CALLOUTS, "quote", "signatories", "programme")
_OPTION = re.compile(r"([\w-]+)=(\"[^\"]*\"|\S+)")
_ATTRIBUTION = ("—", "–", "--", "―")
_CLOSER = re.compile(r"[\s>]*:{3,}\s*")
"""A line that closes a block: colons alone (inside a quote or a list, after its markers)."""


def containers_plugin(md: MarkdownIt) -> None:
    """Register the `:::` container syntax and the rule that shapes it."""
    container_plugin(md, "block", validate=lambda params, markup: bool(params.strip()))
    md.core.ruler.push("containers", shape_containers)


def parse_info(info: str) -> tuple[str, dict[str, str]]:
    """Split a container's info string into its kind and its key=value options."""
    kind, _, rest = info.strip().partition(" ")
    return kind.lower(), {key: value.strip('"') for key, value in _OPTION.findall(rest)}


def shape_containers(state: StateCore) -> None:
    """markdown-it core rule: turn container tokens into callouts and pull quotes."""
    tokens = state.tokens
    out: list[Token] = []
    stack: list[str] = []
    programmes: list[tuple[int, SourceLocation]] = []  # where each open programme's tokens start
    skipping = 0  # inside a signatories block, whose content is generated
    for token in tokens:
        if skipping and token.type != "container_block_close":
            continue
        if token.type == "container_block_open":
            kind, options = parse_info(token.info)
            line = state.env.get("line_offset", 1) + (token.map[0] if token.map else 0)
            location = SourceLocation(state.env.get("path", "?"), line)
            if kind not in KINDS:
                hint = did_you_mean(kind, KINDS) or f"known kinds: {', '.join(KINDS)}"
                raise SourceError(f'unknown block "::: {kind}"', location, hint)
            if not _closed(token, state.src):
                raise SourceError(
                    f"`::: {kind}` opened here is never closed",
                    location,
                    hint="end the block with a line holding only ::: (everything after it is swallowed into the box)",
                )
            stack.append(kind)
            if kind == "signatories":
                out.extend(_signatories(options, state.env, location))
                skipping = 1
                continue
            if kind == "programme":
                programmes.append((len(out), location))
                continue
            out.extend(_open(kind, options))
        elif token.type == "container_block_close":
            kind = stack.pop() if stack else "note"
            if kind == "signatories":
                skipping = 0
                continue
            if kind == "programme":
                start, where = programmes.pop()
                out[start:] = shape_programme(out[start:], state.env, where)
                continue
            out.extend(_close(kind, out))
        else:
            out.append(token)
    state.tokens = out


def _closed(token: Token, src: str) -> bool:
    """Tell whether a container's block ends on a closing `:::` line (not at the end of the file or its parent)."""
    if not token.map:
        return True
    lines = src.split("\n")
    end = token.map[1]
    return end < len(lines) and _CLOSER.fullmatch(lines[end]) is not None


def _signatories(options: dict[str, str], env: dict[str, Any], location: SourceLocation) -> list[Token]:
    """Read the signatories file a `::: signatories` block names and build its tokens."""
    from .i18n import Digits
    from .signatories import count_line, read_signatories, signatory_tokens, sort_by_name

    if "file" not in options:
        raise SourceError(
            "::: signatories needs the data file", location, hint="write ::: signatories file=signatories.csv"
        )
    source_path = Path(env.get("path", "."))
    data = (source_path.parent / options["file"]).resolve()
    if not data.is_relative_to(source_path.parent.resolve()):
        raise SourceError(f"signatories file {options['file']} is outside the briefing folder", location)
    display = Path(location.path).parent / options["file"]
    people = read_signatories(data, display)
    if options.get("sort") == "name":
        people = sort_by_name(people)
    elif "sort" in options:
        raise SourceError(
            f'unknown sort "{options["sort"]}"', location, hint="use sort=name, or leave the file's order"
        )
    try:
        individuals = int(options.get("individuals", "0")) + sum(p.kind == "individual" for p in people)
    except ValueError:
        raise SourceError("individuals= must be a number", location) from None
    organisations = sum(p.kind == "organisation" for p in people)
    count = count_line(
        organisations,
        individuals,
        env["lang"],
        env.get("strings", {}),
        env.get("digits", Digits.LATIN),
        env.get("locale"),
    )
    return signatory_tokens(people, count, env["direction"])


def _open(kind: str, options: dict[str, str]) -> list[Token]:
    attrs: dict[str, Any] = {}
    if "lang" in options:
        attrs["lang"] = options["lang"]
    if kind in CALLOUTS:
        attrs["class"] = f"callout callout-{kind}"
        return [block_token("callout_open", "aside", 1, attrs)]
    attrs["class"] = "pull-quote"
    return [block_token("quote_open", "figure", 1, attrs), block_token("blockquote_open", "blockquote", 1)]


def _close(kind: str, out: list[Token]) -> list[Token]:
    if kind in CALLOUTS:
        return [block_token("callout_close", "aside", -1)]
    closing = [block_token("blockquote_close", "blockquote", -1), block_token("quote_close", "figure", -1)]
    # The last paragraph, when it starts with a dash, is the attribution: move it into a figcaption.
    if len(out) >= 3 and out[-1].type == "paragraph_close" and out[-3].type == "paragraph_open":
        inline = out[-2]
        if inline.content.lstrip().startswith(_ATTRIBUTION):
            del out[-3:]
            caption_open = block_token("figcaption_open", "figcaption", 1)
            caption_open.map = inline.map
            return [
                block_token("blockquote_close", "blockquote", -1),
                caption_open,
                inline,
                block_token("figcaption_close", "figcaption", -1),
                block_token("quote_close", "figure", -1),
            ]
    return closing
