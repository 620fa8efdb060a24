"""nitro-cli's enclave commands on the simulator: run, describe, terminate, console.

Where a failure happens decides its exit status, as in nitro-cli: argument errors belong to the
CLI and exit with their own code; anything `run-enclave`'s enclave process does (open the image,
check CPUs and memory, check the signature, boot) is relayed as that process's block and then
fails the CLI with E39. `Start allocating memory...` appears only once the process got that far.
"""

from __future__ import annotations

import sys
from pathlib import Path

from core.errors import NitrodeckError
from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform.base import Platform, RunRequest
from core.platform.shapes import describe_json, run_json, terminate_json
from tui.cli.nitro_cli import blocks
from tui.cli.nitro_cli.clap import Values
from tui.cli.nitro_cli.run_args import U64, RunArgs, run_args
from tui.cli.output import print_json, progress

# Failures the enclave process meets before it allocates memory (nitro-cli's `run_enclaves`:
# the EIF, the CPU configuration, the 4x memory rule, the device, the signature).
BEFORE_ALLOCATING = frozenset({19, 20, 21, 22, 23, 24, 26, 28, 59})


def _platform() -> Platform:
    from core.home import Home
    from core.platform.local import open_local_platform

    # nitro-cli mode runs as a process of its own (it stands in for nitro-cli), whose home is
    # its environment: an edge.
    return open_local_platform("sim", home=Home.resolve())


def run_enclave(values: Values) -> int:
    args = run_args(values)
    platform = _platform()
    try:
        info = platform.run_enclave(_request(args))
    except NitrodeckError as error:
        inner = error.inner if error.inner is not None else error
        if inner.code is None:
            raise
        if int(inner.code[1:]) not in BEFORE_ALLOCATING:
            progress("Start allocating memory...")
        sys.stderr.write(blocks.relay(inner, "Run Enclave"))
        return int(NitroCliCode.EnclaveProcessConnectionFailure)
    progress("Start allocating memory...")
    progress(
        f"Started enclave with enclave-cid: {info.cid}, memory: {info.memory_mib} MiB, "
        f"cpu-ids: [{', '.join(str(c) for c in info.cpu_ids)}]"
    )
    print_json(run_json(info))
    if args.attach_console:
        from tui.cli.enclaves import stream_console

        return stream_console(platform.console(info.enclave_id), info.cid, None)
    return 0


def _request(args: RunArgs) -> RunRequest:
    return RunRequest(
        eif_path=Path(args.eif_path),
        memory_mib=args.memory_mib,
        cpu_count=args.cpu_count,
        cpu_ids=args.cpu_ids,
        enclave_cid=args.enclave_cid or None,
        debug_mode=args.debug_mode,
        enclave_name=args.enclave_name,
    )


def describe_enclaves(values: Values) -> int:
    enclaves = _platform().describe_enclaves()
    print_json([describe_json(e, metadata=bool(values.get("metadata"))) for e in enclaves])
    return 0


def _name_or_id(values: Values) -> tuple[str | None, str | None]:
    name, ident = values.get("enclave-name"), values.get("enclave-id")
    return (name if isinstance(name, str) else None, ident if isinstance(ident, str) else None)


def terminate_enclave(values: Values) -> int:
    platform = _platform()
    name, ident = _name_or_id(values)
    if values.get("all"):
        done = platform.terminate_enclave(all_enclaves=True)
    else:
        if name is not None:
            ident = platform.find_enclave(enclave_name=name).enclave_id
        done = platform.terminate_enclave(enclave_id=ident)
    for info in done:
        progress(f"Successfully terminated enclave {info.enclave_id}.")
    if values.get("all"):
        print_json([terminate_json(i) for i in done])
    else:
        print_json(terminate_json(done[0]))
    return 0


def console(values: Values) -> int:
    from core.platform import rules
    from tui.cli.enclaves import stream_console

    platform = _platform()
    name, ident = _name_or_id(values)
    info = platform.find_enclave(enclave_id=ident, enclave_name=name)
    raw = values.get("disconnect-timeout")
    timeout = None
    if isinstance(raw, str):
        if not raw.isdigit() or int(raw) > U64:
            raise NitroCliError(NitroCliCode.InvalidArgument, "disconnect-timeout", raw)
        timeout = int(raw)
    rules.check_console_allowed(info)
    return stream_console(platform.console(info.enclave_id), info.cid, timeout)
