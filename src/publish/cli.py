"""Command line: `publish build|check|pair|release|new|serve`, a thin shell over the library.

Parses arguments, sets up the console (console.py: log lines, a progress bar and a summary
table, colours only on a terminal), calls the library, and turns a PublishError into a message
and exit status 1. A Python traceback is shown only with --debug.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ._version import __version__
from .build import build, lint
from .console import BuildReport, Verbosity, make_console, setup_logging
from .errors import PublishError
from .model import DEFAULT_PDF_VARIANT, OutputFormat
from .pair import build_pair
from .release import release

if TYPE_CHECKING:
    from rich.console import Console


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="publish", description="Markdown briefings → PDFs and web pages.")
    parser.add_argument("--version", action="version", version=f"publish {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every step and every output")
    commands = parser.add_subparsers(dest="command", required=True)

    # The common options are accepted after the command too: `publish build --debug`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks")
    common.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="only warnings and errors"
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="every step and every output"
    )

    b = commands.add_parser("build", parents=[common], help="build PDFs and web pages")
    b.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="briefing folders (default: all)")
    b.add_argument("--lang", action="append", default=[], metavar="LANG", help="only this language (repeatable)")
    b.add_argument("--format", choices=[f.value for f in OutputFormat], help="only PDFs or only web pages")
    b.add_argument("--out", type=_folder, metavar="DIR", help="output folder (default: build/)")
    b.add_argument("--strict", action="store_true", help="treat warnings (missing alt text, …) as errors")
    b.add_argument(
        "--pdf-variant",
        default=DEFAULT_PDF_VARIANT,
        metavar="VARIANT",
        help="WeasyPrint PDF variant: pdf/ua-1 (default, tagged), pdf/a-3u, pdf/ua-2, …, or none",
    )
    b.add_argument("--force", action="store_true", help="make every output again, ignoring the cache")
    b.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        help="typeset N PDFs at once (default: one per core, as memory allows; 1: in this process)",
    )
    b.add_argument(
        "--shard",
        type=_shard,
        metavar="I/N",
        help="build only the I-th of N slices of the outputs (CI matrices); merge with an unsharded build",
    )

    c = commands.add_parser("check", parents=[common], help="check briefings without building anything")
    c.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="briefing folders (default: all)")
    c.add_argument("--lang", action="append", default=[], metavar="LANG", help="only this language (repeatable)")
    c.add_argument("--strict", action="store_true", help="treat warnings as errors")

    p = commands.add_parser(
        "pair", parents=[common], help="one PDF with two languages of a briefing side by side, block beside block"
    )
    p.add_argument("path", type=Path, metavar="PATH", help="the briefing folder")
    p.add_argument("langs", nargs=2, metavar="LANG", help="the two languages, e.g. en ar (Arabic goes on the right)")
    p.add_argument("--out", type=_folder, metavar="DIR", help="output folder (default: build/)")

    r = commands.add_parser(
        "release", parents=[common], help="build everything reproducibly: PDFs, the site as one archive, SHA256SUMS"
    )
    r.add_argument("--out", type=_folder, metavar="DIR", help="release folder (default: dist/)")

    n = commands.add_parser(
        "new", parents=[common], help="create a briefing folder with a file per language, ready to build"
    )
    n.add_argument("slug", metavar="SLUG", help="the folder's name under briefings/, e.g. idlib-statement-2026")
    n.add_argument(
        "--lang", action="append", default=[], metavar="LANG", help="a language (repeatable; default: the project's)"
    )
    n.add_argument("--brand", metavar="BRAND", help="the layout brand (a folder of layouts/), in briefing.toml")

    s = commands.add_parser(
        "serve", parents=[common], help="preview the web pages on this computer, rebuilt and reloaded as you edit"
    )
    s.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="briefing folders (default: all)")
    s.add_argument("--port", type=int, default=8000, help="the port to listen on (default: 8000; 0: any free one)")
    s.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1, this computer only)"
    )
    s.add_argument("--out", type=_folder, metavar="DIR", help="output folder (default: build/)")
    s.add_argument("--no-pdf", action="store_true", help="do not typeset the PDFs in the background")
    return parser


def _folder(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("--out needs a folder name, not an empty string")
    return Path(text)


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--jobs takes a number of processes (1 or more), not {text!r}")
    return int(text)


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise argparse.ArgumentTypeError(f"--shard takes I/N with 1 ≤ I ≤ N, such as 2/3, not {text!r}")
    return int(index), int(count)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = make_parser().parse_args(argv)
    verbosity = Verbosity.QUIET if args.quiet else Verbosity.VERBOSE if args.verbose else Verbosity.NORMAL
    console = make_console()
    logging_handler = setup_logging(console, verbosity)
    try:
        if args.command == "build":
            formats = [OutputFormat(args.format)] if args.format else list(OutputFormat)
            variant = None if args.pdf_variant == "none" else args.pdf_variant
            # Only what was asked for: an older build() (or a test's stand-in) takes the same call.
            speed = {k: v for k, v in (("force", args.force), ("jobs", args.jobs), ("shard", args.shard)) if v}
            with BuildReport(console, verbosity) as report:
                result = build(
                    args.paths,
                    langs=args.lang,
                    formats=formats,
                    out=args.out,
                    pdf_variant=variant,
                    strict=args.strict,
                    progress=report,
                    **speed,
                )
            report.summary(result)
            if not result.ok:
                print(report.outcome(result), file=sys.stderr)
                return 1
            return 0
        if args.command == "check":
            result = lint(args.paths, langs=args.lang, strict=args.strict)
            if not result.ok:
                print(f"publish: {len(result.errors)} error(s)", file=sys.stderr)
                return 1
            print(f"publish: no errors, {len(result.warnings)} warning(s)", file=sys.stderr)
            return 0
        if args.command == "pair":
            result = build_pair(args.path, tuple(args.langs), out=args.out)
            if not result.ok:
                print(f"publish: {len(result.errors)} error(s)", file=sys.stderr)
                return 1
            return 0
        if args.command == "new":
            return _new(args, console)
        if args.command == "serve":
            return _serve(args, console)
        if args.command == "release":
            released = release(args.out)
            if verbosity >= Verbosity.NORMAL:
                print(released.written(), file=sys.stderr)
            if not released.ok:
                print(f"publish: {released.summary()}", file=sys.stderr)
                return 1
            return 0
    except PublishError as exc:
        if args.debug:
            raise
        print(f"publish: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception:
        if args.debug:
            raise
        print(
            "publish: internal error (a bug in publish, not in your briefing); run again with --debug "
            "and report the traceback",
            file=sys.stderr,
        )
        return 2
    finally:
        logging_handler.close()  # main() may run again in the same process (tests, tools)
    return 0


def _new(args: argparse.Namespace, console: Console) -> int:
    from .config import load_project
    from .scaffold import new_briefing

    project = load_project()
    made = new_briefing(project, args.slug, args.lang, args.brand)
    for path in made.files:
        console.print(f"created {project.relative(path)}", soft_wrap=True)
    console.print(f"publish: build it with: publish build {project.relative(made.folder)}", soft_wrap=True)
    return 0


def _serve(args: argparse.Namespace, console: Console) -> int:
    import signal
    import time

    from .config import load_project
    from .serve import Preview

    project = load_project(args.paths[0] if args.paths else None)
    out = args.out.resolve() if args.out else project.root / "build"
    try:
        preview = Preview(project, out, args.paths or None, args.host, args.port, pdf=not args.no_pdf)
    except OSError as exc:
        raise PublishError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            hint="another program uses this port: choose another with --port, e.g. --port 8001",
        ) from None
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        logging.getLogger(__name__).warning("serving on %s: other computers can see the drafts", args.host)
    # A polite stop (Ctrl+C, or SIGTERM from a test or a process manager) ends the PDF process too.
    signal.signal(signal.SIGTERM, _interrupt)
    preview.start()
    # stdout, one line: tools and tests read the address from it.
    print(f"Serving {preview.start_page()} (Ctrl+C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        preview.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
