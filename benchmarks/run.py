"""Benchmark: publish against the peer pipeline, bare WeasyPrint and Typst; the edit loop; builds at scale.

    make bench                       everything (about 25 minutes on the 2-core reference machine)
    .venv/bin/python benchmarks/run.py --quick      the seed workload, 20 saves (about 4 minutes)

Every figure is a ratio of two timings taken in the same run, on the same machine, so runs on
different machines compare. Each timing is the wall time of a fresh process (interpreter start
and imports included: that is what a writer waits for), the best of `--repeat` runs. The peer
pipeline is in peer.py, the edit loop of `publish serve` in editloop.py. The results are printed,
with a summary of every ratio against its target, and written to benchmarks/results/<date>.json;
benchmarks/README.md keeps the history.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from editloop import edit_loop
from peer import peer_figures
from summary import summary, table
from timing import (
    PYTHON,
    ROOT,
    SEEDS,
    as_users_run,
    best,
    cold,
    copy_project,
    interleaved,
    page_count,
    publish,
    timed,
)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    with contextlib.suppress(OSError, IndexError):
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split(":")[1].strip()
    import weasyprint

    return {
        "cpu": cpu,
        "cores": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "system": platform.platform(),
        "weasyprint": weasyprint.__version__,
    }


# Bare WeasyPrint on the HTML publish made


def print_pages(project: Path, folder: Path) -> list[dict[str, str]]:
    """Render every seed document's print page with publish; save the HTML for bare WeasyPrint."""
    from publish.config import load_project
    from publish.load import discover, load_briefing
    from publish.prepare import Brands, parse_source
    from publish.render import render_print_page

    project_ = load_project(project)
    layouts = Brands(project_)
    pages = []
    for briefing_folder in discover(project_):
        briefing = load_briefing(briefing_folder, project_)
        for source in briefing.sources:
            doc = parse_source(briefing, source, layouts)
            out = folder / f"{source.slug}.{source.lang}.pdf"
            page = render_print_page(doc, layouts.for_source(briefing, source), out)
            html = folder / f"{source.slug}.{source.lang}.html"
            html.write_text(page.html, encoding="utf-8")
            pages.append({"html": str(html), "base_url": page.base_url, "pdf": str(out)})
    (folder / "pages.json").write_text(json.dumps(pages))
    return pages


BARE = """
import json, sys
import weasyprint
from weasyprint.text.fonts import FontConfiguration
import contextlib
layer = contextlib.nullcontext()
if "pdftext" in sys.argv[2:]:  # the same, with publish's text rewrite for readers (publish.pdftext)
    from publish import pdftext

    layer = pdftext.text_layer()
if "gc" in sys.argv[2:]:  # the same, with the garbage collector set as publish's typesetters set it
    import gc
    from publish.workers import GC_THRESHOLD

    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
fonts = FontConfiguration()
with layer:
    for page in json.load(open(sys.argv[1])):
        html = open(page["html"], encoding="utf-8").read()
        document = weasyprint.HTML(string=html, base_url=page["base_url"]).render(font_config=fonts)
        document.write_pdf(page["pdf"], pdf_variant="pdf/ua-1")
"""


# Typst on the same text


def typst_sources(project: Path, folder: Path) -> list[Path]:
    """Write each seed document as Typst: what publish typesets, in the same fonts and page size.

    A title page, the contents (as publish makes them: three sections or more), headings,
    paragraphs, lists, and a signatory block's names in two columns; not the running heads,
    brand colours or pull-quote boxes.
    """
    import csv

    from markdown_it import MarkdownIt

    from publish.config import load_project
    from publish.load import discover, load_briefing

    md = MarkdownIt("commonmark")
    project_ = load_project(project)
    made = []
    for briefing_folder in discover(project_):
        for source in load_briefing(briefing_folder, project_).sources:
            rtl = source.lang == "ar"
            fonts = '("Noto Naskh Arabic", "Noto Serif")' if rtl else '("Noto Serif", "Noto Naskh Arabic")'
            lines = [
                '#set page(paper: "a4", margin: (inside: 25mm, outside: 18mm, y: 20mm), numbering: "1")',
                f'#set text(font: {fonts}, size: 10.5pt, lang: "{source.lang}", dir: {"rtl" if rtl else "ltr"})',
                "#set par(justify: true)",
                f"#align(horizon)[#text(size: 24pt)[{escape(source.meta.title)}]]",
                "#pagebreak()",
            ]
            if source.body.count("\n## ") >= 3:
                lines += ["#outline()", "#pagebreak()"]
            depth = 0
            for token in md.parse(source.body):
                if token.type in ("bullet_list_open", "ordered_list_open"):
                    depth += 1
                elif token.type in ("bullet_list_close", "ordered_list_close"):
                    depth -= 1
                elif token.type == "heading_open":
                    lines.append("=" * int(token.tag[1]) + " ")
                elif token.type == "inline" and token.content.startswith(":::"):
                    # A container's opening line: a signatory list is typeset from its CSV.
                    options = dict(part.split("=", 1) for part in token.content.split()[2:] if "=" in part)
                    if "file" in options:
                        with open(briefing_folder / options["file"], encoding="utf-8", newline="") as rows:
                            names = [escape(row["name"]) for row in csv.DictReader(rows)]
                        lines.append("#columns(2)[\n" + "\n".join(f"- {name}" for name in names) + "\n]")
                elif token.type == "inline":
                    text = escape(token.content.replace("\n", " "))
                    if lines[-1].endswith(" ") and lines[-1].strip("= ") == "":
                        lines[-1] += text
                    elif depth:
                        lines.append("  " * (depth - 1) + "- " + text)
                    else:
                        lines.append("\n" + text + "\n")
            path = folder / f"{source.slug}.{source.lang}.typ"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            made.append(path)
    return made


def escape(text: str) -> str:
    return "".join("\\" + c if c in "*_#$@<>`[]\\/~=-+" else c for c in text)


TYPST = """
import sys, typst
for path in sys.argv[2:]:
    typst.compile(path, output=path[:-4] + ".pdf", font_paths=[sys.argv[1]], ignore_system_fonts=True)
"""


# The archive


def archive(size: int, folder: Path) -> Path:
    """Make a project of `size` briefings in three languages, from the seed briefings."""
    project = copy_project(folder / f"archive-{size}", briefings=())
    for n in range(size):
        seed = ROOT / "briefings" / SEEDS[n % len(SEEDS)]
        target = project / "briefings" / f"briefing-{n:04d}"
        shutil.copytree(seed, target)
        for md in target.glob("*.md"):
            text = md.read_text(encoding="utf-8")
            md.write_text(text.replace("title: ", f"title: {n + 1} · ", 1), encoding="utf-8")
    return project


def long_briefing(folder: Path, pages: int = 100) -> Path:
    """Make a project with one English briefing of about `pages` pages."""
    project = copy_project(folder / "long", briefings=())
    seed = (ROOT / "briefings" / "we-exist-2020" / "en.md").read_text(encoding="utf-8")
    head, _, body = seed.partition("\n---\n")
    parts = [
        f"\n## Part {n + 1}\n\n" + body.replace("\n## ", "\n### ").replace("[^", f"[^p{n}-")
        for n in range(pages * 14 // 100)
    ]
    (project / "briefings" / "long").mkdir(parents=True)
    (project / "briefings" / "long" / "en.md").write_text(head + "\n---\n" + "".join(parts), encoding="utf-8")
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the seed workload only, --repeat 2, --saves 20")
    parser.add_argument("--repeat", type=int, help="runs of each short timing (the best counts; default 3)")
    parser.add_argument("--saves", type=int, help="saves in the edit loop of publish serve (default 200)")
    parser.add_argument("--sizes", default="30,100,300", help="archive sizes, in briefings")
    args = parser.parse_args()
    as_users_run()
    args.repeat = args.repeat or (2 if args.quick else 3)
    args.saves = args.saves or (20 if args.quick else 200)
    figures: dict[str, object] = {"date": datetime.date.today().isoformat(), "machine": machine()}
    with tempfile.TemporaryDirectory(prefix="publish-bench-") as tmp:
        work = Path(tmp)
        env_date = {"SOURCE_DATE_EPOCH": "1607472000"}
        os.environ.update(env_date)

        # 1. Overhead over bare WeasyPrint, PDFs only, one process.
        pages = work / "pages"
        pages.mkdir()
        print_pages(ROOT, pages)
        # 2. Parallel against serial: the full cold build (PDFs and site).
        # The runs of both sections take turns, round after round, so that the machine's drift
        # (a shared virtual machine's speed moves by several per cent over minutes) hits all alike.
        bare_run = [PYTHON, "-c", BARE, str(pages / "pages.json")]
        t = interleaved(
            args.repeat,
            {
                "bare": lambda: timed(bare_run),
                "serial_pdf": lambda: cold(ROOT, work, "--format", "pdf", "--jobs", "1"),
                # How much of the overhead is publish.pdftext (Arabic that copies out right).
                "with_pdftext": lambda: timed([*bare_run, "pdftext"]),
                # publish's typesetters run the garbage collector less often: bare WeasyPrint set so too.
                "same_gc": lambda: timed([*bare_run, "gc"]),
                "serial": lambda: cold(ROOT, work, "--jobs", "1"),
                "parallel": lambda: cold(ROOT, work),
                "parallel_pdf": lambda: cold(ROOT, work, "--format", "pdf"),
            },
        )
        bare, serial_pdf, parallel = t["bare"], t["serial_pdf"], t["parallel"]
        figures["seed_pdfs"] = len(json.loads((pages / "pages.json").read_text()))
        figures["bare_weasyprint_s"] = round(bare, 3)
        figures["publish_serial_pdf_s"] = round(serial_pdf, 3)
        figures["overhead_vs_weasyprint"] = round(serial_pdf / bare, 3)
        figures["bare_weasyprint_with_pdftext_s"] = round(t["with_pdftext"], 3)
        figures["pdftext_vs_weasyprint"] = round(t["with_pdftext"] / bare, 3)
        figures["overhead_vs_weasyprint_with_pdftext"] = round(serial_pdf / t["with_pdftext"], 3)
        figures["bare_weasyprint_same_gc_s"] = round(t["same_gc"], 3)
        figures["overhead_vs_weasyprint_same_gc"] = round(serial_pdf / t["same_gc"], 3)
        figures["publish_serial_full_s"] = round(t["serial"], 3)
        figures["publish_parallel_full_s"] = round(parallel, 3)
        figures["parallel_vs_serial"] = round(parallel / t["serial"], 3)
        figures["publish_parallel_pdf_s"] = round(t["parallel_pdf"], 3)
        parallel_pdf = t["parallel_pdf"]

        # The peer pipeline (Pandoc and the WeasyPrint CLI) on the longest briefing, and PDF/UA's cost.
        print("peer pipeline…", flush=True)
        figures["peer"] = peer_figures(work, args.repeat)

        # 3. Nothing changed, and one language file changed.
        out = work / "out"
        timed(publish(ROOT, out), cwd=ROOT)
        noop = best(max(args.repeat, 5), lambda: timed(publish(ROOT, out), cwd=ROOT))
        figures["noop_s"] = round(noop, 3)
        project = archive(3, work)  # a copy of the seeds, to edit
        timed(publish(project, project / "build"), cwd=project)
        source = project / "briefings" / "briefing-0000" / "fr.md"
        source.write_text(source.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", encoding="utf-8")
        figures["one_file_changed_s"] = round(timed(publish(project, project / "build"), cwd=project), 3)

        # 4. Typst on the same text.
        typ = work / "typst"
        typ.mkdir()
        sources = typst_sources(ROOT, typ)
        typst_time = best(args.repeat, lambda: timed([PYTHON, "-c", TYPST, str(ROOT / "fonts"), *map(str, sources)]))
        figures["typst_s"] = round(typst_time, 3)
        figures["publish_full_vs_typst"] = round(parallel / typst_time, 2)
        figures["publish_pdf_vs_typst"] = round(parallel_pdf / typst_time, 2)
        figures["bare_weasyprint_vs_typst"] = round(bare / typst_time, 2)

        # The edit loop of publish serve: save → page, save → PDF, memory over many saves.
        print(f"edit loop of publish serve, {args.saves} saves…", flush=True)
        figures["edit_loop"] = edit_loop(work, args.saves, cli_runs=args.repeat)

        if not args.quick:
            # 5. Memory: one worker typesetting a briefing of about 100 pages.
            long = long_briefing(work)
            from publish import build
            from publish.model import OutputFormat

            result = build(project_root=long, out=long / "build", formats=[OutputFormat.PDF], jobs=2, force=True)
            assert result.ok, result.errors
            figures["long_briefing_pages"] = page_count(long / "build" / "pdf")
            figures["worker_peak_memory_mb"] = round(result.peak_memory / 2**20)

            # 6. The archive: cold, nothing changed, time per PDF page as it grows.
            scale = {}
            for index, size in enumerate(int(s) for s in args.sizes.split(",")):
                project = archive(size, work)
                if index == 0:
                    # Parallel against serial on a workload where the pool's start is amortised.
                    serial_archive = timed(publish(project, project / "serial", "--jobs", "1"), cwd=project)
                    shutil.rmtree(project / "serial")
                cold_time = timed(publish(project, project / "build"), cwd=project)
                if index == 0:
                    figures["archive_parallel_vs_serial"] = {
                        "briefings": size,
                        "serial_s": round(serial_archive, 1),
                        "parallel_s": round(cold_time, 1),
                        "ratio": round(cold_time / serial_archive, 3),
                    }
                noop_time = timed(publish(project, project / "build"), cwd=project)
                pdf_pages = page_count(project / "build" / "pdf")
                scale[size] = {
                    "outputs": size * 3,
                    "pdf_pages": pdf_pages,
                    "cold_s": round(cold_time, 1),
                    "noop_s": round(noop_time, 3),
                    "ms_per_pdf_page": round(1000 * cold_time / pdf_pages, 1),
                }
                print(f"archive {size}: {scale[size]}", flush=True)
                shutil.rmtree(project)
            figures["archive"] = scale

    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{figures['date']}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    print(f"written to {path.relative_to(ROOT)}\n")
    print(table(summary(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
