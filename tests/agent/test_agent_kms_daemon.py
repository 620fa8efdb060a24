"""The local KMS daemon: started once per home, found again, stopped, and restarted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.home import Home
from core.kms.local.credentials import PRINCIPAL_ARN
from core.kms.local.daemon import ensure_local_kms, running_local_kms, stop_local_kms
from core.kms.target import boto3_client, caller_principal, local_target
from tui.cli.main import main


@pytest.mark.slow
def test_daemon_lifecycle(nitrodeck_home: Path) -> None:
    try:
        endpoint = ensure_local_kms(Home(nitrodeck_home))
        assert endpoint.startswith("http://127.0.0.1:")
        info = running_local_kms(Home(nitrodeck_home))
        assert info is not None and info.endpoint == endpoint and info.pid > 0
        assert ensure_local_kms(Home(nitrodeck_home)) == endpoint  # found, not started twice
        target = local_target(Home(nitrodeck_home))
        assert target.local and target.endpoint_url == endpoint
        kms = boto3_client(target)
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        assert caller_principal(target) == PRINCIPAL_ARN
        assert stop_local_kms(Home(nitrodeck_home))
        assert running_local_kms(Home(nitrodeck_home)) is None
        with pytest.raises(ProcessLookupError):
            os.kill(info.pid, 0)
        # a new daemon serves the same store: the key survived
        target = local_target(Home(nitrodeck_home))
        keys = [k["KeyId"] for k in boto3_client(target).list_keys()["Keys"]]
        assert key in keys
        assert (nitrodeck_home / "kms" / "server.log").exists()
    finally:
        stop_local_kms(Home(nitrodeck_home))


def test_stop_without_daemon_is_false(nitrodeck_home: Path) -> None:
    assert stop_local_kms(Home(nitrodeck_home)) is False
    assert running_local_kms(Home(nitrodeck_home)) is None


def test_dead_recorded_daemon_is_not_running(nitrodeck_home: Path) -> None:
    state = nitrodeck_home / "kms" / "daemon.json"
    state.parent.mkdir(parents=True)
    state.write_text('{"endpoint": "http://127.0.0.1:9", "pid": 999999999}')
    assert running_local_kms(Home(nitrodeck_home)) is None


def test_status_json_says_not_running(
    nitrodeck_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kms", "status", "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {"Running": False}
    assert main(["kms", "stop", "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {"Stopped": False}
