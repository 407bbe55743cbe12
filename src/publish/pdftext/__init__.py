"""PDF text that copies out right: WeasyPrint's text drawing, rewritten for the readers people copy from.

Input: the line boxes WeasyPrint 70.0 draws onto a page. Output: the same glyphs at the same
positions with the same fonts (pages look the same), written so that poppler (pdftotext, Evince,
Okular) and pdf.js (Firefox) give the writer's text back in logical order. Nothing is reshaped or
reordered before WeasyPrint: the text it is handed stays the writer's own.

What is written, and which reader needs it (docs/weasyprint-arabic-text.md has the details):

- Every glyph occurrence reads as exactly the characters it stands for. WeasyPrint maps each
  glyph once, from its first use, so a glyph shared by two clusters kept the first one's text
  (a yeh first seen with a fathatan read as nothing, everywhere). Occurrences that need other
  text get alias codes of the same glyph (CIDToGIDMap), each with its own ToUnicode entry.
- Both readers reverse right-to-left text character by character, the characters of a ligature
  glyph too: a right-to-left glyph standing for several characters keeps its first, and blank
  "carrier" glyphs just before it hold the others. A letter drawn without advance (the alef of
  Noto Naskh's lam-alef) gives its characters to carriers as well.
- A mark raised with a text rise is on another baseline for poppler, which made a line of it.
  It is wrapped in an ActualText span that starts and ends with carriers on the baseline.
- poppler's bidi is simpler than Unicode's: it reverses stretches of right-to-left letters,
  treats `. , : - / ،` like digits, and takes all of a page's lines in its majority direction.
  Zero-width direction marks (LRM, RLM) close runs and punctuation where it must see them, and
  tip the page's majority when Latin outweighs Arabic on an Arabic page; they come out as
  invisible characters, like the embedding marks poppler adds itself. A hyphen the writer typed
  at the end of a line gets one too: poppler would take it for hyphenation and drop it.
- A no-break space (U+00A0, U+202F: French typography's) drawn as a glyph of its own reads as
  one whitespace character, which both readers drop, inferring a plain space from the gap. In
  left-to-right text the glyph before it (in the same box, or ending the box before) reads as its
  own characters and the space, with an alias code whose advance runs to the space's end; the
  blank glyph of the space is not written. Firefox's copy step still makes it a space (NFKC, by
  design); its text layer and find bar keep it. Right-to-left runs keep theirs as they were.
- pdf.js reads glyphs in content order, in chunks it ends at every marked-content boundary or
  jump back, applies its own bidi to each and infers a space only where the next glyph starts
  to the right. Each run is written in pieces, in logical order; where a piece starts left of
  the previous one after a space, a blank glyph placed where pdf.js measures gaps recreates it.
  List markers, which WeasyPrint draws after everything else, are drawn with their item.

This reaches into WeasyPrint's drawing code, so it is pinned, and does so from one module,
`hooks`: `check()` refuses any other WeasyPrint version than `WEASYPRINT_VERSION`, or functions
whose parameters changed, and `text_layer()` replaces them only while a document is typeset.
Fonts must be TrueType (CIDFontType2) and embedded as subsets, as publish always has them; other
fonts are drawn by WeasyPrint itself.

The modules: `hooks` (WeasyPrint's functions replaced, the only one importing its internals),
`gather` (a text box's glyphs from Pango, as plain data: `glyphs`), `tree` (walks of the box
tree), `fonts` (font facts, alias codes), `pieces` and `plan` (pure planning: pieces in reading
order, direction marks, spaces, carriers' places) and `write` (the PDF operators).
"""

from .glyphs import is_mark
from .hooks import (
    WEASYPRINT_VERSION,
    WeasyPrintSignatureError,
    WeasyPrintVersionError,
    active,
    check,
    plain,
    text_layer,
)

__all__ = [
    "WEASYPRINT_VERSION",
    "WeasyPrintSignatureError",
    "WeasyPrintVersionError",
    "active",
    "check",
    "is_mark",
    "plain",
    "text_layer",
]
