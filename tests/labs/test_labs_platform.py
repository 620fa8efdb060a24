"""Every platform lab: it starts, shows its symptom, fails `check`, and passes after the intended
fix made with `nitrodeck` commands in the lab's home."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from lab_support import RUN

from core.labs.platform_labs import self_signed

pytestmark = pytest.mark.slow


def test_stale_document_is_replaced_by_a_fresh_one(start_lab: Any) -> None:
    lab = start_lab("stale-document")
    verify = ("attestation", "verify", "doc.cose", "--trust", "sim", "--expect-eif", "app.eif")
    stale = lab.nd(*verify)
    assert stale.code == 1 and "expired" in stale.out
    assert not lab.check()["solved"]
    assert lab.nd("attest", "--enclave-name", "lab", "--out", "doc.cose").code == 0
    assert lab.nd(*verify).code == 0
    assert lab.check()["solved"]


def test_pool_too_small_shows_e26_e29_e27_in_turn(start_lab: Any) -> None:
    lab = start_lab("pool-too-small")
    config = lab.env.path("run.json")

    def run_with(**changes: Any) -> str:
        settings = json.loads(config.read_text()) | changes
        config.write_text(json.dumps(settings))
        result = lab.nd("run-enclave", "--config", "run.json")
        return "ok" if result.code == 0 else result.err

    assert "E26" in run_with()
    assert not lab.check()["solved"]
    assert "E29" in run_with(memory_mib=256)  # one CPU is half a core
    assert "E27" in run_with(cpu_count=2)  # the pool holds 128 MiB of hugepages
    assert lab.nd("pool", "apply", "--memory", "512", "--cpu-count", "2").code == 0
    assert run_with() == "ok"
    assert lab.check()["solved"]


def test_pool_busy_needs_a_window(start_lab: Any) -> None:
    lab = start_lab("pool-busy")
    apply = ("pool", "apply", "--memory", "1024", "--cpu-count", "4")
    refused = lab.nd(*apply)
    assert refused.code != 0 and "enclave" in refused.err
    assert not lab.check()["solved"]
    assert lab.nd("terminate-enclave", "--enclave-name", "lab").code == 0
    assert lab.nd(*apply).code == 0
    assert not lab.check()["solved"]  # the enclave must run again
    assert lab.nd(*RUN).code == 0
    assert lab.check()["solved"]


def _renew_certificate(lab: Any) -> None:
    """What `openssl req -new -x509 -key signing-key.pem -days 30 -out signing-cert.pem` does."""
    key = serialization.load_pem_private_key(lab.env.path("signing-key.pem").read_bytes(), None)
    lab.env.path("signing-cert.pem").write_bytes(self_signed(key, days_from=0, days_to=30))


def test_expired_signer_is_fixed_by_resigning(start_lab: Any) -> None:
    lab = start_lab("expired-signer")
    failed = lab.nd(*RUN)
    assert failed.code != 0 and "E39" in failed.err and "expired" in failed.err
    assert "its signing certificate is valid now" in {
        p["label"] for p in lab.check()["probes"] if not p["ok"]
    }
    _renew_certificate(lab)
    signed = lab.nd(
        "eif",
        "sign",
        "--eif-path",
        "app.eif",
        "--signing-certificate",
        "signing-cert.pem",
        "--private-key",
        "signing-key.pem",
    )
    assert signed.code == 0, signed.err
    assert lab.nd(*RUN).code == 0
    assert lab.check()["solved"]
