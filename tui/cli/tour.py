"""`nitrodeck tour`: the self-running tour, in a home of its own on the simulator.

The tour prepares its story (demo image, an enclave, a key) under `<home>/tour`, so it never
touches the user's enclaves or keys, and stops its enclave and KMS when it ends (`--keep` not).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tui.cli.output import cli_home


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tour = subparsers.add_parser("tour", help="a self-running tour of the app, with narration")
    tour.add_argument(
        "--delay",
        type=float,
        default=0.0,
        metavar="S",
        help="advance every S seconds (booths, talks); 0 waits for a key at each step",
    )
    tour.add_argument(
        "--record",
        dest="tour_record",
        type=Path,
        default=None,
        metavar="FILE",
        help="record the tour as an asciicast v2 file (asciinema play FILE)",
    )
    tour.add_argument("--exit-at-end", action="store_true", help="quit after the last step")
    tour.add_argument(
        "--keep", action="store_true", help="leave the tour's enclave and local KMS running"
    )
    tour.set_defaults(handler=run_tour)


def run_tour(args: argparse.Namespace) -> int:
    from core.sandbox import stop_home
    from core.tour import tour_home
    from tui.app import run_app

    home = tour_home(cli_home(args))
    args.home = home  # the app starts in the tour's home; this process's environment stays
    args.platform = "sim"
    args.record = args.tour_record or args.record
    try:
        return run_app(
            args,
            start_view="tour",
            tour_delay=args.delay,
            tour_exit=args.exit_at_end,
            tour_in_place=True,
        )
    finally:
        if not args.keep:
            stop_home(home)
