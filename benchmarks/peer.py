"""The peer pipeline: what a user could assemble in one line, against `publish build` (issue 19).

    for l in en ar fr; do pandoc -s -f markdown -t html5 -M lang=$l $l.md -o $l.html
                          weasyprint $l.html $l.pdf; done

on the three language files of the longest seed briefing, one after another in fresh processes
(imports included), against `publish build --format pdf briefings/we-exist-2020`, cold (empty
output folder and caches), default jobs. The Arabic file is also given `-M dir=rtl`, as its
writer would. Pandoc comes from the `pypandoc-binary` wheel of the bench extra, never from a
download; without it the figure is skipped. In the same rounds, publish with `--pdf-variant none`
(what its tagged PDF/UA output costs) and publish on a copy whose files say `toc: false` (what the
contents page, with its page numbers found by a second layout pass, costs).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from timing import LONGEST, PYTHON, ROOT, cold, copy_project, interleaved

LANGUAGES = ("en", "ar", "fr")


def pandoc_path() -> str | None:
    """Return the pandoc of the pypandoc-binary wheel, or None when it is not installed."""
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        return None


def peer_commands(pandoc: str, source: Path, folder: Path, lang: str) -> list[list[str]]:
    html, pdf = folder / f"{lang}.html", folder / f"{lang}.pdf"
    meta = ["-M", f"lang={lang}"] + (["-M", "dir=rtl"] if lang == "ar" else [])
    weasyprint = Path(PYTHON).with_name("weasyprint")
    return [
        [pandoc, "-s", "-f", "markdown", "-t", "html5", *meta, str(source / f"{lang}.md"), "-o", str(html)],
        [str(weasyprint), "-u", f"{source}/", str(html), str(pdf)],
    ]


def run_peer(pandoc: str, source: Path, folder: Path) -> float:
    """Run the peer pipeline on the three languages; return its wall time."""
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for lang in LANGUAGES:
        for command in peer_commands(pandoc, source, folder, lang):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return time.perf_counter() - start


def entries(outline: list) -> int:
    """Count the bookmarks of an outline, at every level."""
    return sum(entries(item) if isinstance(item, list) else 1 for item in outline)


def describe(pdfs: list[Path]) -> dict[str, object]:
    """What a reader sees of some PDFs: pages, and whether they are tagged and have bookmarks."""
    from pypdf import PdfReader

    pages, tagged, bookmarks = 0, 0, 0
    for path in pdfs:
        reader = PdfReader(path)
        pages += len(reader.pages)
        tagged += "/StructTreeRoot" in reader.trailer["/Root"]
        bookmarks += entries(reader.outline)
    return {"pdfs": len(pdfs), "pages": pages, "tagged": tagged, "bookmarks": bookmarks}


def peer_figures(work: Path, repeat: int) -> dict[str, object]:
    """Time the peer pipeline against publish, cold, taking turns; return the figures."""
    pandoc = pandoc_path()
    if pandoc is None:
        print("peer pipeline: skipped, Pandoc is not installed (the bench extra's pypandoc-binary)", flush=True)
        return {"skipped": "pypandoc-binary is not installed"}
    source = ROOT / "briefings" / LONGEST
    target = f"briefings/{LONGEST}"
    peer_out = work / "peer"
    no_toc = copy_project(work / "no-toc", (LONGEST,))
    for lang in LANGUAGES:
        path = no_toc / target / f"{lang}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("---\n", "---\ntoc: false\n", 1), encoding="utf-8")
    t = interleaved(
        repeat,
        {
            "peer": lambda: run_peer(pandoc, source, peer_out),
            "publish": lambda: cold(ROOT, work, "--format", "pdf", target, out="peer-publish"),
            "publish_no_ua": lambda: cold(
                ROOT, work, "--format", "pdf", "--pdf-variant", "none", target, out="peer-publish-none"
            ),
            "publish_no_toc": lambda: cold(no_toc, work, "--format", "pdf", target, out="peer-publish-no-toc"),
        },
    )
    version = subprocess.run([pandoc, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "briefing": LONGEST,
        "pandoc": version,
        "peer_s": round(t["peer"], 3),
        "publish_s": round(t["publish"], 3),
        "publish_vs_peer": round(t["publish"] / t["peer"], 3),
        "publish_no_pdf_ua_s": round(t["publish_no_ua"], 3),
        "pdf_ua_cost": round(t["publish"] / t["publish_no_ua"], 3),
        "publish_no_toc_s": round(t["publish_no_toc"], 3),
        "contents_cost": round(t["publish"] / t["publish_no_toc"], 3),
        "peer_pdfs": describe(sorted(peer_out.glob("*.pdf"))),
        "publish_pdfs": describe(sorted((work / "peer-publish" / "pdf").glob("*.pdf"))),
    }
