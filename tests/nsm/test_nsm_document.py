"""Simulated attestation documents: the real byte layout, a valid signature and chain to the
simulator's root, and never a chain to the AWS root."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from core.nsm.device import SimulatedNsm
from core.nsm.document import encode_payload, sig_structure
from core.nsm.pki import SimPki
from enclave_agent.nsm_messages import Attestation, LockPCR
from tests.nsm.conftest import MakeDevice

KEYS = [
    "module_id",
    "digest",
    "timestamp",
    "pcrs",
    "certificate",
    "cabundle",
    "public_key",
    "user_data",
    "nonce",
]
VECTOR_FILES = [
    "evervault_prod_2022-10-13.cose",
    "evervault_debug_2022-10-12.cose",
    "evervault_debug_2023-09-18.cose",
    "eternis_debug_2024-09-09.cose",
    "base_prod_2024-11-30.cose",
    "base_prod_indefinite_2026-01-03.cose",
]


def attest(device: SimulatedNsm, **fields: bytes | None) -> bytes:
    reply = cbor2.loads(device.handle(Attestation(**fields).to_cbor()))
    return bytes(reply["Attestation"]["document"])


def decode(document: bytes) -> tuple[list[Any], dict[str, Any]]:
    envelope = cbor2.loads(document)
    return envelope, cbor2.loads(envelope[2])


def chain_verifies(payload: dict[str, Any], root: x509.Certificate) -> bool:
    leaf = x509.load_der_x509_certificate(payload["certificate"])
    intermediates = [x509.load_der_x509_certificate(c) for c in payload["cabundle"][1:]]
    verifier = (
        PolicyBuilder()
        .store(Store([root]))
        .time(dt.datetime.fromtimestamp(payload["timestamp"] / 1000, dt.UTC))
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
        )
        .build_client_verifier()
    )
    try:
        verified = verifier.verify(leaf, intermediates)
    except VerificationError:
        return False
    return len(verified.chain) == 5


def test_envelope_bytes_are_the_real_layout(device: SimulatedNsm) -> None:
    document = attest(device)
    assert document[:8] == bytes.fromhex("8444a1013822a059")
    envelope, _ = decode(document)
    assert envelope[0] == b"\xa1\x01\x38\x22" and envelope[1] == {}
    assert len(envelope[3]) == 96


def test_payload_has_the_nine_keys_in_order_with_nulls(device: SimulatedNsm) -> None:
    envelope, payload = decode(attest(device, nonce=b"fresh"))
    assert envelope[2][:1] == b"\xbf" and envelope[2][-1:] == b"\xff"  # today's NSM: indefinite
    assert list(payload) == KEYS
    assert payload["module_id"] == device.module_id and payload["digest"] == "SHA384"
    assert (payload["public_key"], payload["user_data"], payload["nonce"]) == (None, None, b"fresh")
    assert sorted(payload["pcrs"]) == list(range(16))
    assert all(len(value) == 48 for value in payload["pcrs"].values())
    assert payload["pcrs"][0] == device.pcr(0) and payload["pcrs"][3] == device.pcr(3)


def test_definite_payload_map_is_available(make_device: MakeDevice) -> None:
    envelope, payload = decode(attest(make_device(indefinite_payload=False)))
    assert envelope[2][:1] == b"\xa9" and list(payload) == KEYS


def test_timestamp_is_the_device_clock_in_ms(make_device: MakeDevice) -> None:
    device = make_device(clock=lambda: 1_800_000_000.123)
    _, payload = decode(attest(device))
    assert payload["timestamp"] == 1_800_000_000_123


def test_locked_user_pcrs_appear_in_the_document(device: SimulatedNsm) -> None:
    device.handle(LockPCR(23).to_cbor())
    _, payload = decode(attest(device))
    assert sorted(payload["pcrs"]) == [*range(16), 23]


def test_signature_verifies_with_the_leaf_key(device: SimulatedNsm) -> None:
    envelope, payload = decode(attest(device, user_data=b"hello"))
    leaf_key = x509.load_der_x509_certificate(payload["certificate"]).public_key()
    assert isinstance(leaf_key, ec.EllipticCurvePublicKey)
    signature = encode_dss_signature(
        int.from_bytes(envelope[3][:48], "big"), int.from_bytes(envelope[3][48:], "big")
    )
    to_be_signed = sig_structure(envelope[0], envelope[2])
    leaf_key.verify(signature, to_be_signed, ec.ECDSA(hashes.SHA384()))
    with pytest.raises(InvalidSignature):
        leaf_key.verify(
            signature, to_be_signed.replace(b"hello", b"hellO"), ec.ECDSA(hashes.SHA384())
        )


def test_chain_validates_to_the_sim_root_only(
    device: SimulatedNsm, pki: SimPki, vectors: Path
) -> None:
    _, payload = decode(attest(device))
    sim_root = x509.load_pem_x509_certificate(pki.root_pem_path.read_bytes())
    assert payload["cabundle"][0] == pki.root_der
    assert chain_verifies(payload, sim_root)
    aws_root = x509.load_pem_x509_certificate(
        (vectors / "aws-nitro-enclaves-root-g1.pem").read_bytes()
    )
    assert not chain_verifies(payload, aws_root)


def test_debug_documents_still_verify(make_device: MakeDevice, pki: SimPki) -> None:
    _, payload = decode(attest(make_device(debug=True)))
    assert all(payload["pcrs"][i] == bytes(48) for i in (0, 1, 2, 8))
    assert payload["pcrs"][4] != bytes(48)
    assert chain_verifies(payload, pki.root.cert)


def test_leaf_is_reused_within_the_hour_then_renewed(make_device: MakeDevice, pki: SimPki) -> None:
    now = [dt.datetime.now(dt.UTC).timestamp()]
    device = make_device(clock=lambda: now[0])
    first = decode(attest(device))[1]["certificate"]
    now[0] += 1800
    assert decode(attest(device))[1]["certificate"] == first
    now[0] += 1900
    _, renewed = decode(attest(device))
    assert renewed["certificate"] != first
    assert chain_verifies(renewed, pki.root.cert)


def test_two_enclaves_on_one_instance_share_the_chain_not_the_leaf(make_device: MakeDevice) -> None:
    _, one = decode(attest(make_device()))
    _, two = decode(attest(make_device(enclave_uid=0x0193685E7FEE0001)))
    assert one["cabundle"] == two["cabundle"]
    assert one["certificate"] != two["certificate"]
    assert two["module_id"].endswith("-enc0193685e7fee0001")


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_payload_encoder_reproduces_real_documents(vectors: Path, name: str) -> None:
    """encode_payload writes the real NSM's bytes: checked by re-encoding the six vectors."""
    payload_bytes = cbor2.loads((vectors / name).read_bytes())[2]
    payload = cbor2.loads(payload_bytes)
    rebuilt = encode_payload(
        module_id=payload["module_id"],
        timestamp_ms=payload["timestamp"],
        pcrs=payload["pcrs"],
        certificate=payload["certificate"],
        cabundle=payload["cabundle"],
        public_key=payload["public_key"],
        user_data=payload["user_data"],
        nonce=payload["nonce"],
        indefinite=payload_bytes[:1] == b"\xbf",
    )
    assert rebuilt == payload_bytes
