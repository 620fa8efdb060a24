"""A real OpenSSH server on 127.0.0.1 for the remote-engine tests, and the client config for it.

One sshd per test session (per xdist worker) with a generated host key, running as the current
user; each test makes its own client key and authorizes it. The client side is the system
`ssh` with a generated ssh_config: StrictHostKeyChecking against a known_hosts written here.
"""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SSHD_CANDIDATES = ("/usr/sbin/sshd", "/usr/local/sbin/sshd", "/usr/bin/sshd")
HOST_ALIAS = "nitrodeck-sshd"
NITRODECK = Path(sys.executable).with_name("nitrodeck")


def remote_command(home: Path) -> str:
    """How the remote runs this checkout's nitrodeck with its own home (sshd passes no env)."""
    return shlex.join(["env", f"NITRODECK_HOME={home}", str(NITRODECK)])


def find_sshd() -> str | None:
    return next((p for p in SSHD_CANDIDATES if os.access(p, os.X_OK)), shutil.which("sshd"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def keygen(path: Path, comment: str) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return path.with_suffix(".pub").read_text().strip()


@dataclass
class Sshd:
    directory: Path
    port: int
    process: subprocess.Popen[bytes]
    host_public: str

    @property
    def authorized_keys(self) -> Path:
        return self.directory / "authorized_keys"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def client(self, directory: Path, hosts: dict[str, str]) -> Path:
        """A client key authorized now and an ssh_config whose `Host` aliases all reach us.

        `hosts` maps alias -> extra config lines (e.g. a ProxyCommand that never answers).
        """
        directory.mkdir(parents=True, exist_ok=True)
        key = directory / "id_ed25519"
        public = keygen(key, f"test-{directory.name}")
        with self.authorized_keys.open("a") as keys:
            keys.write(public + "\n")
        known = directory / "known_hosts"
        known.write_text(f"{HOST_ALIAS} {self.host_public}\n")
        blocks = []
        for alias, extra in hosts.items():
            blocks.append(
                f"Host {alias}\n  HostName 127.0.0.1\n  Port {self.port}\n"
                f"  User {getpass.getuser()}\n  HostKeyAlias {HOST_ALIAS}\n{extra}"
            )
        blocks.append(
            f"Host *\n  IdentityFile {key}\n  IdentitiesOnly yes\n  BatchMode yes\n"
            f"  StrictHostKeyChecking yes\n  UserKnownHostsFile {known}\n"
            "  GlobalKnownHostsFile /dev/null\n  ConnectTimeout 5\n  LogLevel ERROR\n"
        )
        config = directory / "ssh_config"
        config.write_text("\n".join(blocks))
        return config


def start_sshd(directory: Path, sshd: str) -> Sshd:
    directory.mkdir(parents=True, exist_ok=True)
    host_public = keygen(directory / "host_ed25519", "nitrodeck-test-host")
    (directory / "authorized_keys").touch(mode=0o600)
    port = free_port()
    config = directory / "sshd_config"
    config.write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {directory / 'host_ed25519'}\n"
        f"PidFile {directory / 'sshd.pid'}\nAuthorizedKeysFile {directory / 'authorized_keys'}\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\n"
        f"AllowUsers {getpass.getuser()}\nPrintMotd no\nX11Forwarding no\n"
        "AllowTcpForwarding no\nLogLevel ERROR\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation dir
    log = (directory / "sshd.log").open("wb")
    process = subprocess.Popen(
        [sshd, "-D", "-e", "-f", str(config)], stdin=subprocess.DEVNULL, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited: {(directory / 'sshd.log').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        process.kill()
        raise RuntimeError("sshd did not start listening within 10 s")
    return Sshd(directory, port, process, host_public)
