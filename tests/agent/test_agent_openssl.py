"""Interop: a CMS that `openssl cms -encrypt` makes (RSA-OAEP-SHA256, AES-256-CBC, SKI recipient)
for the agent's ephemeral key decrypts inside the agent, which returns only length and digest."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.agent.client import AgentClient

if TYPE_CHECKING:
    from tests.agent.conftest import Running

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")

PROOF_KEY = bytes(range(32))


def certificate_for(spki_der: bytes, path: Path) -> None:
    """A certificate carrying the agent's public key (openssl -recip needs one); any issuer."""
    public = serialization.load_der_public_key(spki_der)
    issuer_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "agent recipient")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)  # type: ignore[arg-type]
        .sign(issuer_key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def test_openssl_cms_decrypts_in_the_agent(agent: Running, tmp_path: Path) -> None:
    plaintext = b"secret from openssl, never sent back"
    (tmp_path / "plain").write_bytes(plaintext)
    with AgentClient(agent.connect(), timeout=30) as client:
        key = client.recipient_key()
        certificate_for(key.public_key, tmp_path / "cert.pem")
        subprocess.run(
            ["openssl", "cms", "-encrypt", "-in", str(tmp_path / "plain"),
             "-recip", str(tmp_path / "cert.pem"), "-keyid",
             "-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256",
             "-keyopt", "rsa_mgf1_md:sha256", "-aes-256-cbc", "-binary",
             "-outform", "DER", "-out", str(tmp_path / "cms.der")],
            check=True, capture_output=True,
        )  # fmt: skip
        blob = (tmp_path / "cms.der").read_bytes()
        decrypted = client.recipient_decrypt(
            key.handle, blob, proof_key=PROOF_KEY, sealed_to=key.public_key
        )
    assert decrypted.length == len(plaintext)
    # the operator's own check of the proof, with openssl (a real HMAC, not our code's opinion)
    mac = subprocess.run(
        ["openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", f"hexkey:{PROOF_KEY.hex()}",
         str(tmp_path / "plain")],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert decrypted.hmac_sha256 is not None and decrypted.hmac_sha256.hex() in mac
