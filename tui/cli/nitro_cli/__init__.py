"""nitrodeck's nitro-cli mode: nitro-cli 1.5's command lines, output and exit codes, unchanged.

Reached as `nitrodeck nitro-cli …` or as a program named `nitro-cli` (a link `nitrodeck
shellenv` makes, or a copy). On a real parent it hands the whole command line to the real
nitro-cli (found by absolute path, never nitrodeck itself: `core.platform.nitro.nitro_cli`); on
the simulator it answers itself: clap's parsing and usage errors (exit 2), nitro-cli's JSON on
stdout and lines on stderr, and every failure as nitro-cli's `[ Exx ]` block with exit status =
E-number (run-enclave's enclave-process failures relayed, then E39). Only the modules a command
needs are imported. `python -m tui.cli.nitro_cli` is the simulator's side alone (the test
suite's stand-in for a real nitro-cli).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from tui.cli.nitro_cli.clap import ClapExit, Values, parse

# subcommand -> (module, handler, nitro-cli's action name for its err log)
HANDLERS = {
    "run-enclave": ("enclaves", "run_enclave", "Run Enclave"),
    "describe-enclaves": ("enclaves", "describe_enclaves", "Describe Enclave"),
    "terminate-enclave": ("enclaves", "terminate_enclave", "Terminate Enclave"),
    "console": ("enclaves", "console", "Enclave Console"),
    "build-enclave": ("images", "build_enclave", "Build Enclave"),
    "describe-eif": ("images", "describe_eif", "Describe EIF"),
    "pcr": ("images", "pcr", "File PCR"),
    "sign-eif": ("images", "sign_eif", "Sign EIF"),
    "explain": ("images", "explain", "Explain Error"),
}


def main(argv: Sequence[str] | None = None, platform: str | None = None) -> int:
    """nitro-cli mode: the real nitro-cli on a Nitro parent, else the simulator's answers
    (`platform`, else `$NITRODECK_PLATFORM`, else what this machine is)."""
    import os

    from core.platform.local import default_platform_name

    words = list(sys.argv[1:] if argv is None else argv)
    if (platform or os.environ.get("NITRODECK_PLATFORM") or default_platform_name()) == "nitro":
        from core.errors import NitrodeckError
        from core.platform.nitro.nitro_cli import exec_real_nitro_cli

        try:
            return exec_real_nitro_cli(words)
        except NitrodeckError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return simulated(words)


def simulated(words: list[str]) -> int:
    """nitro-cli's behaviour over the simulator."""
    try:
        sub, values = parse(words)
    except ClapExit as done:
        (sys.stdout if done.status == 0 else sys.stderr).write(done.text)
        return done.status
    module, name, action = HANDLERS[sub.name]
    handler: Callable[[Values], int] = getattr(import_module(f"tui.cli.nitro_cli.{module}"), name)
    from core.errors import NitrodeckError

    try:
        return handler(values)
    except NitrodeckError as error:
        from tui.cli.nitro_cli.blocks import block

        if error.code is None:  # nitrodeck's own trouble (say, the simulator's state), no E-code
            print(f"error: {error}", file=sys.stderr)
            return 1
        sys.stderr.write(block(error, action))
        return int(error.code[1:])
    except (KeyboardInterrupt, BrokenPipeError):
        return 0
