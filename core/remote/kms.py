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
from core.kms.target import LOCAL_REGION, KmsTarget
from core.remote.connection import RemoteConnection


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


def forwarded_kms_target(
    connection: RemoteConnection, label: str, credentials: bytes, home: Home
) -> tuple[KmsTarget, KmsForwarder]:
    """A `KmsTarget` for the remote's local KMS, forwarded over `connection`, signed with the
    remote KMS's `credentials` (kept 0600 under `home`, this machine's); close the forwarder
    with the connection."""
    forwarder = KmsForwarder(connection)
    name = hashlib.sha256(label.encode()).hexdigest()[:16]
    path = home / "remote-kms" / name / "credentials"
    write_private_file(path, credentials)
    return KmsTarget(f"http://127.0.0.1:{forwarder.port}", LOCAL_REGION, path), forwarder
