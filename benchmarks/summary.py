"""The summary at the end of a run: every ratio, its target, and whether it is met.

The targets are issue 19's (peer, edit loop, no-op) and the memory bounds; the figures of earlier
speed targets (overhead over bare WeasyPrint, pool over serial, Typst as the engine-bound limit)
are reported without one, as that issue retired them."""

from __future__ import annotations


def summary(f: dict) -> list[tuple[str, str, str, bool | None]]:
    """Return every ratio of a run: what it is, its value, its target, and whether it is met."""
    rows: list[tuple[str, str, str, bool | None]] = []
    peer = f.get("peer", {})
    if "publish_vs_peer" in peer:
        ours, theirs = peer["publish_pdfs"], peer["peer_pdfs"]
        rows.append(
            (
                f"publish cold / peer (Pandoc + WeasyPrint CLI), {peer['briefing']}, 3 PDFs",
                f"{peer['publish_s']:.2f} s / {peer['peer_s']:.2f} s = {peer['publish_vs_peer']:.2f}×",
                "≤ 1.0×",
                peer["publish_vs_peer"] <= 1.0,
            )
        )
        rows.append(
            (
                "… publish / peer: pages, tagged PDFs, bookmarks",
                ", ".join(f"{ours[key]} / {theirs[key]}" for key in ("pages", "tagged", "bookmarks")),
                "",
                None,
            )
        )
        rows.append(("… PDF/UA-1 (default) / --pdf-variant none", f"{peer['pdf_ua_cost']:.2f}×", "", None))
        if "contents_cost" in peer:
            rows.append(("… with contents page (default) / toc: false", f"{peer['contents_cost']:.2f}×", "", None))
    else:
        rows.append(("publish cold / peer pipeline", "skipped: " + peer.get("skipped", "?"), "≤ 1.0×", None))
    loop = f.get("edit_loop", {})
    if loop:
        page, pdf, cli = loop["save_to_page"], loop["save_to_pdf"], loop["cli_one_language"]
        rows.append(
            ("serve: save → page reloaded (median)", f"{page['median_s']:.2f} s", "≤ 0.5 s", page["median_s"] <= 0.5)
        )
        rows.append(
            (
                "serve: save → PDF shown / CLI one-language rebuild (medians)",
                f"{pdf['median_s']:.2f} s / {cli['median_s']:.2f} s = {loop['pdf_vs_cli']:.2f}×",
                "≤ 0.7×",
                loop["pdf_vs_cli"] <= 0.7,
            )
        )
        if "memory_growth" in loop:
            memory = loop["serve_memory"]
            first, last = memory["10"], memory[str(loop["saves"])]
            rows.append(
                (
                    f"serve RSS, process and descendants: save {loop['saves']} / save 10",
                    f"{last['rss_mb']:.0f} MB / {first['rss_mb']:.0f} MB = {loop['memory_growth']:.2f}×"
                    f" (PSS {last['pss_mb']:.0f} MB)",
                    "flat (≤ 1.1×)",
                    loop["memory_growth"] <= 1.1,
                )
            )
    rows.append(("no-op build, whole repository", f"{f['noop_s']:.3f} s", "≤ 0.2 s", f["noop_s"] <= 0.2))
    rows.append(
        (
            "publish PDFs serial cold / bare WeasyPrint",
            f"{f['overhead_vs_weasyprint']:.2f}×",
            "(reported)",
            None,
        )
    )
    rows.append(
        ("… bare WeasyPrint + publish.pdftext / bare WeasyPrint", f"{f['pdftext_vs_weasyprint']:.2f}×", "", None)
    )
    rows.append(
        (
            "cold full build, default pool / --jobs 1",
            f"{f['parallel_vs_serial']:.2f}×",
            "(reported)",
            None,
        )
    )
    if "archive_parallel_vs_serial" in f:
        ratio = f["archive_parallel_vs_serial"]["ratio"]
        rows.append(("… on the archive", f"{ratio:.2f}×", "(reported)", None))
    rows.append(
        ("cold full build / Typst (the engine-bound limit)", f"{f['publish_full_vs_typst']:.1f}×", "(reported)", None)
    )
    if "worker_peak_memory_mb" in f:
        memory = f["worker_peak_memory_mb"]
        rows.append(
            (f"worker peak memory, {f['long_briefing_pages']}-page briefing", f"{memory} MB", "< 400 MB", memory < 400)
        )
    if f.get("archive"):
        sizes = list(f["archive"].values())
        growth = sizes[-1]["ms_per_pdf_page"] / sizes[0]["ms_per_pdf_page"]
        rows.append(
            (
                f"archive: ms per PDF page, {sizes[-1]['outputs']} / {sizes[0]['outputs']} PDFs",
                f"{sizes[-1]['ms_per_pdf_page']} / {sizes[0]['ms_per_pdf_page']} = {growth:.2f}×",
                "flat (≤ 1.1×)",
                growth <= 1.1,
            )
        )
    return rows


def table(rows: list[tuple[str, str, str, bool | None]]) -> str:
    """Return the summary as a plain-text table."""
    head = ("figure", "measured", "target", "")
    lines = [(name, value, target, "" if ok is None else "met" if ok else "MISSED") for name, value, target, ok in rows]
    widths = [max(len(row[i]) for row in [head, *lines]) for i in range(4)]
    out = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [head, *lines]
    ]
    out.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(out)
