"""Where one simulated instance keeps its files (all under `<home>/sim/<profile>`).

Socket paths stay short on purpose: a Unix socket path is limited to 107 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.home import Home

HEARTBEAT_PORT = 9000
SUN_PATH_MAX = 107


@dataclass(frozen=True)
class Layout:
    root: Path
    home: Home
    """The home the instance belongs to: its PKI, and the environment of its child processes."""

    @classmethod
    def for_profile(cls, profile: str, home: Home) -> Layout:
        return cls(home.sim_dir(profile), home)

    @property
    def db(self) -> Path:
        return self.root / "state.db"

    @property
    def vsock_dir(self) -> Path:
        return self.root / "vsock"

    def enclave_dir(self, slot_hex: str) -> Path:
        """Kept after the enclave exits: its console and a record of what it was."""
        return self.root / "enclaves" / slot_hex

    def console(self, slot_hex: str) -> Path:
        return self.enclave_dir(slot_hex) / "console.log"

    def image_dir(self, slot_hex: str) -> Path:
        """The unpacked ramdisks; removed when the enclave ends."""
        return self.enclave_dir(slot_hex) / "image"

    def host_uds(self, cid: int) -> Path:
        """The enclave's vsock endpoint on the parent (`CONNECT <port>`)."""
        return self.vsock_dir / f"cid_{cid}.sock"

    def parent_listener(self, cid: int, port: int) -> Path:
        """Where the parent listens for enclave `cid` connecting to CID 3 `port`."""
        return Path(f"{self.host_uds(cid)}_{port}")

    def enclave_listen_dir(self, cid: int) -> Path:
        """The payload's own listeners (`NITRODECK_VSOCK_DIR`), one socket per port."""
        return self.vsock_dir / f"e{cid}"

    def nsm_socket(self, cid: int) -> Path:
        return self.enclave_listen_dir(cid) / "nsm"
