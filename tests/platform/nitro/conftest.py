"""Fixtures for the Nitro platform: fixture hosts, a nitro-cli stand-in on PATH, a fake IMDSv2.

The stand-in is nitrodeck's own nitro-cli front end over the simulator (`tui.cli.nitro_cli`),
a separate program reached through `PATH` exactly as the real nitro-cli is. The fake IMDS
listens on loopback only.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from nitro_fixtures import SHAPES, HostState, build_sysroot

from core.platform.nitro.imds import ImdsClient
from core.platform.nitro.platform import NitroPlatform
from core.platform.nitro.sysfs import SysRoot

REPO = Path(__file__).resolve().parents[3]


def write_program(directory: Path, name: str, body: str) -> Path:
    """An executable shell script `name` in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory first on PATH for stand-in programs (nitro-cli, systemctl, journalctl)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", f"{directory}:/usr/bin:/bin")
    return directory


@pytest.fixture
def nitro_cli(bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`nitro-cli` on PATH: nitrodeck's nitro-cli front end over an m5.2xlarge simulator."""
    monkeypatch.setenv("NITRODECK_PROFILE", "m5.2xlarge")
    monkeypatch.setenv("NITRO_CLI_LOGS_PATH", str(tmp_path / "nitro-logs"))
    return write_program(
        bin_dir,
        "nitro-cli",
        f'PYTHONPATH="{REPO}" exec "{sys.executable}" -m tui.cli.nitro_cli "$@"',
    )


@pytest.fixture
def make_root(tmp_path: Path) -> Callable[..., SysRoot]:
    def make(shape: str = "m5.2xlarge", state: HostState | None = None) -> SysRoot:
        root = tmp_path / f"root-{shape}"
        return SysRoot(build_sysroot(root, SHAPES[shape], state))

    return make


@pytest.fixture
def nitro(
    make_root: Callable[..., SysRoot], nitro_cli: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[NitroPlatform]:
    """A NitroPlatform on an m5.2xlarge fixture driving the stand-in; enclaves end at teardown."""
    root = make_root("m5.2xlarge", HostState(pool=(1, 5), pages={(0, 2048): 256}))
    monkeypatch.setenv("NITRODECK_SYSROOT", str(root.root))
    platform = NitroPlatform(sysroot=root)
    yield platform
    platform.terminate_enclave(all_enclaves=True)


IDENTITY = {
    "accountId": "123456789012",
    "architecture": "x86_64",
    "instanceId": "i-0abc1234def567890",
    "instanceType": "m5.2xlarge",
    "region": "eu-west-1",
}


class FakeImds:
    """IMDSv2 on 127.0.0.1: tokens, identity, role; `mode` switches the failure under test."""

    TOKEN = "fake-token-AQAEA"

    def __init__(self) -> None:
        self.mode = "ok"  # ok | hop-limit | no-role | no-token-api
        self.requests: list[tuple[str, str, str | None]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, code: int, body: str = "") -> None:
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self) -> None:
                ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
                fake.requests.append(("PUT", self.path, ttl))
                if fake.mode == "hop-limit":
                    time.sleep(0.6)  # the reply is dropped at the hop limit: the client times out
                    return
                if fake.mode == "no-token-api" or self.path != "/latest/api/token" or not ttl:
                    self._send(403 if fake.mode == "no-token-api" else 400)
                    return
                self._send(200, fake.TOKEN)

            def do_GET(self) -> None:
                token = self.headers.get("X-aws-ec2-metadata-token")
                fake.requests.append(("GET", self.path, token))
                if token != fake.TOKEN:
                    self._send(401)
                elif self.path == "/latest/dynamic/instance-identity/document":
                    self._send(200, json.dumps(IDENTITY))
                elif self.path == "/latest/meta-data/iam/security-credentials/":
                    if fake.mode == "no-role":
                        self._send(404)
                    else:
                        self._send(200, "nitrodeck-parent-role")
                else:
                    self._send(404)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def client(self, timeout: float = 0.3) -> ImdsClient:
        return ImdsClient(self.url, timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_imds(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeImds]:
    fake = FakeImds()
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", fake.url)
    yield fake
    fake.close()
