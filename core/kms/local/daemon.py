"""The local KMS as a background daemon, so the command line and the app share one instance.

`ensure_local_kms(home)` returns the endpoint of a running `nitrodeck kms serve` for that home,
starting one (loopback, its own session so it outlives the command) when none answers. Its port
is chosen once and kept in `home/kms/port`, so a restarted daemon has the same endpoint. The
endpoint and pid go to `home/kms/daemon.json`, its start-up output (or why it did not start) to
`home/kms/server.out`, and its request log to `home/kms/server.log`, which the server writes
itself and rotates by size.
A lock file serialises concurrent starters, so two commands never start two servers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from core.errors import NitrodeckError
from core.home import Home, ensure_private_dir, file_lock, private_open, write_private_file
from core.processes import process_alive, process_ctime

START_TIMEOUT = 20.0


@dataclass(frozen=True)
class DaemonInfo:
    endpoint: str
    pid: int
    ctime: float = 0.0


def _kms_dir(home: Home) -> Path:
    return ensure_private_dir(home.kms_dir)


def state_path(home: Home) -> Path:
    return _kms_dir(home) / "daemon.json"


def log_path(home: Home) -> Path:
    """The request log `kms serve --log-file` writes and rotates (one writer: the server)."""
    return _kms_dir(home) / "server.log"


def output_path(home: Home) -> Path:
    """The daemon's own stdout and stderr: its start-up lines, or why it could not start."""
    return _kms_dir(home) / "server.out"


def _startup_failure(home: Home) -> str:
    try:
        lines = output_path(home).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return " ".join(line.strip() for line in lines[-3:] if line.strip())[-600:]


def _locked(home: Home) -> contextlib.AbstractContextManager[None]:
    return file_lock(_kms_dir(home) / "daemon.lock")


def _answers(endpoint: str, timeout: float = 1.0) -> bool:
    parts = urlsplit(endpoint)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout):
            return True
    except OSError:
        return False


def running_local_kms(home: Home) -> DaemonInfo | None:
    """The recorded daemon when its process lives and its port answers; else a foreground
    `nitrodeck kms serve` of this home (pid 0: not ours to stop) when its endpoint answers."""
    try:
        data = json.loads(state_path(home).read_text())
        info = DaemonInfo(str(data["endpoint"]), int(data["pid"]), float(data["ctime"]))
        if process_alive(info.pid, info.ctime) and _answers(info.endpoint):
            return info
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:  # `kms serve` records its endpoint here while it runs
        endpoint = (_kms_dir(home) / "endpoint").read_text().strip()
    except OSError:
        return None
    return DaemonInfo(endpoint, 0) if endpoint and _answers(endpoint) else None


def port_path(home: Home) -> Path:
    """The port this home's local KMS listens on: chosen once, kept across restarts, so an
    exported AWS_ENDPOINT_URL_KMS or --endpoint-url stays good."""
    return _kms_dir(home) / "port"


def _bindable(port: int) -> int | None:
    """`port` (0: any free one) if it can be bound on loopback now, else None."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # as the server binds: a just-stopped daemon's TIME_WAIT sockets do not hold the port
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return None
        chosen: int = probe.getsockname()[1]
        return chosen


def _kept_port(home: Home) -> int | None:
    try:
        port = int(port_path(home).read_text().strip())
    except (OSError, ValueError):
        return None
    return port if 1 <= port <= 65535 else None


def choose_port(home: Home, requested: int | None = None) -> int:
    """The port to start on: `requested` (0: a free one), else the kept one, else a free one;
    the choice is kept in the home. A kept port another program holds is an error naming it."""
    port = requested if requested is not None else _kept_port(home)
    chosen = _bindable(port or 0)
    if chosen is None:
        kept = "" if requested is not None else f" (kept in {port_path(home)})"
        raise NitrodeckError(
            f"port {port}{kept} is in use by another program",
            where="--port",
            fix="stop that program, or `nitrodeck kms start --port N` to move the local KMS "
            "(then export the new AWS_ENDPOINT_URL_KMS it prints); --port 0 picks a free port",
        )
    if chosen != _kept_port(home):
        write_private_file(port_path(home), f"{chosen}\n".encode())
    return chosen


def _spawn(home: Home, port: int) -> subprocess.Popen[bytes]:
    env = home.child_env() | {"PYTHONUNBUFFERED": "1"}
    argv = ["kms", "serve", "--port", str(port), "--log-file", str(log_path(home))]
    with os.fdopen(private_open(output_path(home), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)) as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tui", *argv],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            cwd=home.path,
            umask=0o077,
        )


def ensure_local_kms(home: Home, port: int | None = None) -> str:
    """The endpoint of this home's local KMS, starting the daemon first if none is running
    (on `port`, else on the port the home keeps)."""
    with _locked(home):
        running = running_local_kms(home)
        if running is not None:
            at = urlsplit(running.endpoint).port
            if port and port != at:
                raise NitrodeckError(
                    f"the local KMS already runs on port {at}",
                    where="--port",
                    fix="`nitrodeck kms stop` first, then start it on the new port",
                )
            return running.endpoint
        port = choose_port(home, port)
        process = _spawn(home, port)
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(endpoint, timeout=0.2):
            if process.poll() is not None or time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                why = _startup_failure(home)
                raise NitrodeckError(
                    "the local KMS did not start" + (f": {why}" if why else ""),
                    where=str(output_path(home)),
                    fix="fix what it names; or run `nitrodeck kms serve` in a terminal to see why",
                )
            time.sleep(0.05)
        state = {"endpoint": endpoint, "pid": process.pid, "ctime": process_ctime(process.pid)}
        write_private_file(state_path(home), json.dumps(state).encode())
        return endpoint


def stop_local_kms(home: Home, timeout: float = 10.0) -> bool:
    """Stop this home's daemon (SIGINT, then SIGKILL); True when one was running."""
    with _locked(home):
        try:
            data = json.loads(state_path(home).read_text())
            pid, ctime = int(data["pid"]), float(data["ctime"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        state_path(home).unlink(missing_ok=True)
        # Never signal a recorded pid that now belongs to some other process.
        if not process_alive(pid, ctime):
            return False
        os.kill(pid, signal.SIGINT)  # kms serve cleans up (its endpoint file) on Ctrl-C
        deadline = time.monotonic() + timeout
        while process_alive(pid, ctime) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    break
            time.sleep(0.05)
        if process_alive(pid, ctime):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):  # reap it when this process started it
            os.waitpid(pid, 0)
        return True
