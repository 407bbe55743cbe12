"""`publish pair`: one PDF with two language versions of a briefing side by side, block beside
block (`bilingual.py` renders the page). Prepared like a build's documents (`prepare.py`),
typeset in this process."""

from __future__ import annotations

import logging
from pathlib import Path

from .config import load_project, output_folder
from .errors import PublishError
from .load import discover, load_briefing
from .model import DEFAULT_PDF_VARIANT
from .prepare import Brands, prepare_document, prepare_images
from .result import BuildResult, collecting_warnings

logger = logging.getLogger("publish.build")


def build_pair(
    path: Path | str,
    langs: tuple[str, str],
    *,
    out: Path | str | None = None,
    project_root: Path | str | None = None,
    pdf_variant: str | None = DEFAULT_PDF_VARIANT,
) -> BuildResult:
    """Build one PDF with two language versions of a briefing side by side, block beside block.

    Written to <out>/pdf/<slug>.<lang>+<lang>.pdf; a right-to-left language takes the right column.
    """
    result = BuildResult()
    with collecting_warnings(result, strict=False):
        try:
            _build_pair(result, path, langs, out, project_root, pdf_variant)
        except PublishError as exc:
            result.fail(exc)
    return result


def _build_pair(
    result: BuildResult,
    path: Path | str,
    langs: tuple[str, str],
    out: Path | str | None,
    project_root: Path | str | None,
    pdf_variant: str | None,
) -> None:
    from .bilingual import render_pair_page
    from .pdf_stage import warn_text_layer_fallback
    from .typeset import Typesetter

    project = load_project(Path(project_root) if project_root else None)
    out_dir = output_folder(project, out, "build")
    (folder,) = discover(project, [Path(path)])
    briefing = load_briefing(folder, project, tuple(langs))
    for exc in briefing.errors:
        result.fail(exc)
    missing = [lang for lang in langs if lang not in {s.lang for s in briefing.sources}]
    if missing:
        result.fail(PublishError(f"{folder.name} has no {' or '.join(missing)} version to pair"))
    if result.errors:
        return
    brands = Brands(project)
    by_lang = {s.lang: s for s in briefing.sources}
    docs = [prepare_document(briefing, by_lang[lang], brands) for lang in langs]
    layouts = brands.for_source(briefing, docs[0].source)
    substitutes = {
        image.original: image.print_path for doc in docs for image in prepare_images(doc, project, out_dir, layouts)
    }
    target = out_dir / "pdf" / f"{briefing.slug}.{langs[0]}+{langs[1]}.pdf"
    page = render_pair_page(docs[0], docs[1], layouts, target)
    roots = [project.layouts_dir, project.fonts_dir, project.briefings_dir]
    typesetter = Typesetter(roots, project.root, pdf_variant, frozenset(project.allow_hosts), project.pdf_time_limit)
    if typesetter.text_layer_fallback:
        warn_text_layer_fallback(typesetter.text_layer_fallback)
    typesetter.typeset(page, substitutes)
    result.outputs.append(target)
    logger.info("built %s", project.relative(target))
