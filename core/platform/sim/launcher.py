"""run-enclave on the simulator: nitro-cli's checks, the reservation, the supervisor, the boot.

Resources are reserved in one `BEGIN IMMEDIATE` transaction (racing launches never share a CPU
or a hugepage); the parent's heartbeat listener (CID 3, port 9000) is open before the supervisor
starts; the launch succeeds when the enclave's init sends 0xB7 and gets its echo.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.home import ensure_private_dir, write_private_file
from core.nitro_errors import EnclaveProcessError, NitroCliCode, NitroCliError
from core.platform import rules
from core.platform.base import MIB, EnclaveInfo, RunRequest
from core.platform.run_rules import PoolNow, plan_run
from core.platform.sim.console import ENDED
from core.platform.sim.enclave_process import BOOT_ERROR, LAUNCH
from core.platform.sim.image import ImageFacts, image_facts, unpack_image, verify_image
from core.platform.sim.instance import SimInstance, row_info
from core.platform.sim.layout import HEARTBEAT_PORT, SUN_PATH_MAX, Layout
from core.platform.sim.state import EnclaveRow
from core.platform.sim.vsock import listen, remove_socket
from core.processes import process_alive, process_ctime

GIB = 1 << 30
KEEP_ENDED = 32  # ended enclaves whose console stays readable (--history)


def boot_timeout(eif_size: int, memory_mib: int) -> float:
    """nitro-cli's: 90 s per started 6 GiB of EIF plus 90 s per started 100 GiB of memory."""
    return 90.0 * math.ceil(eif_size / (6 * GIB)) + 90.0 * math.ceil(memory_mib * MIB / (100 * GIB))


def reserve(instance: SimInstance, request: RunRequest, facts: ImageFacts) -> EnclaveRow:
    """Check the request against the pool (`plan_run`: run-enclave's rules in nitro-cli's
    order) and record the enclave (state STARTING)."""
    state = instance.state
    with state.transaction():
        instance._reap_locked()
        _config, pool, node = instance.pool_record()
        rows = state.enclaves()
        now = PoolNow(
            cpus=pool,
            used_cpus={c for r in rows for c in r.cpus},
            topology=instance.topology,
            free_pages=free_pages(instance, node, rows),
            cids={r.cid for r in rows},
        )
        plan = plan_run(request, facts.size, now)  # raises the first broken rule
        cpus, regions = plan.cpus, plan.regions
        cid = _cid(instance, request.enclave_cid, rows)
        base = request.enclave_name or rules.default_name(request.eif_path)
        name = rules.unique_name(base, {r.name for r in rows})
        slot = secrets.randbits(63) or 1
        image: dict[str, Any] = dict(facts.measurements)
        image.update(
            {"ImageName": facts.name, "ImageVersion": facts.version, "Metadata": facts.metadata}
        )
        row = EnclaveRow(
            slot_uid=slot,
            enclave_id=f"{instance.instance_id}-enc{slot:x}",
            name=name,
            cid=cid,
            cpus=cpus,
            memory_mib=request.memory_mib,
            regions=regions,
            debug=request.debug_mode,
            eif_path=str(request.eif_path.resolve()),
            state="STARTING",
            pid=os.getpid(),
            pid_ctime=process_ctime(os.getpid()),
            payload_pid=None,
            image=image,
        )
        state.insert_enclave(row)
    return row


def free_pages(instance: SimInstance, node: int | None, rows: list[EnclaveRow]) -> dict[int, int]:
    """Free hugepages of the pool's node, by size in MiB (reserved minus running enclaves')."""
    free: dict[int, int] = {}
    for (n, size_kib), count in instance.state.hugepages().items():
        if n == node and size_kib >= 2048:
            free[size_kib // 1024] = free.get(size_kib // 1024, 0) + count
    for row in rows:
        for size in row.regions:
            free[size] -= 1
    return free


def _cid(instance: SimInstance, wanted: int | None, rows: list[EnclaveRow]) -> int:
    """The CID asked for (`plan_run` checked it is free), else the next free one from 16."""
    taken = {r.cid for r in rows}
    if wanted is not None:
        return wanted
    cid = int(instance.state.get_meta("next_cid") or rules.MIN_CID_AUTO)
    while cid in taken or cid in (0, 1, 2, 3) or cid >= rules.U32_MAX:
        cid = cid + 1 if cid < rules.U32_MAX - 1 else rules.MIN_CID_AUTO
    instance.state.set_meta("next_cid", str(cid + 1))
    return cid


def run_enclave(
    instance: SimInstance, request: RunRequest, timeout: float | None = None
) -> EnclaveInfo:
    """The whole launch; on any failure the reservation and its files are released."""
    rules.check_cid(request.enclave_cid)  # an argument: checked before the file is opened
    facts = image_facts(request.eif_path)
    row = reserve(instance, request, facts)
    layout = instance.layout
    directory = layout.enclave_dir(row.slot_hex)
    listener_path = layout.parent_listener(row.cid, HEARTBEAT_PORT)
    if len(str(layout.enclave_listen_dir(row.cid) / "4294967295")) > SUN_PATH_MAX:
        _abandon(instance, row, None)
        raise NitroCliError(
            NitroCliCode.SocketError,
            detail=f"socket paths under {layout.root} are too long for Unix sockets",
            fix="set NITRODECK_HOME to a shorter directory",
        )
    ensure_private_dir(directory)
    prune_ended(directory.parent)
    identity = {
        "enclave_id": row.enclave_id,
        "name": row.name,
        "cid": row.cid,
        "debug": row.debug,
        "eif_path": row.eif_path,
    }
    write_private_file(directory / "enclave.json", json.dumps(identity).encode())
    server = None
    supervisor_pid: int | None = None
    try:
        _prepare_image(request.eif_path, layout.image_dir(row.slot_hex))
        server = listen(listener_path)
        supervisor_pid = _spawn(layout, row.slot_uid)
        limit = timeout if timeout is not None else boot_timeout(facts.size, request.memory_mib)
        _await_heartbeat(server, supervisor_pid, directory, limit)
        with instance.state.transaction():  # from now on the supervisor answers for it
            instance.state.update_enclave(
                row.slot_uid,
                state="RUNNING",
                pid=supervisor_pid,
                pid_ctime=process_ctime(supervisor_pid),
            )
    except BaseException:
        _abandon(instance, row, supervisor_pid)
        raise
    finally:
        if server is not None:
            server.close()
        remove_socket(listener_path)
    return replace(row_info(row), process_id=supervisor_pid, state="RUNNING")


def _prepare_image(eif: Path, image: Path) -> None:
    """The enclave process's image work: CRC and signature (E59), then the ramdisks.

    Done here, where the EIF engine is already loaded, so the supervisor boots fast; a failure
    is still reported the way nitro-cli relays one from its enclave process (E39).
    """
    try:
        verify_image(eif)
        ensure_private_dir(image)  # the image's own files keep their modes, inside a 0700 dir
        argv, env = unpack_image(eif, image)
    except NitroCliError as error:
        raise EnclaveProcessError(error) from error
    write_private_file(image / LAUNCH, json.dumps({"cmd": argv, "env": env}).encode())


def prune_ended(enclaves_dir: Path, keep: int = KEEP_ENDED) -> None:
    """Keep the saved consoles of the `keep` most recently ended enclaves, drop older ones."""
    ended = sorted(
        (marker.stat().st_mtime, marker.parent) for marker in enclaves_dir.glob(f"*/{ENDED}")
    )
    for _, directory in ended[: max(0, len(ended) - keep)]:
        shutil.rmtree(directory, ignore_errors=True)


def _spawn(layout: Layout, slot_uid: int) -> int:
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.platform.sim.supervisor", str(layout.root), str(slot_uid)],
        env=layout.home.child_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        umask=0o077,  # all it writes lives under the home: private whatever the user's umask
    )
    out, err = proc.communicate(timeout=60)
    try:
        return int(out.decode().strip())
    except ValueError:
        raise NitroCliError(
            NitroCliCode.ProcessSpawnFailure,
            detail=(err.decode(errors="replace").strip() or "no pid reported")[-2000:],
        ) from None


def _await_heartbeat(server: socket.socket, pid: int, directory: Path, limit: float) -> None:
    """Accept the enclave's 0xB7 and echo it; a supervisor that dies first is a boot failure."""
    ctime = _ctime_or_zero(pid)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([server], [], [], 0.05)
        if ready:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(5)
                if conn.recv(1) == b"\xb7":
                    conn.sendall(b"\xb7")
                    return
            continue
        if not ctime or not process_alive(pid, ctime):
            raise _boot_failure(directory)
    raise NitroCliError(
        NitroCliCode.EnclaveBootFailure,
        detail=f"no heartbeat from the enclave within {limit:.0f} s",
        fix="check the console (run with --debug-mode) for what the enclave's init did",
    )


def _boot_failure(directory: Path) -> NitroCliError:
    try:
        data = json.loads((directory / BOOT_ERROR).read_text())
        inner = NitroCliError(int(data["code"]), detail=str(data["detail"]))
    except (OSError, ValueError, KeyError):
        log = directory / "supervisor.log"
        tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
        inner = NitroCliError(
            NitroCliCode.EnclaveBootFailure,
            detail=f"the enclave process exited before the heartbeat. {tail}".strip(),
        )
    return EnclaveProcessError(inner)


def _ctime_or_zero(pid: int) -> float:
    try:
        return process_ctime(pid)
    except Exception:
        return 0.0


def _abandon(instance: SimInstance, row: EnclaveRow, pid: int | None) -> None:
    """Undo a launch that failed: stop its supervisor and free what was reserved."""
    if pid is not None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    with instance.state.transaction():
        current = instance.state.enclave(row.slot_uid)
        if current is not None:
            instance.release(current)
