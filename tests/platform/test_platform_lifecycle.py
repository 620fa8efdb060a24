"""Real enclaves on the simulator: supervised processes, console, kills, races, vsock, NUMA."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from nitro_fixtures import RUN_ENCLAVE_FIELDS

from core.eif import read_eif
from core.nitro_errors import EnclaveProcessError, NitroCliError
from core.platform.base import AllocatorError, PoolConfig, RunRequest
from core.platform.sim import vsock
from core.platform.sim.payload import host_cpus_for
from core.platform.sim.platform import SimPlatform
from tui.cli.main import main

pytestmark = pytest.mark.slow


def gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for its reaper counts as gone)."""
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_for(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def payload_pid(sim: SimPlatform, enclave_id: str) -> int:
    rows = [r for r in sim.instance.state.enclaves() if r.enclave_id == enclave_id]
    wait_for(lambda: bool(sim.instance.state.enclave(rows[0].slot_uid).payload_pid))  # type: ignore[union-attr]
    row = sim.instance.state.enclave(rows[0].slot_uid)
    assert row is not None and row.payload_pid is not None
    return row.payload_pid


def run(sim: SimPlatform, eif: Path, **kw: object) -> object:
    options: dict[str, object] = {"memory_mib": 128, "cpu_count": 2, **kw}
    return sim.run_enclave(RunRequest(eif_path=eif, **options))  # type: ignore[arg-type]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--profile", "m5.2xlarge", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_full_lifecycle_from_the_command_line(
    eifs: dict[str, Path], capsys: pytest.CaptureFixture[str], sim: SimPlatform
) -> None:
    eif = str(eifs["printer"])
    assert cli(capsys, "pool", "apply", "--memory", "1024", "--cpu-count", "4")[0] == 0
    code, out, err = cli(
        capsys,
        "run-enclave",
        "--eif-path",
        eif,
        "--memory",
        "256",
        "--cpu-count",
        "2",
        "--debug-mode",
    )
    assert code == 0, err
    started = json.loads(out)
    assert list(started) == RUN_ENCLAVE_FIELDS
    assert started["EnclaveName"] == "printer" and started["EnclaveCID"] == 16
    # the pool holds one 1 GiB page: the 256 MiB request gets all of it, as on Nitro
    assert started["CPUIDs"] == [1, 5] and started["MemoryMiB"] == 1024
    assert started["EnclaveID"].startswith(sim.host_info().instance_id + "-enc")
    assert "Started enclave with enclave-cid: 16, memory: 1024 MiB, cpu-ids: [1, 5]" in err

    code, out, _ = cli(capsys, "describe-enclaves")
    [described] = json.loads(out)
    assert described["State"] == "RUNNING" and described["Flags"] == "DEBUG_MODE"
    assert described["ProcessID"] == started["ProcessID"]
    assert described["Measurements"]["PCR0"] == read_eif(eifs["printer"]).measurements.pcr0
    assert next(iter(described["Measurements"])) == "HashAlgorithm"

    pid = payload_pid(sim, started["EnclaveID"])
    assert os.sched_getaffinity(pid) == host_cpus_for([1, 5])
    limits = Path(f"/proc/{pid}/limits").read_text()
    cgroup = Path(f"/proc/{pid}/cgroup").read_text()
    capped = f"{1024 << 20}" in next(x for x in limits.splitlines() if "address space" in x)
    assert capped or "nitrodeck-enc-" in cgroup  # RLIMIT_AS, or cgroup v2 memory.max

    wait_for(lambda: b"err line" in sim.console_path(started["EnclaveID"]).read_bytes())
    code, out, _ = cli(capsys, "console", "--enclave-name", "printer", "--disconnect-timeout", "1")
    assert code == 0
    assert out.startswith(
        "Connecting to the console for enclave 16...\nSuccessfully connected to the console.\n"
    )
    assert "hello from the enclave" in out and "line 4" in out and "err line" in out

    code, out, err = cli(capsys, "terminate-enclave", "--enclave-name", "printer")
    assert code == 0
    assert json.loads(out) == {
        "EnclaveName": "printer",
        "EnclaveID": started["EnclaveID"],
        "Terminated": True,
    }
    assert f"Successfully terminated enclave {started['EnclaveID']}." in err
    assert json.loads(cli(capsys, "describe-enclaves")[1]) == []
    wait_for(lambda: gone(pid))

    code, out, _ = cli(capsys, "console", "--enclave-name", "printer", "--history")
    assert code == 0 and "line 4" in out and "payload terminated" in out


def test_console_streams_to_two_followers_until_the_enclave_ends(
    sim: SimPlatform, eifs: dict[str, Path]
) -> None:
    info = run(sim, eifs["printer"], debug_mode=True)
    enclave_id = info.enclave_id  # type: ignore[attr-defined]
    outputs: list[list[bytes]] = [[], []]
    threads = [
        threading.Thread(target=lambda out=out: out.extend(sim.console(enclave_id)), daemon=True)
        for out in outputs
    ]
    for thread in threads:
        thread.start()
    wait_for(lambda: all(b"line 4" in b"".join(out) for out in outputs))
    sim.terminate_enclave(enclave_id=enclave_id)
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive(), "a follower did not see the end of the enclave"
    first, second = (b"".join(out) for out in outputs)
    assert first == second
    assert b"payload terminated" in first


def test_kill_9_of_the_payload_ends_the_enclave_and_frees_everything(
    sim: SimPlatform, eifs: dict[str, Path]
) -> None:
    info = run(sim, eifs["printer"])
    pid = payload_pid(sim, info.enclave_id)  # type: ignore[attr-defined]
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: sim.describe_enclaves() == [])
    pool = sim.pool_state()
    assert pool.used_cpus == () and pool.used_memory_mib == 0
    wait_for(lambda: gone(info.process_id))  # type: ignore[attr-defined]
    assert not sim.layout.host_uds(info.cid).exists()  # type: ignore[attr-defined]


def test_kill_9_of_the_supervisor_is_detected_and_cleaned_up(
    sim: SimPlatform, eifs: dict[str, Path]
) -> None:
    info = run(sim, eifs["printer"])
    pid = payload_pid(sim, info.enclave_id)  # type: ignore[attr-defined]
    os.kill(info.process_id, signal.SIGKILL)  # type: ignore[attr-defined]
    wait_for(lambda: gone(info.process_id))  # type: ignore[attr-defined]
    assert sim.describe_enclaves() == []
    assert sim.pool_state().used_cpus == ()
    wait_for(lambda: gone(pid))
    assert not sim.layout.host_uds(info.cid).exists()  # type: ignore[attr-defined]
    again = run(sim, eifs["printer"])  # the freed core and memory are usable again
    assert again.cpu_ids == (1, 5)  # type: ignore[attr-defined]


def test_two_launches_race_for_the_last_core(
    make_sim: Callable[[str], SimPlatform], eifs: dict[str, Path]
) -> None:
    sims = [make_sim("m5.xlarge"), make_sim("m5.xlarge")]  # pool: one core (CPUs 1, 3)
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def launch(i: int) -> None:
        barrier.wait()
        try:
            results[i] = run(sims[i], eifs["printer"])
        except NitroCliError as error:
            results[i] = error

    threads = [threading.Thread(target=launch, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    errors = [r for r in results if isinstance(r, NitroCliError)]
    winners = [r for r in results if not isinstance(r, NitroCliError)]
    assert len(winners) == 1 and len(errors) == 1
    assert errors[0].exit_code == 29 and "no CPUs are available" in (errors[0].detail or "")
    assert winners[0].cpu_ids == (1, 3)  # type: ignore[attr-defined]
    assert len(sims[0].describe_enclaves()) == 1


def test_vsock_both_ways_with_a_python_payload(sim: SimPlatform, eifs: dict[str, Path]) -> None:
    parent = vsock.listen(sim.layout.parent_listener(20, 8000))  # the parent's side, CID 3
    parent.settimeout(20)
    info = run(sim, eifs["echo"], enclave_cid=20, debug_mode=True)
    conn, _ = parent.accept()
    with conn:
        assert conn.recv(64) == b"hello parent"
    parent.close()

    def connect() -> socket.socket | None:
        try:
            return sim.connect_vsock(20, 5000, timeout=5)
        except ConnectionRefusedError:
            return None

    holder: list[socket.socket] = []
    wait_for(lambda: bool((s := connect()) and holder.append(s) is None))
    with holder[0] as sock:
        sock.sendall(b"abc")
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(10) == b"ABC"
        assert sock.recv(10) == b""
    with pytest.raises(ConnectionRefusedError):
        sim.connect_vsock(20, 5001, timeout=5)
    console = sim.console_path(info.enclave_id).read_text()  # type: ignore[attr-defined]
    assert "listening on 5000 in CID 20" in console
    sim.terminate_enclave(enclave_id=info.enclave_id)  # type: ignore[attr-defined]
    with pytest.raises(ConnectionRefusedError):
        sim.connect_vsock(20, 5000, timeout=5)


def test_two_numa_profile(make_sim: Callable[[str], SimPlatform], eifs: dict[str, Path]) -> None:
    sim = make_sim("m5.24xlarge")
    assert sim.host_info().numa_nodes == (0, 1)
    sim.apply_pool(PoolConfig(memory_mib=1024, cpu_pool="24,25,72,73"))
    pool = sim.pool_state()
    assert pool.node == 1 and pool.memory_mib == 1024
    info = run(sim, eifs["printer"], memory_mib=1024, cpu_ids=(24, 72), cpu_count=None)
    assert info.cpu_ids == (24, 72) and info.memory_mib == 1024  # type: ignore[attr-defined]
    with pytest.raises(NitroCliError) as caught:  # no hugepages left on node 1
        run(sim, eifs["printer"], cpu_ids=(25, 73), cpu_count=None)
    assert caught.value.exit_code == 27
    assert not sim.plan_pool(PoolConfig(memory_mib=512, cpu_count=2)).ok
    with pytest.raises(AllocatorError, match="at least one enclave currently running"):
        sim.apply_pool(PoolConfig(memory_mib=512, cpu_count=2))


def test_a_payload_that_exits_ends_its_enclave(sim: SimPlatform, eifs: dict[str, Path]) -> None:
    info = run(sim, eifs["quick"], debug_mode=True)
    wait_for(lambda: sim.describe_enclaves() == [])
    saved = b"".join(sim.console(info.enclave_id, history=True)).decode()  # type: ignore[attr-defined]
    assert "bye" in saved and "payload exited with status 0" in saved


def test_names_cids_and_errors(sim: SimPlatform, eifs: dict[str, Path], tmp_path: Path) -> None:
    sim.apply_pool(PoolConfig(memory_mib=512, cpu_count=4))
    first = run(sim, eifs["printer"])
    second = run(sim, eifs["printer"])
    assert (first.name, second.name) == ("printer", "printer_1")  # type: ignore[attr-defined]
    assert (first.cid, second.cid) == (16, 17)  # type: ignore[attr-defined]
    sim.terminate_enclave(enclave_id=second.enclave_id)  # type: ignore[attr-defined]
    # Names may hold spaces, as nitro-cli's do (a free string, only made unique): found again.
    spaced = run(sim, eifs["printer"], enclave_name="my demo enclave")
    assert sim.find_enclave(enclave_name="my demo enclave").enclave_id == spaced.enclave_id  # type: ignore[attr-defined]
    with pytest.raises(NitroCliError) as caught:
        sim.console(first.enclave_id)  # type: ignore[attr-defined]
    assert caught.value.exit_code == 44
    sim.terminate_enclave(all_enclaves=True)

    damaged = tmp_path / "damaged.eif"
    data = bytearray(eifs["printer"].read_bytes())
    data[-1] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(EnclaveProcessError) as relayed:
        run(sim, damaged)
    assert relayed.value.exit_code == 39 and relayed.value.inner.exit_code == 35
    for request, code in [
        ({"eif_path": tmp_path / "missing.eif"}, 19),
        ({"memory_mib": 1}, 26),
        ({"memory_mib": 32}, 29),
        ({"memory_mib": 4096}, 27),
        ({"cpu_count": 6}, 22),
        ({"cpu_ids": (1, 9), "cpu_count": None}, 21),
        ({"enclave_cid": 3}, 3),
    ]:
        with pytest.raises(NitroCliError) as caught:
            options = {"eif": eifs["printer"], **request}
            run(sim, options.pop("eif_path", options.pop("eif")), **options)  # type: ignore[arg-type]
        assert caught.value.exit_code == code, request
    assert sim.describe_enclaves() == [] and sim.pool_state().used_cpus == ()


def _signed_copy(eif: Path, directory: Path, *, expired: bool) -> Path:
    import datetime as dt
    import shutil

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from core.eif import sign_eif

    key = ec.generate_private_key(ec.SECP384R1())
    now = dt.datetime.now(dt.UTC)
    start, end = (
        (now - dt.timedelta(days=10), now - dt.timedelta(days=1))
        if expired
        else (
            now - dt.timedelta(days=1),
            now + dt.timedelta(days=10),
        )
    )
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nitrodeck test signer")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA384())
    )
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    target = directory / ("expired.eif" if expired else "signed.eif")
    shutil.copy(eif, target)
    sign_eif(target, directory / "cert.pem", directory / "key.pem")
    return target


def test_signed_images_run_and_an_expired_signer_is_e59(
    sim: SimPlatform, eifs: dict[str, Path], tmp_path: Path
) -> None:
    good = _signed_copy(eifs["quick"], tmp_path, expired=False)
    info = run(sim, good)
    assert "PCR8" in info.measurements  # type: ignore[attr-defined]
    wait_for(lambda: sim.describe_enclaves() == [])  # the quick payload ends by itself
    expired = _signed_copy(eifs["quick"], tmp_path, expired=True)
    with pytest.raises(EnclaveProcessError) as relayed:
        run(sim, expired)
    assert relayed.value.exit_code == 39 and relayed.value.inner.exit_code == 59
    assert "[ E59 ]" in str(relayed.value)


def test_two_commands_race_for_the_last_core(
    make_sim: Callable[[str], SimPlatform], eifs: dict[str, Path]
) -> None:
    import subprocess
    import sys

    sim = make_sim("m5.xlarge")  # the pool: one core (CPUs 1, 3)
    argv = [
        sys.executable, "-m", "tui", "--profile", "m5.xlarge", "run-enclave",
        "--eif-path", str(eifs["printer"]), "--memory", "128", "--cpu-count", "2",
    ]  # fmt: skip
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        results.append((proc.returncode, out, err))
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 29], results
    assert len(sim.describe_enclaves()) == 1
