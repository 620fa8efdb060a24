"""`nitro-cli` over the simulator: nitrodeck's nitro-cli-compatible front end.

`python -m tui.cli.nitro_cli …` takes nitro-cli's subcommands and flags (run-enclave,
describe-enclaves, terminate-enclave, console, describe-eif, --version) and answers like nitro-cli
1.5: JSON on stdout, `[ Exx ]` text on stderr, the E-number as exit status, and an err log named
on the last line. Installed on `PATH` as `nitro-cli`, it lets `NitroPlatform` drive a real
nitro-cli-shaped program end to end on a machine without Nitro hardware (the tests do this).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from core.errors import NitrodeckError
from core.home import nitrodeck_home
from core.platform.errors import NitroCliError
from tui.cli import enclaves

VERSION = "Nitro CLI 1.5.0"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nitro-cli")
    parser.add_argument("--version", action="version", version=VERSION)
    subparsers = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")
    enclaves.register(subparsers)
    describe = subparsers.add_parser("describe-eif", help="an EIF's measurements and metadata")
    describe.add_argument("--eif-path", required=True)
    describe.set_defaults(handler=_describe_eif)
    return parser


def _describe_eif(args: argparse.Namespace) -> int:
    from tui.cli.main import main as nitrodeck_main

    return nitrodeck_main(["eif", "describe", "--json", args.eif_path])


def logs_dir() -> Path:
    """`NITRO_CLI_LOGS_PATH`, as nitro-cli; else the simulator's own log directory."""
    chosen = os.environ.get("NITRO_CLI_LOGS_PATH")
    return Path(chosen) if chosen else nitrodeck_home() / "sim" / "nitro_cli_logs"


def report(error: NitroCliError) -> str:
    """nitro-cli's stderr for `error` (a relayed inner error first), and the err log it names."""
    blocks = []
    inner = getattr(error, "inner", None)
    for item in (inner, error) if isinstance(inner, NitroCliError) else (error,):
        blocks.append(f"{item.what}\n\nFor more details, please visit {_link(item)}")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f%z")
    log = logs_dir() / f"err{stamp}.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"{error.what}\n{error.detail or ''}\n")
    except OSError:
        return "\n".join(blocks) + "\n"
    return "\n".join(blocks) + (
        f'\nIf you open a support ticket, please provide the error log found at "{log}"\n'
    )


def _link(error: NitroCliError) -> str:
    return f"https://docs.aws.amazon.com/enclaves/latest/user/cli-errors.html#{error.name}"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        build_parser().print_help(sys.stderr)
        return 2
    args.platform, args.profile = "sim", None
    try:
        result: int = handler(args)
        return result
    except NitroCliError as error:
        sys.stderr.write(report(error))
        return error.exit_code
    except NitrodeckError as error:
        print(f"[ E00 ] {error}", file=sys.stderr)
        return 0 if error.exit_code == 0 else 1
    except (KeyboardInterrupt, BrokenPipeError):
        return 0


if __name__ == "__main__":
    sys.exit(main())
