"""The doctor on a real parent: is this instance ready to run enclaves, and if not, the fix.

Each check says pass, warn or fail, shows what it saw (a file, a service state, a version) and
gives the exact command that fixes it. They cover the failures operators hit most (enclave
support off, the `ne` group, the driver, hugepages the allocator did not get, vsock-proxy's
allowlist). Programs come from `PATH`; files from `$NITRODECK_SYSROOT`. Nothing is changed.
"""

from __future__ import annotations

import grp
import os
from collections.abc import Callable, Sequence

from core.checks import Check, CheckStatus
from core.platform.nitro import allocator, sysfs
from core.platform.nitro.host import UNKNOWN
from core.platform.nitro.nitro_cli import INSTALL_FIX
from core.platform.nitro.programs import run_program
from core.platform.nitro.proxy import PROXY_SERVICE, kms_warning, read_proxy_config
from core.platform.nitro.sysfs import NE_DEVICE, NE_MODULE, SysRoot

PASS, WARN, FAIL = CheckStatus.PASS, CheckStatus.WARN, CheckStatus.FAIL
COMMAND_TIMEOUT = 10.0
PARENT_MIN_MIB = 1024
DEFAULT_BLOBS = "/usr/share/nitro_enclaves/blobs/"
BLOBS = {"x86_64": ("bzImage", "bzImage.config", "cmdline", "init", "nsm.ko")}
ARM_BLOBS = ("Image", "Image.config", "cmdline", "init", "nsm.ko")


def _check(name: str, status: CheckStatus, evidence: str, fix: str = "") -> Check:
    """One verdict; the fix is shown only when something is to be fixed."""
    return Check(name, status, evidence, fix if status is not PASS else "")


def run(argv: Sequence[str]) -> tuple[int, str] | None:
    """(exit status, stdout + stderr) of a program from PATH; None when it is not installed."""
    done = run_program(argv, COMMAND_TIMEOUT)
    if done is None:
        return None
    return done.returncode, (done.stdout + done.stderr).strip()


def check_device(root: SysRoot) -> list[Check]:
    device = root.path(NE_DEVICE)
    shown = root.shown(NE_DEVICE)
    if not device.exists():
        return [
            _check(
                "enclave support enabled",
                FAIL,
                f"{shown} does not exist: the instance was launched without Nitro Enclaves",
                "launch the instance with enclaves enabled: aws ec2 run-instances … "
                "--enclave-options 'Enabled=true' (a supported type, e.g. m5.xlarge or larger)",
            )
        ]
    found = [_check("enclave support enabled", PASS, f"{shown} exists")]
    usable = os.access(device, os.R_OK | os.W_OK)
    groups = _ne_groups()
    found.append(
        _check(
            "device usable by this user",
            PASS if usable else FAIL,
            f"{shown} is {'' if usable else 'not '}readable and writable by uid {os.getuid()}"
            + ("" if groups is None else f" (in group ne: {'yes' if groups else 'no'})"),
            "sudo usermod -aG ne $USER, then log out and in again (or: newgrp ne)",
        )
    )
    return found


def _ne_groups() -> bool | None:
    """Whether this process is in the `ne` group; None when the group does not exist."""
    try:
        gid = grp.getgrnam("ne").gr_gid
    except KeyError:
        return None
    return gid in os.getgroups() or os.getgid() == gid


def check_driver(root: SysRoot) -> Check:
    loaded = root.path(NE_MODULE).is_dir()
    return _check(
        "nitro_enclaves driver loaded",
        PASS if loaded else FAIL,
        f"{root.shown(NE_MODULE)} {'exists' if loaded else 'is missing'}",
        "sudo modprobe nitro_enclaves (it ships with aws-nitro-enclaves-cli)",
    )


def check_allocator(root: SysRoot) -> list[Check]:
    state = allocator.service_state()
    log = allocator.journal(5)
    last = log[-1] if log else "(no journal)"
    status = PASS if state == "active" else WARN if state == "unknown" else FAIL
    found = [
        _check(
            "allocator service active",
            status,
            f"{allocator.SERVICE} is {state}; last logged: {last}",
            f"sudo systemctl enable --now {allocator.SERVICE}; its log: journalctl -u "
            f"{allocator.SERVICE}",
        )
    ]
    found.append(check_hugepages(root))
    return found


def check_hugepages(root: SysRoot) -> Check:
    """allocator.yaml's memory_mib really reserved on the pool's node (the #313 trap)."""
    name = "hugepages reserved on the pool's node"
    config = allocator.read_config(root)
    pool = sysfs.enclave_pool(root) or ()
    fix = f"sudo systemctl restart {allocator.SERVICE}, or lower memory_mib in allocator.yaml"
    if config is None or config.memory_mib is None:
        return _check(name, WARN, "no allocator.yaml with memory_mib", fix)
    nodes = {c.node for c in sysfs.cpu_topology(root) if c.cpu in pool}
    if len(nodes) != 1:
        return _check(name, FAIL, f"the CPU pool ({len(pool)} CPUs) is on no single node", fix)
    node = nodes.pop()
    have = sum(h.mib for h in sysfs.hugepages(root) if h.node == node)
    ok = have >= config.memory_mib
    return _check(
        name,
        PASS if ok else FAIL,
        f"node {node}: {have} MiB reserved, allocator.yaml asks for {config.memory_mib} MiB",
        fix,
    )


def check_versions() -> list[Check]:
    cli = run(["nitro-cli", "--version"])
    found = [
        _check(
            "nitro-cli",
            FAIL if cli is None or cli[0] else PASS,
            "not on PATH" if cli is None else cli[1] or f"exit {cli[0]}",
            INSTALL_FIX,
        )
    ]
    docker = run(["docker", "version", "--format", "{{.Server.Version}}"])
    if docker is None:
        found.append(
            _check(
                "docker (for build-enclave --docker-uri)",
                WARN,
                "docker is not installed",
                "sudo dnf install -y docker && sudo systemctl enable --now docker && "
                "sudo usermod -aG docker $USER",
            )
        )
    else:
        found.append(
            _check(
                "docker (for build-enclave --docker-uri)",
                PASS if docker[0] == 0 else WARN,
                f"daemon {docker[1]}" if docker[0] == 0 else f"no daemon: {docker[1][:200]}",
                "sudo systemctl enable --now docker; sudo usermod -aG docker $USER",
            )
        )
    return found


def check_blobs(architecture: str) -> Check:
    where = os.environ.get("NITRO_CLI_BLOBS") or DEFAULT_BLOBS
    need = BLOBS.get(architecture, ARM_BLOBS)
    missing = [b for b in need if not os.path.exists(os.path.join(where, b))]
    return _check(
        "nitro-cli blobs (build-enclave)",
        WARN if missing else PASS,
        f"{where}: " + (f"missing {', '.join(missing)}" if missing else "all present"),
        "sudo dnf reinstall -y aws-nitro-enclaves-cli-devel, or set NITRO_CLI_BLOBS",
    )


def check_proxy(root: SysRoot, region: str) -> Check:
    state = allocator.service_state(PROXY_SERVICE)
    config = read_proxy_config(root)
    warning = (
        kms_warning(config, region)
        if region != UNKNOWN
        else "the region is unknown (no IMDS): set AWS_REGION to check KMS's endpoint"
    )
    entries = ", ".join(f"{e.address}:{e.port}" for e in config.entries[:4]) or "none"
    status = FAIL if warning and config.problem else WARN if warning or state != "active" else PASS
    return _check(
        "vsock-proxy and its allowlist",
        status,
        f"{PROXY_SERVICE} is {state}; allowlist: {entries}"
        + (f" ({len(config.entries)} in all)" if len(config.entries) > 4 else "")
        + (f"; {warning}" if warning else ""),
        f"add '- {{address: kms.{region}.amazonaws.com, port: 443}}' to {config.path}, then "
        f"sudo systemctl enable --now {PROXY_SERVICE}",
    )


def check_time_sync() -> Check:
    found = run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"])
    synced = found is not None and found[0] == 0 and found[1].strip() == "yes"
    return _check(
        "time synchronised",
        PASS if synced else WARN,
        "NTPSynchronized=yes"
        if synced
        else (
            "timedatectl is not available"
            if found is None
            else f"timedatectl: {found[1].splitlines()[0] if found[1] else found[0]}"
        ),
        "sudo systemctl enable --now chronyd (attestation and KMS need the right time)",
    )


def check_parent_memory(root: SysRoot) -> Check:
    total = sysfs.total_memory_mib(root)
    reserved = sum(h.mib for h in sysfs.hugepages(root))
    left = total - reserved
    status = PASS if left >= 2 * PARENT_MIN_MIB else WARN if left >= PARENT_MIN_MIB else FAIL
    return _check(
        "memory left for the parent",
        status,
        f"{left} MiB of {total} MiB after {reserved} MiB of hugepages",
        "lower memory_mib in /etc/nitro_enclaves/allocator.yaml and "
        f"sudo systemctl restart {allocator.SERVICE}",
    )


def check_identity(note: str | None, source: str) -> Check:
    return _check(
        "instance identity (IMDSv2)",
        PASS if source == "imds" else WARN,
        "from IMDSv2" if source == "imds" else f"from the host only: {note}",
        "allow IMDSv2 for this instance (and a hop limit of 2 in containers)",
    )


def nitro_checks(
    root: SysRoot, region: str, architecture: str, identity: Callable[[], tuple[str | None, str]]
) -> list[Check]:
    """Every check, in the order an operator fixes things."""
    note, source = identity()
    return [
        *check_device(root),
        check_driver(root),
        *check_allocator(root),
        *check_versions(),
        check_blobs(architecture),
        check_proxy(root, region),
        check_time_sync(),
        check_parent_memory(root),
        check_identity(note, source),
    ]
