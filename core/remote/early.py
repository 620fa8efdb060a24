"""Starting a remote session's process early, before the command that uses it has loaded.

Over ssh most of a remote command's time is the SSH handshake and the far interpreter's start,
and neither needs anything from the command. So `nitrodeck --host ssh://… describe-enclaves`
starts ssh as its first work (`prestart`) and loads the command while the handshake runs; the
`RemoteConnection` it opens later adopts that process when it asks for the same command line
and options. A process nobody adopted is killed when the command ends (`discard`).

Every session, early or not, writes the client's hello at once instead of after the server's:
the server still checks it before it reads any call, and this side still checks the server's
hello before it reads any answer, so the version check is the same, one round trip sooner.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import Any

_started: dict[str, subprocess.Popen[bytes]] = {}


def spawn(
    argv: list[str], env: dict[str, str] | None, options: dict[str, Any]
) -> subprocess.Popen[bytes]:
    """`argv` started in its own session with piped stdio, the client's hello already sent."""
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    assert process.stdin is not None
    from core.remote import framing, protocol  # loaded while ssh connects: it needs no hello yet

    with contextlib.suppress(OSError):  # it ended at once: the reader says why (its stderr)
        framing.write_frame(process.stdin, protocol.hello_payload(options))
    return process


def _key(argv: list[str], options: dict[str, Any]) -> str:
    return repr((argv, sorted(options.items())))


def prestart(argv: list[str], options: dict[str, Any]) -> None:
    """Start the session `argv` (with this process's environment) for a connection to adopt,
    unless it is already started."""
    key = _key(argv, options)
    if key in _started:
        return
    with contextlib.suppress(OSError):  # no ssh here: the command's own connection says so
        _started[key] = spawn(argv, None, options)


def adopt(
    argv: list[str], env: dict[str, str] | None, options: dict[str, Any]
) -> subprocess.Popen[bytes] | None:
    """The session `prestart` started for exactly this command line and options, if any."""
    if env is not None:
        return None
    return _started.pop(_key(argv, options), None)


def discard() -> None:
    """End the early sessions nobody adopted (the command failed or needed none): SIGTERM
    first, so an ssh asking for a password on the terminal gives it back with echo on."""
    for process in _started.values():
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(OSError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                continue
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
    _started.clear()
