// Text of PDFs as pdf.js (Firefox's PDF viewer) extracts it:
//   node tests/pdfjs_text.mjs [--raw] TOP BOTTOM FILE...
//
// Prints one JSON object, {file: text}. Each page's text items are joined in pdf.js's order,
// with a newline where pdf.js marks the end of a line (hasEOL), as its text layer lays them out
// for selection; only items whose baseline is more than TOP points below the top of the page
// and BOTTOM points above its bottom are kept: the type area, without running heads and folios.
// The text is then normalised as Firefox does when it is copied (normalizeUnicode, and null
// characters removed). With --raw it is not: the items' text as Firefox's text layer and find
// bar get it (getTextContent with disableNormalization), where no-break spaces (U+00A0, U+202F)
// are still themselves; the copy step turns them into plain spaces, by design (NFKC).
// pdfjs-dist comes from tests/package.json (`make setup`); nothing is downloaded here.

// Text extraction draws nothing: a stand-in for the DOMMatrix pdf.js builds when it loads
// (the canvas package that would provide it is optional and not installed).
globalThis.DOMMatrix ??= class DOMMatrix {
  constructor(init = [1, 0, 0, 1, 0, 0]) {
    [this.a, this.b, this.c, this.d, this.e, this.f] = init;
  }
};
const { getDocument, normalizeUnicode, VerbosityLevel } = await import("pdfjs-dist/legacy/build/pdf.mjs");
const { readFileSync } = await import("node:fs");

const args = process.argv.slice(2);
const raw = args[0] === "--raw";
const [top, bottom, ...files] = args.slice(raw ? 1 : 0).map((arg, i) => (i < 2 ? Number(arg) : arg));
const texts = {};
for (const file of files) {
  const data = new Uint8Array(readFileSync(file));
  const doc = await getDocument({ data, verbosity: VerbosityLevel.ERRORS, isEvalSupported: false }).promise;
  let text = "";
  for (let number = 1; number <= doc.numPages; number++) {
    const page = await doc.getPage(number);
    const [, low, , high] = page.view;
    const content = await page.getTextContent({ disableNormalization: raw });
    for (const item of content.items) {
      const y = item.transform[5];
      if (y < low + bottom || y > high - top) continue;
      text += item.str + (item.hasEOL ? "\n" : "");
    }
    text += "\n";
  }
  texts[file] = (raw ? text : normalizeUnicode(text)).replaceAll("\0", "");
  await doc.destroy();
}
process.stdout.write(JSON.stringify(texts));
