"""A target: which parent a command talks to (this machine, a simulator home, or ssh://…).

A simulator home on this machine is served by a local `nitrodeck serve --stdio` child with
that home, over the same protocol as a remote host: several homes can then be open at once in
one process (a local fleet), which one process-wide `$NITRODECK_HOME` could not do.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from core.home import Home
from core.platform.base import Platform
from core.remote.connection import RemoteConnection
from core.remote.platform import RemotePlatform
from core.remote.ssh import parse_ssh_url, ssh_argv

# Settings that pick a target: a served child must open its own machine, not recurse.
TARGET_VARIABLES = ("NITRODECK_HOST", "NITRODECK_CONTEXT")


@dataclass(frozen=True)
class Target:
    """One place to run: `host` (ssh://…), else `home` (a local simulator home), else local."""

    name: str
    host: str | None = None
    home: str | None = None
    remote_command: str | None = None
    platform: str | None = None
    profile: str | None = None
    trust: str | None = None
    """The operator's trust choice for this target's enclaves (`core.platform.trust`)."""

    @property
    def location(self) -> str:
        return self.host or (f"home {self.home}" if self.home else "this machine")


def served_env(home: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in TARGET_VARIABLES}
    if home is not None:
        env["NITRODECK_HOME"] = str(Path(home).expanduser())
    return env


def local_serve_argv() -> list[str]:
    return [sys.executable, "-m", "tui", "serve", "--stdio"]


def connect(target: Target, *, timeout: float = 30.0) -> RemoteConnection:
    """The protocol connection to a host or home target."""
    options = {"platform": target.platform, "profile": target.profile}
    if target.host:
        argv = ssh_argv(parse_ssh_url(target.host), target.remote_command)
        return RemoteConnection(argv, where=target.host, options=options, timeout=timeout)
    if target.home is None:
        raise ValueError("a local target has no connection")
    return RemoteConnection(
        local_serve_argv(),
        where=target.location,
        env=served_env(target.home),
        options=options,
        timeout=timeout,
    )


def open_target(target: Target, *, home: Home, timeout: float = 30.0) -> Platform:
    """The platform of a host or home target, over the protocol (this machine's own platforms
    are `core.platform.local`'s, opened in-process by `core.platform.select`). `home` is this
    machine's (the operator's): see `RemotePlatform.operator_home`."""
    if not (target.host or target.home):
        raise ValueError("a local target is opened by core.platform.select, not served")
    member = Path(target.home).expanduser() if target.home and not target.host else None
    return RemotePlatform(
        connect(target, timeout=timeout),
        label=target.location,
        operator_home=home,
        home=member,
        trust=target.trust,
    )
