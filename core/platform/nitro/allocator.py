"""The real allocator: allocator.yaml written atomically (with a backup), the service restarted.

The planning rules are the simulator's (`core.platform.allocator.plan_allocation`), run against
the host read from sysfs, so `pool plan` says the same on both platforms. Applying refuses while
enclaves run (the service would fail with "Could not re-online CPUs…") and says when root is
needed. `systemctl` and `journalctl` come from `PATH`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from core.errors import NitrodeckError
from core.platform.allocator import RUNNING_MSG, parse_allocator_yaml
from core.platform.base import AllocatorError, PoolConfig
from core.platform.nitro.programs import run_program
from core.platform.nitro.sysfs import ALLOCATOR_YAML, SysRoot

SERVICE = "nitro-enclaves-allocator.service"
COMMAND_TIMEOUT = 120.0
JOURNAL_LINES = 20
BACKUP_SUFFIX = ".nitrodeck-backup"


def read_config(sysroot: SysRoot) -> PoolConfig | None:
    """allocator.yaml as the service reads it; None when the file is absent."""
    path = sysroot.path(ALLOCATOR_YAML)
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise NitrodeckError(
            f"cannot read the allocator's config: {error.strerror}", where=str(path)
        ) from error
    try:
        return parse_allocator_yaml(text, where=str(path))
    except ValueError as error:
        raise NitrodeckError(
            str(error), where=str(path), fix="fix the file, or rewrite it with nitrodeck pool apply"
        ) from error


def render_config(config: PoolConfig) -> str:
    """allocator.yaml in the shipped file's layout."""
    lines = [
        "---",
        "# Enclave configuration file, written by nitrodeck.",
        "#",
        "# How much memory to allocate for enclaves (in MiB).",
        f"memory_mib: {config.memory_mib}",
        "#",
    ]
    if config.cpu_pool is not None:
        lines += ["# The list of CPUs to reserve for enclaves.", f"cpu_pool: {config.cpu_pool}"]
    else:
        lines += ["# How many CPUs to reserve for enclaves.", f"cpu_count: {config.cpu_count}"]
    return "\n".join(lines) + "\n"


def write_config(sysroot: SysRoot, config: PoolConfig) -> Path | None:
    """Replace allocator.yaml atomically, keeping the previous one next to it (returned)."""
    path = sysroot.path(ALLOCATOR_YAML)
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            shutil.copy2(path, backup)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".allocator-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(render_config(config))
            os.chmod(temp, 0o644)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except PermissionError as error:
        raise NitrodeckError(
            "changing the enclave pool needs root (allocator.yaml is root's)",
            where=str(path),
            fix="run it again with sudo: sudo nitrodeck --platform nitro pool apply …",
        ) from error
    except OSError as error:
        raise NitrodeckError(f"cannot write: {error.strerror}", where=str(path)) from error
    return backup if backup.exists() else None


def refuse_while_running(enclaves: int) -> None:
    if enclaves:
        raise AllocatorError(
            RUNNING_MSG,
            fix=f"{enclaves} enclave(s) run: stop them first (nitro-cli terminate-enclave --all)",
        )


def restart_service() -> None:
    """`systemctl restart` the allocator; its `Error: …` line from the journal when it fails."""
    done = run_program(["systemctl", "restart", SERVICE], COMMAND_TIMEOUT)
    if done is None:
        raise NitrodeckError(
            "systemctl is not on PATH",
            fix=f"nitrodeck restarts {SERVICE} with systemctl; run on a systemd host",
        )
    if done.returncode == 0:
        return
    text = (done.stderr or done.stdout).strip()
    if "Access denied" in text or "authentication" in text.lower() or "polkit" in text.lower():
        raise NitrodeckError(
            f"restarting {SERVICE} needs root ({text})",
            fix="run it again with sudo: sudo nitrodeck --platform nitro pool apply …",
        )
    log = journal()
    errors = [line for line in log if line.strip().startswith("Error")]
    raise AllocatorError(
        (errors[-1].strip() if errors else text) or f"{SERVICE} failed",
        fix=f"its log: journalctl -u {SERVICE} -n {JOURNAL_LINES} (the old config is in "
        f"allocator.yaml{BACKUP_SUFFIX})",
    )


def journal(lines: int = JOURNAL_LINES) -> list[str]:
    """The service's last log lines (message text only); empty when journalctl is absent."""
    done = run_program(
        ["journalctl", "-u", SERVICE, "-n", str(lines), "--no-pager", "-o", "cat"], COMMAND_TIMEOUT
    )
    if done is None:
        return []
    return [line for line in done.stdout.splitlines() if line.strip()]


def service_state(unit: str = SERVICE) -> str:
    """`systemctl is-active`'s word (active, inactive, failed…) or `unknown` without systemctl."""
    done = run_program(["systemctl", "is-active", unit], COMMAND_TIMEOUT)
    if done is None:
        return "unknown"
    return done.stdout.strip() or "unknown"
