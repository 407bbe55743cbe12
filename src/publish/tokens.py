"""markdown-it tokens that publish's plugins (containers, programmes, signatories) add to a document."""

from __future__ import annotations

from markdown_it.token import Token


def block_token(kind: str, tag: str, nesting: int, attrs: dict[str, str] | None = None) -> Token:
    """Return a block-level token: `nesting` 1 opens `tag`, -1 closes it; `attrs` are its attributes."""
    token = Token(kind, tag, nesting)
    token.block = True
    for key, value in (attrs or {}).items():
        token.attrSet(key, value)
    return token
