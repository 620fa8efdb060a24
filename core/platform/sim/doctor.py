"""The simulator's preflight checks (pass/fail/fix) for the Doctor screen and `nitrodeck doctor`.

They look at the simulator's own moving parts: its state directory and SQLite file, the
supervisor processes its rows point at, sockets left behind by enclaves that died, the pool,
and the interpreter payloads run under. Nothing here changes state: reaping is the platform's
job (`describe_enclaves` does it), the checks only say what they found.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from core.checks import Check
from core.platform.sim.instance import SimInstance
from core.processes import process_alive

PAYLOAD_PROBE_TIMEOUT = 10.0


def check_state_dir(root: Path) -> Check:
    name = "simulator state dir writable"
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".doctor-"):
            pass
    except OSError as error:
        return Check.verdict(
            name,
            False,
            f"{root}: {error.strerror or error}",
            "set NITRODECK_HOME to a writable directory, or fix this one's permissions",
        )
    return Check.verdict(name, True, str(root))


def check_sqlite(db: Path) -> Check:
    """`PRAGMA quick_check` on a separate read connection (the platform's may be busy)."""
    name = "simulator database"
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as error:
        return Check.verdict(
            name, False, f"{db}: {error}", f"move {db} aside; a new one is created"
        )
    if verdict != "ok":
        return Check.verdict(
            name, False, f"{db}: {verdict}", f"move {db} aside; a new one is created"
        )
    return Check.verdict(name, True, f"{db}: integrity ok")


def check_supervisors(instance: SimInstance) -> Check:
    """Every enclave row must have its supervisor process alive (same pid and create time)."""
    rows = instance.state.enclaves()
    dead = [row.enclave_id for row in rows if not process_alive(row.pid, row.pid_ctime)]
    name = "enclave supervisors alive"
    if dead:
        return Check.verdict(
            name,
            False,
            f"{len(dead)} of {len(rows)} rows have no live supervisor: {', '.join(dead)}",
            "run `nitrodeck enclaves describe` once: it frees their CPUs and memory",
        )
    return Check.verdict(name, True, f"{len(rows)} enclave(s), every supervisor alive")


def check_stale_sockets(instance: SimInstance) -> Check:
    """vsock endpoints whose CID no running enclave holds are left-overs of a crash."""
    live = {row.cid for row in instance.state.enclaves()}
    vsock_dir = instance.layout.vsock_dir
    stale = []
    for path in sorted(vsock_dir.glob("cid_*.sock")) if vsock_dir.exists() else []:
        cid_text = path.name.removeprefix("cid_").removesuffix(".sock")
        if cid_text.isdigit() and int(cid_text) not in live:
            stale.append(path.name)
    name = "no stale vsock sockets"
    if stale:
        return Check.verdict(
            name,
            False,
            f"{len(stale)} socket(s) of enclaves no longer running: {', '.join(stale[:5])}",
            f"remove them: rm {vsock_dir}/cid_<CID>.sock (no running enclave uses them)",
        )
    return Check.verdict(name, True, f"{vsock_dir}: clean")


def check_pool(instance: SimInstance) -> Check:
    config, cpus, node = instance.pool_record()
    name = "enclave pool configured"
    if config is None or not cpus:
        return Check.verdict(
            name,
            False,
            "no CPUs reserved for enclaves",
            "nitrodeck pool apply --memory 512 --cpu-count 2",
        )
    return Check.verdict(
        name, True, f"{len(cpus)} CPU(s) on node {node}, memory_mib {config.memory_mib}"
    )


def check_payload_python(executable: str = sys.executable) -> Check:
    """Python payloads run under this interpreter: it must start and import the agent's needs."""
    name = "python runs payloads"
    probe = "import cbor2, cryptography, asn1crypto"
    try:
        done = subprocess.run(
            [executable, "-c", probe],
            capture_output=True,
            text=True,
            timeout=PAYLOAD_PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Check.verdict(
            name, False, f"{executable}: {error}", "reinstall nitrodeck's virtualenv"
        )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit status " + str(done.returncode)])[-1]
        return Check.verdict(
            name, False, f"{executable}: {last}", "pip install cbor2 cryptography asn1crypto"
        )
    return Check.verdict(name, True, f"{executable} imports cbor2, cryptography, asn1crypto")


def sim_checks(instance: SimInstance) -> list[Check]:
    """All of the simulator's checks, in the order an operator would fix them."""
    return [
        check_state_dir(instance.layout.root),
        check_sqlite(instance.layout.db),
        check_supervisors(instance),
        check_stale_sockets(instance),
        check_pool(instance),
        check_payload_python(),
    ]
