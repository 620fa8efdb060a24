"""The remote's local KMS, reached through the remote engine's connection (like `ssh -L`).

A remote simulator's enclaves are attested under that simulator's root, which only its own
local KMS trusts; so KMS requests for a remote simulator go to the remote's local KMS. A
listener on this machine's loopback forwards each connection as a stream of the protocol, and
the requests are signed with the remote KMS's credentials (kept 0600 under this home).
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading

from core.home import Home, write_private_file
from core.kms.target import LOCAL_REGION, KmsTarget, resolve_target
from core.platform.base import Platform
from core.remote.connection import RemoteConnection
from core.remote.platform import RemotePlatform


class KmsForwarder:
    """127.0.0.1:<port> here -> the remote's local KMS, one protocol stream per connection."""

    def __init__(self, connection: RemoteConnection) -> None:
        self.connection = connection
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            try:
                self.connection.open_stream("kms.connect").bridge(conn)
            except Exception:  # the remote went away: this request fails, the next may not
                conn.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.close()


def remote_kms_target(platform: RemotePlatform, home: Home) -> KmsTarget:
    """A `KmsTarget` for the remote's local KMS, forwarded over the platform's connection."""
    forwarder = KmsForwarder(platform.connection)
    platform.on_close(forwarder.close)
    credentials = platform.call("kms.credentials")
    name = hashlib.sha256(platform.label.encode()).hexdigest()[:16]
    path = home / "remote-kms" / name / "credentials"
    write_private_file(path, credentials)
    return KmsTarget(f"http://127.0.0.1:{forwarder.port}", LOCAL_REGION, path)


def kms_target_for(platform: Platform, endpoint_url: str | None, home: Home) -> KmsTarget:
    """`--endpoint-url`, else the platform's default KMS (the remote's own local KMS for a
    remote simulator)."""
    local = platform.default_kms == "local"
    if endpoint_url is None and local and isinstance(platform, RemotePlatform):
        return remote_kms_target(platform, home)
    return resolve_target(endpoint_url, local=local, home=home)
