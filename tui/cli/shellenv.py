"""`nitrodeck shellenv`: put nitrodeck's `nitro-cli` on PATH, so nitro-cli scripts run unchanged.

It links `$NITRODECK_HOME/bin/nitro-cli` to the nitrodeck program (or, when nitrodeck runs as
`python -m tui`, writes a two-line launcher) and prints the PATH line for `eval`. Run as
`nitro-cli`, nitrodeck is nitro-cli 1.5 (`tui.cli.nitro_cli`): over the simulator here, the real
nitro-cli (found by absolute path) on a Nitro parent. `nitrodeck nitro-cli …` is the same mode.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.home import ensure_private_dir
from tui.cli.output import cli_home

LAUNCHER = (
    '#!/bin/sh\n# nitrodeck nitro-cli mode\nPYTHONPATH={path} exec {python} -m tui nitro-cli "$@"\n'
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "shellenv", help="link nitro-cli to nitrodeck and print the PATH line: eval it"
    )
    parser.set_defaults(handler=run_shellenv, local_only=True)
    mode = subparsers.add_parser(  # every word after it is nitro-cli's, `--help` included
        "nitro-cli",
        help="nitro-cli 1.5's own commands, output and exit codes",
        prefix_chars="+",
        add_help=False,
    )
    mode.add_argument("words", nargs=argparse.REMAINDER, help="nitro-cli's command line")
    mode.set_defaults(handler=run_nitro_cli, local_only=True)


def run_shellenv(args: argparse.Namespace) -> int:
    link = install_link(cli_home(args) / "bin")
    print(f'export PATH={shlex.quote(str(link.parent))}:"$PATH"')
    print(f"{link} runs nitrodeck as nitro-cli", file=sys.stderr)
    return 0


def run_nitro_cli(args: argparse.Namespace) -> int:
    """`nitrodeck [--platform P] nitro-cli …` (without global options, `tui.cli.main` goes
    straight to the mode)."""
    from tui.cli.nitro_cli import main as nitro_cli_main

    return nitro_cli_main(args.words, platform=args.platform)


def install_link(directory: Path) -> Path:
    """`directory/nitro-cli`: a link to this nitrodeck program, else a launcher for it."""
    ensure_private_dir(directory)
    link = directory / "nitro-cli"
    program = Path(sys.argv[0]).resolve()
    try:
        if link.is_symlink() or link.exists():
            link.unlink()
        if program.name == "nitrodeck" and os.access(program, os.X_OK):
            link.symlink_to(program)
        else:
            repo = Path(__file__).resolve().parents[2]
            link.write_text(
                LAUNCHER.format(path=shlex.quote(str(repo)), python=shlex.quote(sys.executable))
            )
            link.chmod(0o755)
    except OSError as error:
        raise NitrodeckError(
            f"cannot create the nitro-cli link: {error.strerror}",
            where=str(link),
            fix="make $NITRODECK_HOME writable, or set NITRODECK_HOME to a directory you own",
        ) from error
    return link
