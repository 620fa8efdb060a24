"""`nitrodeck explain`: a nitro-cli error code in plain words, or a captured error chain
collapsed to its root cause (reading the error logs it names).

    nitrodeck explain E26 [--json]
    nitro-cli run-enclave ... 2> err.txt; nitrodeck explain --from err.txt [--json]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from core.errors import UsageError
from core.explain import Entry, RootCause, collapse, lookup, parse_output
from core.input_files import read_input_text
from tui.cli.output import print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="explain a nitro-cli error code (E00-E60), or the root cause of a captured error",
    )
    parser.add_argument("code", nargs="?", metavar="EXX", help="e.g. E26, 26 or its enum name")
    parser.add_argument(
        "--from",
        dest="source",
        metavar="FILE",
        help="nitro-cli's stderr saved to a file (- for stdin): collapse its chain",
    )
    parser.add_argument("--json", action="store_true", help="print the explanation as JSON")
    parser.set_defaults(handler=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    if (args.code is None) == (args.source is None):
        raise UsageError(
            "give either an error code or --from FILE",
            fix="e.g. nitrodeck explain E39, or nitrodeck explain --from stderr.txt",
        )
    if args.code is not None:
        entry = lookup(args.code)
        if args.json:
            print_json(entry.to_json())
        else:
            sys.stdout.write(entry_text(entry))
        return 0
    cause = collapse(parse_output(_read(args.source)))
    if cause is None:
        raise UsageError(
            "no nitro-cli error ([ Exx ] line) in the input",
            where=args.source,
            fix="save nitro-cli's stderr (2> file) and pass that file",
        )
    if args.json:
        print_json(cause.to_json())
    else:
        sys.stdout.write(cause_text(cause))
    return 0


def _read(source: str) -> str:
    return sys.stdin.read() if source == "-" else read_input_text(source, "--from")


def entry_text(entry: Entry) -> str:
    return (
        f"{entry.code} {entry.name}: {entry.title}\n"
        f"  cause:   {entry.cause}\n"
        f"  usually: {entry.trigger}\n"
        f"  fix:     {entry.fix}\n"
        f"  docs:    {entry.docs}\n"
    )


def cause_text(cause: RootCause) -> str:
    """The root cause first, then how it surfaced, the evidence, and the fix."""
    lines = [f"root cause: {cause.code} {cause.entry.title}"]
    if cause.via:
        lines.append(f"  surfaced as: {' -> '.join(cause.chain)}")
    if cause.evidence:
        lines.append(f"  evidence: {cause.evidence}")
    if cause.log_path:
        lines.append(f"  error log: {cause.log_path}")
    lines.append(f"  fix: {cause.fix}")
    lines.append(f"  more: nitrodeck explain {cause.code}")
    return "\n".join(lines) + "\n"
