"""nitro-cli's enclave commands: run-enclave, describe-enclaves, terminate-enclave, console.

Flags, JSON on stdout, progress on stderr and exit codes (the E-number) follow nitro-cli, so
scripts written for it keep working. `console --history` is ours: it replays the saved console
of an enclave that has already exited.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform.select import open_platform
from core.platform.shapes import describe_json, run_json, terminate_json
from tui.cli.output import cli_home, print_json, progress

if TYPE_CHECKING:  # run-enclave's flow and rules load in its handler: describe needs neither
    from core.platform.base import ConsoleStream, Platform, RunRequest

CONFIG_KEYS = (
    "eif_path",
    "enclave_cid",
    "memory_mib",
    "cpu_ids",
    "cpu_count",
    "debug_mode",
    "attach_console",
    "enclave_name",
)


def platform_of(args: argparse.Namespace) -> Platform:
    return open_platform(
        getattr(args, "platform", None), getattr(args, "profile", None), home=cli_home(args)
    )


def register(subparsers: Any) -> None:
    run = subparsers.add_parser("run-enclave", help="start an enclave from an EIF (nitro-cli)")
    run.add_argument("--eif-path", help="the enclave image file")
    run.add_argument("--memory", help="memory in MiB; suffixes M, G, T accepted")
    run.add_argument("--cpu-count", help="number of vCPUs (full cores)")
    run.add_argument("--cpu-ids", nargs="+", help="exact CPU ids from the pool")
    run.add_argument("--enclave-cid", help="the enclave's vsock CID (default: assigned from 16)")
    run.add_argument("--enclave-name", help="default: the EIF file name without .eif")
    run.add_argument("--debug-mode", action="store_true", help="allow the console (PCRs read 0)")
    run.add_argument("--attach-console", action="store_true", help="stream the console after")
    run.add_argument("--config", help="a JSON file with the same settings")
    run.set_defaults(handler=cmd_run)

    describe = subparsers.add_parser("describe-enclaves", help="list running enclaves (JSON)")
    describe.add_argument("--metadata", action="store_true", help="add the image's metadata")
    describe.add_argument("--json", action="store_true", help="accepted: the output is JSON")
    describe.set_defaults(handler=cmd_describe)

    term = subparsers.add_parser("terminate-enclave", help="stop enclaves")
    term.add_argument("--enclave-id")
    term.add_argument("--enclave-name")
    term.add_argument("--all", action="store_true", dest="all_enclaves")
    term.set_defaults(handler=cmd_terminate)

    console = subparsers.add_parser("console", help="stream a debug-mode enclave's console")
    console.add_argument("--enclave-id")
    console.add_argument("--enclave-name")
    console.add_argument("--disconnect-timeout", help="seconds after which to disconnect")
    console.add_argument(
        "--history", action="store_true", help="print the saved console (also of ended enclaves)"
    )
    console.set_defaults(handler=cmd_console)


def _int(name: str, value: object) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        return int(str(value))
    except ValueError:
        raise NitroCliError(NitroCliCode.InvalidArgument, name, value) from None


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """run-enclave's settings from the flags or from `--config` (which excludes the others; read
    with nitro-cli's rules, so one file serves both: unknown fields ignored, exact JSON types)."""
    flags = {
        "eif_path": args.eif_path,
        "memory_mib": args.memory,
        "cpu_count": args.cpu_count,
        "cpu_ids": args.cpu_ids,
        "enclave_cid": args.enclave_cid,
        "enclave_name": args.enclave_name,
        "debug_mode": args.debug_mode or None,
    }
    if args.config is None:
        return {"attach_console": args.attach_console, **flags}
    used = [k for k, v in flags.items() if v is not None]
    if used:
        raise NitroCliError(NitroCliCode.ConflictingArgument, "config", used[0].replace("_", "-"))
    from tui.cli.nitro_cli.run_args import read_config

    read = read_config(args.config, args.attach_console)
    settings: dict[str, Any] = {k: getattr(read, k) for k in CONFIG_KEYS}
    settings["memory_mib"] = str(read.memory_mib)
    return settings


def build_request(args: argparse.Namespace) -> tuple[RunRequest, bool]:
    """The RunRequest and whether to attach the console, with nitro-cli's E01/E02/E03."""
    from core.platform import rules
    from core.platform.base import RunRequest

    s = _settings(args)
    if s["cpu_ids"] is not None and s["cpu_count"] is not None:
        raise NitroCliError(NitroCliCode.ConflictingArgument, "cpu-ids", "cpu-count")
    for key, flag in (("eif_path", "eif-path"), ("memory_mib", "memory")):
        if s[key] is None:
            raise NitroCliError(NitroCliCode.MissingArgument, flag)
    if s["cpu_ids"] is None and s["cpu_count"] is None:
        raise NitroCliError(NitroCliCode.MissingArgument, "cpu-count")
    cid = None if s["enclave_cid"] is None else _int("enclave-cid", s["enclave_cid"])
    rules.check_cid(cid)
    if cid == 0:
        progress("The enclave CID will be auto-generated as the provided CID is 0")
    request = RunRequest(
        eif_path=Path(str(s["eif_path"])),
        memory_mib=rules.parse_memory(str(s["memory_mib"])),
        cpu_count=None if s["cpu_count"] is None else _int("cpu-count", s["cpu_count"]),
        cpu_ids=None if s["cpu_ids"] is None else tuple(_int("cpu-ids", c) for c in s["cpu_ids"]),
        enclave_cid=cid,
        debug_mode=bool(s["debug_mode"]) or bool(s["attach_console"]),
        enclave_name=s["enclave_name"],
    )
    return request, bool(s["attach_console"])


def cmd_run(args: argparse.Namespace) -> int:
    from core.flows.run import run_enclave

    request, attach = build_request(args)
    platform = platform_of(args)
    info = run_enclave(platform, request, lambda step: progress(step.detail)).info
    print_json(run_json(info))
    if attach:
        return stream_console(platform.console(info.enclave_id), info.cid, None)
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    enclaves = platform_of(args).describe_enclaves()
    print_json([describe_json(e, metadata=args.metadata) for e in enclaves])
    return 0


def _one_target(args: argparse.Namespace, *, allow_all: bool) -> None:
    given = [
        name
        for name, value in (
            ("enclave-id", args.enclave_id),
            ("enclave-name", args.enclave_name),
            ("all", getattr(args, "all_enclaves", False) or None),
        )
        if value
    ]
    if len(given) > 1:
        raise NitroCliError(NitroCliCode.ConflictingArgument, given[0], given[1])
    if not given:
        raise NitroCliError(NitroCliCode.MissingArgument, "enclave-id")
    if given[0] == "all" and not allow_all:
        raise NitroCliError(NitroCliCode.InvalidArgument, "all", "true")


def cmd_terminate(args: argparse.Namespace) -> int:
    _one_target(args, allow_all=True)
    platform = platform_of(args)
    done = platform.terminate_enclave(
        enclave_id=args.enclave_id,
        enclave_name=args.enclave_name,
        all_enclaves=args.all_enclaves,
    )
    for info in done:
        progress(f"Successfully terminated enclave {info.enclave_id}.")
    if args.all_enclaves:
        print_json([terminate_json(i) for i in done])
    else:
        print_json(terminate_json(done[0]))
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    _one_target(args, allow_all=False)
    timeout = None
    if args.disconnect_timeout is not None:
        timeout = _int("disconnect-timeout", args.disconnect_timeout)
    platform = platform_of(args)
    enclave_id, cid = _console_target(platform, args)
    stream = platform.console(enclave_id, follow=not args.history, history=args.history)
    return stream_console(stream, cid, timeout)


def _console_target(platform: Platform, args: argparse.Namespace) -> tuple[str, int]:
    from core.platform.base import ConsoleHistory

    try:
        info = platform.find_enclave(enclave_id=args.enclave_id, enclave_name=args.enclave_name)
        return info.enclave_id, info.cid
    except NitroCliError:
        if not args.history or not isinstance(platform, ConsoleHistory):
            raise
        saved = platform.saved_console(enclave_id=args.enclave_id, enclave_name=args.enclave_name)
        return saved.enclave_id, saved.cid


def stream_console(stream: ConsoleStream, cid: int, timeout: float | None) -> int:
    out = sys.stdout
    out.write(f"Connecting to the console for enclave {cid}...\n")
    out.write("Successfully connected to the console.\n")
    out.flush()
    timer = None
    if timeout is not None:
        timer = threading.Timer(timeout, stream.close)
        timer.daemon = True
        timer.start()
    try:
        for chunk in stream:
            out.buffer.write(chunk)
            out.buffer.flush()
    finally:
        stream.close()
        if timer is not None:
            timer.cancel()
    return 0
