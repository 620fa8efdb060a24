"""Simulated documents pass nitrodeck's own verifier (`core.attestation`) against the simulator's
root, with the expected PCRs and nonce, and fail it against the AWS root."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cbor2

from core.attestation import (
    CheckStatus,
    Expectations,
    aws_root_anchor,
    sim_root_anchor,
    verify,
)
from core.home import Home
from core.nsm.device import SimulatedNsm
from enclave_agent.nsm_messages import Attestation
from tests.nsm.conftest import MEASUREMENTS, MakeDevice


def attest(device: SimulatedNsm, nonce: bytes) -> bytes:
    reply = cbor2.loads(device.handle(Attestation(nonce=nonce).to_cbor()))
    return bytes(reply["Attestation"]["document"])


def test_simulated_document_passes_the_verifier(device: SimulatedNsm, nitrodeck_home: Path) -> None:
    document = attest(device, b"nonce-123")
    expect = Expectations(pcrs={i: MEASUREMENTS[i] for i in (0, 1, 2, 8)}, nonce=b"nonce-123")
    report = verify(
        document,
        anchors=[sim_root_anchor(Home(nitrodeck_home))],
        at=dt.datetime.now(dt.UTC),
        expect=expect,
    )
    assert report.ok, [c for c in report.checks if c.status is not CheckStatus.PASS]
    assert not report.warnings


def test_simulated_document_fails_against_the_aws_root(device: SimulatedNsm) -> None:
    report = verify(attest(device, b"n"), anchors=[aws_root_anchor()], at=dt.datetime.now(dt.UTC))
    assert not report.ok
    assert "chain" in {check.name for check in report.failures}


def test_debug_document_verifies_with_a_debug_warning(
    make_device: MakeDevice, nitrodeck_home: Path
) -> None:
    document = attest(make_device(debug=True), b"n")
    report = verify(
        document, anchors=[sim_root_anchor(Home(nitrodeck_home))], at=dt.datetime.now(dt.UTC)
    )
    assert report.ok
    assert [check.name for check in report.warnings] == ["debug_mode"]
