"""How a simulated enclave runs its image's `cmd`: argv, environment, CPU pinning, memory cap.

Limitation (documented): the payload runs on the host's kernel and userland, without a chroot.
`argv[0]` comes from the unpacked rootfs when it is there and runnable; otherwise the usual
interpreters map to the host's (`python*` → the simulator's own interpreter, so an agent in the
image finds its libraries; `sh`/`bash` → the host's), and a bare command the image lacks is
looked up on the host's PATH. The working directory is the rootfs; absolute arguments and
`PYTHONPATH` entries that exist in the rootfs are remapped into it, but absolute paths inside
scripts are not, so scripts should use paths relative to the working directory. The memory cap
is cgroup v2 `memory.max` when the cgroup tree is writable, else `RLIMIT_AS` when the enclave has
at least `RLIMIT_FLOOR_MIB` (an address-space limit below that breaks ordinary interpreters),
else none.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
RLIMIT_FLOOR_MIB = 256
PR_SET_PDEATHSIG = 1
PYTHONS = ("python", "python3")
SHELLS = ("sh", "bash", "ash", "dash")


class PayloadError(Exception):
    """The image's cmd cannot be started (the enclave's init would fail the same way)."""


def _in_rootfs(rootfs: Path, path: str) -> Path:
    return rootfs / path.lstrip("/")


def _is_python(name: str) -> bool:
    base = os.path.basename(name)
    return base in PYTHONS or (base.startswith("python3.") and base[8:].isdigit())


def _shebang(path: Path) -> str | None:
    with contextlib.suppress(OSError), path.open("rb") as f:
        head = f.readline(256)
        if head.startswith(b"#!"):
            return head[2:].decode(errors="replace").strip()
    return None


def _find_in_rootfs(name: str, rootfs: Path, search_path: str) -> Path | None:
    if "/" in name:
        candidate = _in_rootfs(rootfs, name) if name.startswith("/") else rootfs / name
        return candidate if candidate.is_file() else None
    for entry in search_path.split(":"):
        candidate = _in_rootfs(rootfs, entry) / name
        if candidate.is_file():
            return candidate
    return None


def resolve_argv(argv: Sequence[str], env: dict[str, str], rootfs: Path) -> list[str]:
    """The host command line that stands for the image's `cmd`."""
    if not argv:
        raise PayloadError("the image has no cmd to run")
    first, rest = argv[0], [_remap_arg(a, rootfs) for a in argv[1:]]
    found = _find_in_rootfs(first, rootfs, env.get("PATH", DEFAULT_PATH))
    if found is not None and os.access(found, os.X_OK):
        interpreter = _shebang(found)
        if interpreter and any(_is_python(word) for word in interpreter.split()):
            return [sys.executable, str(found), *rest]
        return [str(found), *rest]
    if _is_python(first):
        return [sys.executable, *rest]
    if os.path.basename(first) in SHELLS:
        host = shutil.which(os.path.basename(first)) or shutil.which("sh")
        if host:
            return [host, *rest]
    if "/" not in first:  # a bare command the image lacks: the host's, like its interpreters
        host = shutil.which(first, path=env.get("PATH", DEFAULT_PATH))
        if host:
            return [host, *rest]
    raise PayloadError(
        f"cannot execute {first!r}: it is not a runnable file in the image's rootfs and not an "
        "interpreter the simulator maps to the host (python3, sh)"
    )


def _remap_arg(arg: str, rootfs: Path) -> str:
    if arg.startswith("/") and _in_rootfs(rootfs, arg).exists():
        return str(_in_rootfs(rootfs, arg))
    return arg


def payload_env(image_env: Sequence[str], rootfs: Path, extra: dict[str, str]) -> dict[str, str]:
    """The image's env (`K=V` list) with PYTHONPATH remapped, a PATH, and the simulator's vars."""
    env: dict[str, str] = {}
    for item in image_env:
        key, sep, value = item.partition("=")
        if sep:
            env[key] = value
    env.setdefault("PATH", DEFAULT_PATH)
    env.setdefault("HOME", "/")
    if "PYTHONPATH" in env:
        env["PYTHONPATH"] = ":".join(
            str(_in_rootfs(rootfs, p)) if p.startswith("/") else p
            for p in env["PYTHONPATH"].split(":")
        )
    env.update(extra)
    return env


def host_cpus_for(enclave_cpus: Sequence[int]) -> set[int]:
    """Host CPUs standing for enclave CPUs: enclave id mod the CPUs this process may use."""
    allowed = sorted(os.sched_getaffinity(0))
    return {allowed[c % len(allowed)] for c in enclave_cpus}


def try_cgroup(slot_hex: str, memory_mib: int) -> Path | None:
    """A child cgroup with `memory.max` when cgroup v2 delegates the memory controller to us."""
    try:
        line = Path("/proc/self/cgroup").read_text().strip().splitlines()[-1]
        if not line.startswith("0::"):
            return None
        parent = Path("/sys/fs/cgroup") / line[3:].lstrip("/")
        if "memory" not in (parent / "cgroup.subtree_control").read_text().split():
            return None  # not cgroup v2, or memory not delegated: a plain mkdir would be a lie
        group = parent / f"nitrodeck-enc-{slot_hex}"
        group.mkdir(exist_ok=True)
        if not (group / "memory.max").exists():
            group.rmdir()
            return None
        (group / "memory.max").write_text(str(memory_mib << 20))
        return group
    except OSError:
        return None


def preexec(memory_mib: int, cgroup: Path | None, cpus: set[int]) -> Callable[[], None]:
    """Runs in the payload child before exec: die with the supervisor, pin to the CPUs that
    stand for the enclave's, cap the memory. (The supervisor itself, playing the hypervisor's
    console and vsock devices, stays unpinned.)

    libc is loaded here, in the parent: importing in a forked child can deadlock, and importing
    ctypes at module level would cost every simulator command ~10 ms."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def setup() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, cpus)
        if cgroup is not None:
            with contextlib.suppress(OSError):
                (cgroup / "cgroup.procs").write_text(str(os.getpid()))
                return
        if memory_mib >= RLIMIT_FLOOR_MIB:
            limit = memory_mib << 20
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return setup
