"""`nitrodeck pool fit --eif-path F`: how many more enclaves of that image fit, and why not one
more (nitro-cli's E-code, message and fix for the launch that would fail)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.platform.capacity import Fit, fit_json, fit_on, regions_label
from core.platform.cpulist import format_cpulist
from tui.cli.enclaves import platform_of
from tui.cli.output import print_json


def register_fit(sub: Any) -> None:
    fit = sub.add_parser("fit", help="how many more enclaves of an image fit, and why not one more")
    fit.add_argument("--eif-path", required=True, metavar="F", help="the image to place")
    fit.add_argument("--memory", type=int, metavar="MIB", help="per enclave (default: 4 × EIF)")
    fit.add_argument("--cpu-count", type=int, metavar="N", help="per enclave (default: one core)")
    fit.add_argument("--json", action="store_true")
    fit.set_defaults(handler=cmd_fit)


def cmd_fit(args: argparse.Namespace) -> int:
    result = fit_on(
        platform_of(args), Path(args.eif_path), memory_mib=args.memory, cpu_count=args.cpu_count
    )
    if args.json:
        print_json(fit_json(result))
    else:
        sys.stdout.write(render_fit(result))
    return 0


def render_fit(result: Fit) -> str:
    """The count, where each would go, and the rule that stops one more (with its fix)."""
    lines = [
        f"{result.count} more enclave(s) of {result.cpu_count} CPU(s) and {result.memory_mib} MiB "
        "fit in the pool now"
    ]
    for n, place in enumerate(result.placements, 1):
        lines.append(
            f"  #{n}: CPUs {format_cpulist(place.cpus)}, memory {regions_label(place.regions)}"
        )
    if result.placements:
        lines.append(f"  the first: {result.memory_note()}")
    lines.append(f"why not one more: {result.why_not_more()}")
    if result.blocker is not None and result.blocker.fix:
        lines.append(f"  fix: {result.blocker.fix}")
    return "".join(f"{line}\n" for line in lines)
