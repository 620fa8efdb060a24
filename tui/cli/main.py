"""Entry point of `nitrodeck`: global options, the command groups, and error reporting.

With no command it opens the full-screen app. Every command group lives in its own module of
`tui.cli` and adds its subcommands through `register(subparsers)`; each subcommand sets a
`handler(args) -> int` default. A `NitrodeckError` becomes its message on stderr and its exit
code, never a traceback. The exit code is the root cause's (an E39 relaying E26 exits 26), on
the simulator and on a real parent alike. Run as `nitro-cli` (or `nitrodeck nitro-cli …`) it is
nitro-cli 1.5 instead (`tui.cli.nitro_cli`), exit codes included.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.errors import NitrodeckError, UsageError

if TYPE_CHECKING:  # imported where used: `serve --stdio` says hello before loading argparse
    import argparse

# Every top-level command: the `tui.cli` module that registers it, and its line in `--help`, in
# the order `--help` lists them. `--help` is drawn from this table alone and a command imports
# only its own module, so `describe-enclaves` never loads boto3, the EIF builder or the KMS
# server (a test checks the table against what each module registers).
COMMANDS: dict[str, tuple[str, str]] = {
    "eif": ("eif", "read, measure, build, sign and diff EIF images"),
    "attestation": ("attestation", "verify and inspect Nitro attestation documents"),
    "run-enclave": ("enclaves", "start an enclave from an EIF (nitro-cli)"),
    "describe-enclaves": ("enclaves", "list running enclaves (JSON)"),
    "terminate-enclave": ("enclaves", "stop enclaves"),
    "console": ("enclaves", "stream a debug-mode enclave's console"),
    "pool": ("pool", "the enclave CPU and memory pool (allocator)"),
    "vsock-proxy": ("proxy", "vsock-proxy's allowlist and whether this region's KMS is allowed"),
    "kms": ("kms", "local KMS, key-policy explainer, key listing"),
    "attest": ("agent", "get an attestation document from a running enclave's agent"),
    "agent": ("agent", "the enclave agent: health and NSM description"),
    "doctor": ("doctor", "check that this machine can run nitrodeck"),
    "explain": (
        "explain",
        "explain a nitro-cli error code (E00-E60), or the root cause of a captured error",
    ),
    "lab": ("lab", "training labs: a broken setup to diagnose and fix"),
    "tour": ("tour", "a self-running tour of the app, with narration"),
    "ctx": ("ctx", "named targets: this machine, ssh://… hosts, homes"),
    "fleet": ("fleet", "many parent instances at once"),
    "rollout": (
        "rollout",
        "replace an enclave on many parents in waves, attesting each before the next",
    ),
    "serve": ("serve", "serve this machine's platform to a remote nitrodeck (ssh runs this)"),
    "shellenv": ("shellenv", "link nitro-cli to nitrodeck and print the PATH line: eval it"),
    "nitro-cli": ("shellenv", "nitro-cli 1.5's own commands, output and exit codes"),
}
# The command-group modules, each once, in `--help` order.
GROUPS = tuple(dict.fromkeys(module for module, _ in COMMANDS.values()))

# Commands that open the target's platform first: with an ssh:// target (--host or
# $NITRODECK_HOST) their ssh session starts before their modules load (`core.remote.early`).
OPENS_PLATFORM = frozenset({"describe-enclaves", "run-enclave", "terminate-enclave", "console"})

# Commands that change enclaves, the pool, images in place, PCRs or keys: `--read-only` refuses
# them, as the app hides their actions.
STATE_CHANGING = frozenset(
    {
        ("run-enclave",),
        ("terminate-enclave",),
        ("pool", "apply"),
        ("eif", "sign"),
        ("agent", "extend-pcr"),
        ("agent", "lock-pcr"),
        ("kms", "stop"),
        ("kms", "create-demo-key"),
        ("rollout",),
        ("fleet", "demo"),
        ("kms", "enable-key"),
        ("kms", "disable-key"),
        ("kms", "schedule-key-deletion"),
        ("kms", "cancel-key-deletion"),
        ("kms", "put-key-policy"),
        ("kms", "pin"),
        ("kms", "revoke-grant"),
        ("lab", "start"),
        ("lab", "reset"),
        ("tour",),
    }
)


def command_path(args: argparse.Namespace) -> tuple[str, ...]:
    """The command and, for groups, its subcommand, e.g. ("pool", "apply")."""
    sub = getattr(args, f"{args.command.replace('-', '_')}_command", None)
    return (args.command, sub) if sub else (args.command,)


def _add_global_options(parser: argparse.ArgumentParser) -> None:
    from pathlib import Path

    parser.add_argument(
        "--platform",
        choices=("sim", "nitro"),
        default=None,
        help="nitro where /dev/nitro_enclaves exists, else sim (the embedded simulator)",
    )
    parser.add_argument(
        "--profile", default=None, help="simulated instance profile, e.g. m5.xlarge"
    )
    parser.add_argument(
        "--read-only", action="store_true", help="hide every action that changes anything"
    )
    parser.add_argument("--theme", default=None, help="colour theme of the app (remembered)")
    parser.add_argument(
        "--record",
        type=Path,
        default=None,
        metavar="FILE",
        help="record the app's terminal output as an asciicast v2 file (asciinema play FILE)",
    )
    parser.add_argument(
        "--host",
        dest="remote_host",  # `kms serve --host` is another option with that flag
        default=None,
        metavar="URL",
        help="drive a remote parent: ssh://[user@]host[:port] (else $NITRODECK_HOST)",
    )
    parser.add_argument(
        "--context",
        dest="target_context",
        default=None,
        metavar="NAME",
        help="use a saved context (see `ctx list`)",
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for `command` when it is one of `COMMANDS`: only its module registers (the
    parser that runs it). For another word (`--help`, a typo) an outline of every command drawn
    from `COMMANDS`, importing nothing; for None every module registers (the whole tree)."""
    import argparse
    import importlib

    parser = argparse.ArgumentParser(
        prog="nitrodeck",
        description="A terminal console for AWS Nitro Enclaves. With no command, opens the app.",
    )
    _add_global_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    if command is not None and command not in COMMANDS:
        for name, (_, summary) in COMMANDS.items():
            subparsers.add_parser(name, help=summary)
        return parser
    for name in (COMMANDS[command][0],) if command else GROUPS:
        try:
            module = importlib.import_module(f"tui.cli.{name}")
        except ModuleNotFoundError as missing:
            if missing.name == f"tui.cli.{name}":
                continue
            raise
        module.register(subparsers)
    return parser


def app_arguments(argv: Sequence[str]) -> argparse.Namespace | None:
    """The global options when `argv` names no command (the app), else None.

    The app path skips registering the command groups: their modules import boto3, the EIF
    builder and the KMS server, which would delay the app's first frame by ~0.4 s.
    """
    known, rest = _quick_parse(argv)
    if rest:
        return None
    known.command = None
    return known


def choose_target(args: argparse.Namespace) -> None:
    """Point `open_platform` at --host/--context's target (docker's order of precedence)."""
    if not (args.remote_host or args.target_context or _may_have_target()):
        return
    from core.platform.select import set_target
    from tui.contexts import resolve_target

    set_target(resolve_target(args.remote_host, args.target_context))


def _may_have_target() -> bool:
    """Whether the environment or the settings file could name a target (cheap check first)."""
    if os.environ.get("NITRODECK_HOST") or os.environ.get("NITRODECK_CONTEXT"):
        return True
    from tui.config import config_path

    try:
        return b"current_context" in config_path().read_bytes()
    except OSError:
        return False


def _quick_parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """The global options, and the words after them (the command first, if any)."""
    import argparse

    quick = argparse.ArgumentParser(prog="nitrodeck", add_help=False)
    _add_global_options(quick)
    return quick.parse_known_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words == ["serve", "--stdio"]:  # ssh runs this for every remote command: hello first
        from tui.cli.serve import serve_stdio

        return serve_stdio()
    named = argv is None and os.path.basename(sys.argv[0]) == "nitro-cli"
    if named or words[:1] == ["nitro-cli"]:
        from tui.cli.nitro_cli import main as nitro_cli_main  # nitro-cli 1.5's own interface

        return nitro_cli_main(words if named else words[1:])
    try:
        code = _run(words)
    finally:
        remote = _end_remote_sessions()
    if argv is None and remote:  # a process of its own that spoke to a remote engine
        from tui.cli.serve import exit_now

        exit_now(code)  # its answer is out: skip the interpreter's teardown the caller waits for
    return code


def _run(words: list[str]) -> int:
    early = _plain_globals(words)
    if early is not None:  # no need to load argparse before ssh starts
        _start_remote_early(*early)
    known, rest = _quick_parse(words)
    _start_remote_early(known, rest)
    parser: argparse.ArgumentParser | None = None
    if rest:
        parser = build_parser(rest[0])
        args = parser.parse_args(words)
    else:
        args = known
        args.command = None
    from core.home import Home

    args.home = Home.resolve()  # the edge: everything below is handed this home
    try:
        if not getattr(args, "local_only", False):
            choose_target(args)
        if args.command is None:
            from tui.app import run_app

            return run_app(args)
        if args.read_only and command_path(args) in STATE_CHANGING:
            name = " ".join(command_path(args))
            raise UsageError(
                f"`{name}` changes state and is refused in --read-only mode",
                fix="run it without --read-only",
            )
        handler = getattr(args, "handler", None)
        if handler is None:
            assert parser is not None  # a command was named, so the full parser parsed it
            parser.parse_args([*words, "--help"])
            return 2
        result: int = handler(args)
        return result
    except NitrodeckError as error:
        from tui.cli.output import error_text

        print(error_text(error), file=sys.stderr)
        print_root_cause(error)
        return error.root.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); nothing left to say.
        return 0


# The global options `_plain_globals` reads by hand, each with its value, as argparse spells them.
_PLAIN = {"--host": "remote_host", "--platform": "platform", "--profile": "profile"}


def _plain_globals(words: list[str]) -> tuple[argparse.Namespace, list[str]] | None:
    """What `_quick_parse` returns, when `words` start with only the global options a remote
    command's session depends on, written in full (`--host URL`, `--platform=sim`, …); else None,
    and argparse reads them (abbreviations, odd values) before the session starts."""
    from types import SimpleNamespace

    found: dict[str, str | None] = dict.fromkeys(_PLAIN.values())
    found["target_context"] = None
    index = 0
    while index < len(words) and words[index].startswith("-"):
        flag, equals, value = words[index].partition("=")
        if not equals:
            index += 1
            value = words[index] if index < len(words) else "-"
        if flag not in _PLAIN or value.startswith("-") or found[_PLAIN[flag]] is not None:
            return None
        found[_PLAIN[flag]] = value
        index += 1
    if found["platform"] not in (None, "sim", "nitro"):
        return None
    return SimpleNamespace(**found), words[index:]  # type: ignore[return-value]


def _start_remote_early(known: argparse.Namespace, rest: list[str]) -> None:
    """Start the ssh session of a command that will open an ssh:// target's platform, so its
    handshake runs while this process loads the command (the target as `resolve_target`
    picks it: --host, else $NITRODECK_HOST unless --context names one)."""
    if not rest or rest[0] not in OPENS_PLATFORM or {"-h", "--help"} & set(rest):
        return
    host = known.remote_host or (None if known.target_context else os.environ.get("NITRODECK_HOST"))
    if not host:
        return
    from core.remote.ssh import parse_ssh_url, ssh_argv

    try:
        url = parse_ssh_url(host)
    except UsageError:
        return  # the command itself reports it
    from core.remote import early

    early.prestart(ssh_argv(url), {"platform": known.platform, "profile": known.profile})


def _end_remote_sessions() -> bool:
    """Close what a command left open on remote engines and forget its target (a caller that
    runs several commands in one process, like the tests, starts each from this machine);
    True when the command spoke to a remote engine."""
    started = sys.modules.get("core.remote.early")
    if started is not None:
        started.discard()
    connection = sys.modules.get("core.remote.connection")
    if connection is not None:
        connection.close_open_connections()
    select = sys.modules.get("core.platform.select")
    if select is not None:
        select.set_target(None)
    return connection is not None


def print_root_cause(error: NitrodeckError) -> None:
    """After an error that only carries another (E39 around the enclave process's own), say
    which one is the cause and how to fix it; a single error already says so itself."""
    if error.inner is None:
        return
    from core.explain import collapse_error
    from tui.cli.explain import cause_text

    cause = collapse_error(error)
    if cause is not None:
        print(cause_text(cause), end="", file=sys.stderr)
