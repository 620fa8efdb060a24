"""Fixtures for the KMS tests: an in-process local KMS with a fake recipient verifier."""

from __future__ import annotations

import http.client
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from core.home import Home
from core.kms.attested import RecipientDocumentError, VerifiedRecipient
from core.kms.local.server import LocalKms
from enclave_agent.recipient import EphemeralRecipient

PROD_PCR0 = bytes.fromhex(
    "ec74bfbe7f7445a6c7610e152935e028276f638042b74797b119648e13f7a3675796b721034c320f140ea001b41aeae2"
)


@dataclass
class FakeVerifier:
    """Documents are opaque tokens registered with the PCRs and key they stand for."""

    documents: dict[bytes, VerifiedRecipient] = field(default_factory=dict)

    def register(self, token: bytes, public_key: bytes, pcrs: dict[int, bytes]) -> bytes:
        self.documents[token] = VerifiedRecipient(pcrs=pcrs, public_key=public_key)
        return token

    def __call__(self, document: bytes) -> VerifiedRecipient:
        if document not in self.documents:
            raise RecipientDocumentError("signature does not verify", where="test")
        return self.documents[document]


@dataclass
class KmsUnderTest:
    server: LocalKms
    verifier: FakeVerifier
    directory: Path

    def client(
        self, secret: str | None = None, access_key: str | None = None, region: str = "us-east-1"
    ) -> Any:
        creds = self.server.credentials
        return boto3.client(
            "kms",
            endpoint_url=self.server.endpoint,
            region_name=region,
            aws_access_key_id=access_key or creds.access_key_id,
            aws_secret_access_key=secret or creds.secret_access_key,
        )

    def admin_client(self) -> Any:
        """Signed as the key administrator (`nitrodeck-admin`), not the parent."""
        creds = self.server.admin_credentials
        return self.client(creds.secret_access_key, creds.access_key_id)


def send(endpoint: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
    parsed = urlparse(endpoint)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def post(
    kms: KmsUnderTest, target: str, body: bytes, region: str = "us-east-1"
) -> tuple[int, dict[str, Any]]:
    """A request signed by botocore's own signer, sent with http.client (no client checks)."""
    creds = kms.server.credentials
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
    request = AWSRequest("POST", kms.server.endpoint + "/", data=body, headers=headers)
    boto_creds = BotoCredentials(creds.access_key_id, creds.secret_access_key)
    SigV4Auth(boto_creds, "kms", region).add_auth(request)
    return send(kms.server.endpoint, dict(request.headers.items()), body)


def call(kms: KmsUnderTest, operation: str, **body: Any) -> tuple[int, dict[str, Any]]:
    """`operation` with a JSON body as given, bypassing boto3's own parameter checks."""
    return post(kms, f"TrentService.{operation}", json.dumps(body).encode())


@pytest.fixture
def local_kms(tmp_path: Path) -> Iterator[KmsUnderTest]:
    verifier = FakeVerifier()
    server = LocalKms(home=Home.resolve(), directory=tmp_path / "kms", verifier=verifier).start()
    try:
        yield KmsUnderTest(server, verifier, tmp_path / "kms")
    finally:
        server.close()


def recipient_for(
    local_kms: KmsUnderTest, pcr0: bytes
) -> tuple[EphemeralRecipient, dict[str, Any]]:
    """An enclave-side recipient key and the `Recipient` field whose document carries it."""
    recipient = EphemeralRecipient.generate()
    token = local_kms.verifier.register(
        os.urandom(16), recipient.public_key_der(), {0: pcr0, 1: bytes(48)}
    )
    return recipient, {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": token}


def restarted(local_kms: KmsUnderTest) -> KmsUnderTest:
    """Close the server and open a new one on the same directory (the caller closes it)."""
    local_kms.server.close()
    server = LocalKms(
        home=Home.resolve(), directory=local_kms.directory, verifier=local_kms.verifier
    ).start()
    return KmsUnderTest(server, local_kms.verifier, local_kms.directory)


def simulated_document(
    pki_home: Path, public_key: bytes, *, pcr0: bytes, debug: bool = False, age_s: float = 0.0
) -> bytes:
    """A document from the simulated NSM (real COSE, real chain to the simulator's root)."""
    from core.nsm.device import SimulatedNsm
    from core.nsm.pki import SimPki
    from enclave_agent.nsm_messages import Attestation, AttestationResponse, expect_response

    nsm = SimulatedNsm(
        SimPki.load_or_create(pki_home),
        measurements={0: pcr0, 1: bytes([1]) * 48, 2: bytes([2]) * 48},
        debug=debug,
        instance_id="i-0123456789abcdef0",
        role_arn=None,
        enclave_uid=1,
        clock=lambda: time.time() - age_s,
    )
    reply = nsm.handle(Attestation(public_key=public_key).to_cbor())
    return expect_response(reply, AttestationResponse).document


def denied(call: Callable[[], object]) -> str:
    """Run `call`, which must fail with AccessDeniedException; its message."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    return str(caught.value.response["Error"]["Message"])
