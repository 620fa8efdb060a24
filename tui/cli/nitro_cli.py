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
from core.home import Home
from core.nitro_errors import NitroCliError
from tui.cli import enclaves

VERSION = "Nitro CLI 1.5.0"
ACTIONS = {
    "run-enclave": "Run Enclave",
    "describe-enclaves": "Describe Enclaves",
    "terminate-enclave": "Terminate Enclave",
    "console": "Enclave Console",
    "describe-eif": "Describe EIF",
}


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


DEFAULT_LOGS = "/var/log/nitro_enclaves"


def logs_dir(home: Home) -> tuple[Path, str]:
    """Where to write err logs and the path to print: `NITRO_CLI_LOGS_PATH` as nitro-cli does;
    else `/var/log/nitro_enclaves` under `$NITRODECK_SYSROOT` (printed as the parent sees it);
    else the simulator's own log directory."""
    chosen = os.environ.get("NITRO_CLI_LOGS_PATH")
    if chosen:
        return Path(chosen), chosen
    root = os.environ.get("NITRODECK_SYSROOT")
    if root:
        return Path(root) / DEFAULT_LOGS.lstrip("/"), DEFAULT_LOGS
    own = home / "sim" / "nitro_cli_logs"
    return own, str(own)


def err_log(error: NitroCliError, action: str) -> str:
    """An err log in nitro-cli's layout: the action, then subactions outermost first."""
    chain = [error]
    inner = getattr(error, "inner", None)
    if isinstance(inner, NitroCliError):
        chain.append(inner)
    subactions = [line for e in chain for line in [e.what, *(e.detail or "").splitlines()] if line]
    return (
        f"  Action: {action}\n  Subactions:\n"
        + "".join(f"    {line}\n" for line in subactions)
        + "  Root error file: tui/cli/nitro_cli.py\n  Version: 1.5.0 (nitrodeck simulator)\n"
    )


def report(error: NitroCliError, action: str, home: Home) -> str:
    """nitro-cli's stderr for `error` (a relayed inner error first), and the err log it names."""
    blocks = []
    inner = getattr(error, "inner", None)
    for item in (inner, error) if isinstance(inner, NitroCliError) else (error,):
        blocks.append(f"{item.what}\n\nFor more details, please visit {_link(item)}")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f%z")
    directory, shown = logs_dir(home)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"err{stamp}.log").write_text(err_log(error, action))
    except OSError:
        return "\n".join(blocks) + "\n"
    return "\n".join(blocks) + (
        "\nIf you open a support ticket, please provide the error log found at "
        f'"{shown}/err{stamp}.log"\n'
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
    args.home = Home.resolve()
    try:
        result: int = handler(args)
        return result
    except NitroCliError as error:
        sys.stderr.write(report(error, ACTIONS.get(args.command, args.command), args.home))
        return error.exit_code
    except NitrodeckError as error:
        print(f"[ E00 ] {error}", file=sys.stderr)
        return 0 if error.exit_code == 0 else 1
    except (KeyboardInterrupt, BrokenPipeError):
        return 0


if __name__ == "__main__":
    sys.exit(main())
