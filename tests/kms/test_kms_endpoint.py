"""A home's local KMS keeps its endpoint across `kms stop` / `kms start`; `--port` moves it."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import boto3
import pytest

from core.home import Home
from core.kms.local.credentials import PROFILE
from core.kms.local.daemon import port_path, stop_local_kms
from tui.cli.main import main

pytestmark = pytest.mark.slow


def _exports(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    lines = capsys.readouterr().out.splitlines()
    pairs = (
        line.removeprefix("export ").split("=", 1) for line in lines if line.startswith("export ")
    )
    return dict(pairs)


def test_restart_keeps_the_endpoint_an_sdk_reads(
    nitrodeck_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        assert main(["kms", "start"]) == 0
        first = _exports(capsys)
        endpoint = first["AWS_ENDPOINT_URL_KMS"]
        assert port_path(Home(nitrodeck_home)).read_text().strip() == endpoint.rsplit(":", 1)[1]
        assert main(["kms", "stop"]) == 0
        assert main(["kms", "start"]) == 0
        assert _exports(capsys)["AWS_ENDPOINT_URL_KMS"] == endpoint
        for name, value in first.items():  # the printed exports alone point an SDK at it
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(nitrodeck_home / "no-aws-config"))
        assert os.environ["AWS_PROFILE"] == PROFILE
        kms = boto3.session.Session().client("kms")
        assert kms.meta.endpoint_url == endpoint
        assert kms.list_keys()["Keys"] == []
    finally:
        stop_local_kms(Home(nitrodeck_home))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_port_is_chosen_with_flag_and_a_taken_port_is_named(
    nitrodeck_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _free_port()
    try:
        assert main(["kms", "start", "--port", str(port)]) == 0
        assert _exports(capsys)["AWS_ENDPOINT_URL_KMS"] == f"http://127.0.0.1:{port}"
        assert main(["kms", "start", "--port", str(port + 1)]) != 0  # runs elsewhere: stop first
        assert "already runs on port" in capsys.readouterr().err
        assert main(["kms", "stop"]) == 0
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", port))
            squatter.listen()
            assert main(["kms", "start"]) != 0
            err = capsys.readouterr().err
            assert f"port {port}" in err and "--port" in err and "Traceback" not in err
    finally:
        stop_local_kms(Home(nitrodeck_home))
