"""Command line: `publish build|check|new|serve`, a thin shell over `publish.build()`.

Parses arguments, sets up logging, calls the library, and turns a PublishError into a message
and exit status 1. A Python traceback is shown only with --debug.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .build import DEFAULT_PDF_VARIANT, build, lint
from .errors import PublishError
from .model import OutputFormat
from .release import release


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="publish", description="Markdown briefings → PDFs and web pages.")
    parser.add_argument("--version", action="version", version=f"publish {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    commands = parser.add_subparsers(dest="command", required=True)

    # The common options are accepted after the command too: `publish build --debug`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks")
    common.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="only warnings and errors"
    )

    b = commands.add_parser("build", parents=[common], help="build PDFs and web pages")
    b.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="briefing folders (default: all)")
    b.add_argument("--lang", action="append", default=[], metavar="LANG", help="only this language (repeatable)")
    b.add_argument("--format", choices=[f.value for f in OutputFormat], help="only PDFs or only web pages")
    b.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: build/)")
    b.add_argument("--strict", action="store_true", help="treat warnings (missing alt text, …) as errors")
    b.add_argument(
        "--pdf-variant",
        default=DEFAULT_PDF_VARIANT,
        metavar="VARIANT",
        help="WeasyPrint PDF variant: pdf/ua-1 (default, tagged), pdf/a-3u, pdf/ua-2, …, or none",
    )

    c = commands.add_parser("check", parents=[common], help="check briefings without building anything")
    c.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="briefing folders (default: all)")
    c.add_argument("--lang", action="append", default=[], metavar="LANG", help="only this language (repeatable)")
    c.add_argument("--strict", action="store_true", help="treat warnings as errors")

    r = commands.add_parser(
        "release", parents=[common], help="build everything reproducibly: PDFs, the site as one archive, SHA256SUMS"
    )
    r.add_argument("--out", type=Path, metavar="DIR", help="release folder (default: dist/)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = make_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        if args.command == "build":
            formats = [OutputFormat(args.format)] if args.format else list(OutputFormat)
            variant = None if args.pdf_variant == "none" else args.pdf_variant
            result = build(
                args.paths, langs=args.lang, formats=formats, out=args.out, pdf_variant=variant, strict=args.strict
            )
            if not result.ok:
                print(f"publish: {len(result.errors)} error(s); the other outputs were built", file=sys.stderr)
                return 1
            return 0
        if args.command == "check":
            result = lint(args.paths, langs=args.lang, strict=args.strict)
            if not result.ok:
                print(f"publish: {len(result.errors)} error(s)", file=sys.stderr)
                return 1
            print(f"publish: no errors, {len(result.warnings)} warning(s)", file=sys.stderr)
            return 0
        if args.command == "release":
            released = release(args.out)
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
    return 0
