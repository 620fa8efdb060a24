"""Where a remote engine is and the command line that reaches it.

`ssh://[user@]host[:port]` is parsed strictly (a host starting with `-` would be an ssh option).
The ssh program is `ssh`, or `$NITRODECK_SSH_COMMAND` split like a shell would (as git does with
GIT_SSH_COMMAND), so bastions, SSM proxies, keys and `~/.ssh/config` all apply unchanged.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import NamedTuple
from urllib.parse import urlsplit

from core.errors import UsageError

DEFAULT_REMOTE_COMMAND = "nitrodeck"
_HOST = re.compile(r"^[A-Za-z0-9_.:\[\]%-]+$")


class SshUrl(NamedTuple):
    """A parsed ssh:// URL (a named tuple, not a dataclass: `nitrodeck --host` parses one before
    loading anything else, see `core.remote.early`)."""

    host: str
    user: str | None = None
    port: int | None = None

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"ssh://{user}{self.host}{port}"


def parse_ssh_url(url: str) -> SshUrl:
    """`ssh://[user@]host[:port]`, or a clear error naming what is wrong with it."""
    fix = "write it as ssh://[user@]host[:port], e.g. ssh://ec2-user@10.0.0.5"
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise UsageError(f"{url!r} is not a valid URL: {error}", where="--host", fix=fix) from None
    if parts.scheme != "ssh":
        raise UsageError(f"{url!r} is not an ssh:// URL", where="--host", fix=fix)
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.password:
        raise UsageError(f"{url!r} has parts an ssh host has not", where="--host", fix=fix)
    try:
        port = parts.port
    except ValueError:
        raise UsageError(f"{url!r} has an invalid port", where="--host", fix=fix) from None
    host = parts.hostname or ""
    if not host or host.startswith("-") or not _HOST.match(host):
        raise UsageError(f"{url!r} names no valid host", where="--host", fix=fix)
    user = parts.username
    if user is not None and (not user or user.startswith("-")):
        raise UsageError(f"{url!r} names no valid user", where="--host", fix=fix)
    return SshUrl(host=host, user=user, port=port)


def ssh_program() -> list[str]:
    """`$NITRODECK_SSH_COMMAND` split into words, else `ssh`."""
    custom = os.environ.get("NITRODECK_SSH_COMMAND", "").strip()
    return shlex.split(custom) if custom else ["ssh"]


def ssh_argv(url: SshUrl, remote_command: str | None = None) -> list[str]:
    """The full command line: ssh, its options, the host, then `<remote> serve --stdio`."""
    remote = remote_command or os.environ.get("NITRODECK_REMOTE_COMMAND") or DEFAULT_REMOTE_COMMAND
    argv = [*ssh_program(), "-T", "-o", "ServerAliveInterval=15"]
    if url.user:
        argv += ["-l", url.user]
    if url.port:
        argv += ["-p", str(url.port)]
    return [*argv, "--", url.host, f"{remote} serve --stdio"]
