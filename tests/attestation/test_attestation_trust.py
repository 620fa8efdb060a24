"""Trust anchors: the bundled AWS root is pinned; sim and PEM anchors fail clearly."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from core.attestation import (
    AWS_ROOT_SHA256,
    AttestationError,
    anchor_from_pem,
    aws_root_anchor,
    sim_root_anchor,
)
from core.attestation import trust as trust_module
from core.home import Home


def test_bundled_aws_root_is_the_published_one(vectors: Path) -> None:
    anchor = aws_root_anchor()
    assert anchor.fingerprint == AWS_ROOT_SHA256
    assert anchor.der == (vectors / "aws-nitro-enclaves-root-g1.der").read_bytes()
    assert anchor.subject == "CN=aws.nitro-enclaves,OU=AWS,O=Amazon,C=US"


def test_the_pin_is_checked_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trust_module, "AWS_ROOT_SHA256", "00" * 32)
    with pytest.raises(AttestationError, match="not the pinned") as caught:
        aws_root_anchor()
    assert "reinstall" in (caught.value.fix or "")


def test_missing_sim_root_says_how_to_create_it(
    nitrodeck_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "core.nsm.pki", None)  # a build without the simulated NSM
    with pytest.raises(
        AttestationError, match="simulator's root certificate does not exist"
    ) as caught:
        sim_root_anchor(Home.resolve())
    assert caught.value.where == str(nitrodeck_home / "sim" / "pki" / "root.pem")
    assert "start the simulator" in (caught.value.fix or "")


def test_sim_root_is_read_from_the_home(
    nitrodeck_home: Path, vectors: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "core.nsm.pki", None)
    path = nitrodeck_home / "sim" / "pki" / "root.pem"
    path.parent.mkdir(parents=True)
    path.write_bytes((vectors / "aws-nitro-enclaves-root-g1.pem").read_bytes())
    anchor = sim_root_anchor(Home.resolve())
    assert anchor.name == "nitrodeck simulator root"
    assert anchor.fingerprint == AWS_ROOT_SHA256


def test_sim_root_comes_from_the_simulated_pki(nitrodeck_home: Path) -> None:
    from core.nsm.pki import SimPki

    anchor = sim_root_anchor(Home.resolve())  # creates the PKI of this home the first time
    assert anchor.der == SimPki.load_or_create(nitrodeck_home).root_der
    assert sim_root_anchor(Home.resolve()).der == anchor.der  # and keeps it
    assert anchor.fingerprint != AWS_ROOT_SHA256


def test_pem_and_der_anchor_files(tmp_path: Path, vectors: Path) -> None:
    der = anchor_from_pem(vectors / "aws-nitro-enclaves-root-g1.der")
    pem = anchor_from_pem(vectors / "aws-nitro-enclaves-root-g1.pem")
    assert der.der == pem.der == der.certificate.public_bytes(Encoding.DER)
    assert pem.name == "aws-nitro-enclaves-root-g1.pem"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the trust anchor"),
        (b"not a certificate", "holds no PEM or DER certificate"),
        ("twice", "holds 2 certificates"),
    ],
)
def test_bad_anchor_files(tmp_path: Path, vectors: Path, content: object, message: str) -> None:
    path = tmp_path / "anchor.pem"
    pem = (vectors / "aws-nitro-enclaves-root-g1.pem").read_bytes()
    if content == "twice":
        path.write_bytes(pem + b"\n" + pem)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(AttestationError, match=message):
        anchor_from_pem(path)
