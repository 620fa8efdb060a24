"""`kill -9` of a real `nitrodeck kms serve` during a burst of CreateKey calls loses nothing
that it acknowledged."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.kms.inventory import local_client

ENDPOINT = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def _serve(home: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "NITRODECK_HOME": str(home)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "kms", "serve", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = ENDPOINT.search(line)
    if not match:
        process.kill()
        pytest.fail(f"kms serve printed {line!r}")
    return process, match.group(1)


def _client(home: Path, endpoint: str) -> Any:
    config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10)
    return local_client(endpoint, home / "kms" / "credentials", config)


@pytest.mark.slow
def test_acknowledged_keys_survive_kill_9(tmp_path: Path) -> None:
    home = tmp_path / "home"
    process, endpoint = _serve(home)
    acknowledged: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    def burst() -> None:
        kms = _client(home, endpoint)
        while True:
            try:
                key_id = kms.create_key(Description="burst")["KeyMetadata"]["KeyId"]
            except (BotoCoreError, ClientError):
                return
            with lock:
                acknowledged.append(key_id)
                if len(acknowledged) >= 40:
                    enough.set()

    workers = [threading.Thread(target=burst) for _ in range(4)]
    for worker in workers:
        worker.start()
    assert enough.wait(60), "the burst never got going"
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    for worker in workers:
        worker.join(30)
    process, endpoint = _serve(home)
    try:
        kms = _client(home, endpoint)
        stored = {
            k["KeyId"] for page in kms.get_paginator("list_keys").paginate() for k in page["Keys"]
        }
        assert set(acknowledged) <= stored
        assert len(acknowledged) >= 40
    finally:
        process.kill()
        process.wait(10)


def test_sigterm_stops_cleanly_and_forgets_the_endpoint(tmp_path: Path) -> None:
    home = tmp_path / "home"
    process, endpoint = _serve(home)
    assert (home / "kms" / "endpoint").read_text().strip() == endpoint
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 130
    assert not (home / "kms" / "endpoint").exists()
