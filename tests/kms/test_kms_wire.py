"""SigV4 against AWS's published test-suite vectors, and hand-made requests on the wire."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest
from kms_fixtures import KmsUnderTest, post, send

from core.kms.local.sigv4 import signature

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SCOPE = "20150830/us-east-1/service/aws4_request"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),  # get-vanilla
        (
            "Param2=value2&Param1=value1",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
    ],
)
def test_aws_sigv4_suite_vectors(query: str, expected: str) -> None:
    headers = {"host": "example.amazonaws.com", "x-amz-date": "20150830T123600Z"}
    assert (
        signature(
            SECRET,
            method="GET",
            path="/",
            query=query,
            headers=headers,
            signed_headers=["host", "x-amz-date"],
            body=b"",
            amz_date="20150830T123600Z",
            scope=SCOPE,
        )
        == expected
    )


def test_signed_raw_request_works(local_kms: KmsUnderTest) -> None:
    status, body = post(local_kms, "TrentService.ListKeys", b"{}")
    assert status == 200 and body["Keys"] == []


@pytest.mark.parametrize(
    ("target", "body", "code"),
    [
        ("TrentService.DeleteEverything", b"{}", "UnknownOperationException"),
        ("Other.ListKeys", b"{}", "UnknownOperationException"),
        ("TrentService.ListKeys", b"not json", "SerializationException"),
        ("TrentService.ListKeys", b"[1, 2]", "SerializationException"),
        (
            "TrentService.Decrypt",
            b'{"CiphertextBlob": "%%%"}',
            "SerializationException",
        ),
        ("TrentService.GenerateRandom", b'{"NumberOfBytes": 5000}', "ValidationException"),
        (
            "TrentService.Decrypt",
            b'{"CiphertextBlob": "AQI=", "Recipient": {"KeyEncryptionAlgorithm": "RSA_PKCS1"}}',
            "ValidationException",  # the model's enum is checked before the ciphertext
        ),
    ],
)
def test_bad_requests_get_kms_error_shapes(
    local_kms: KmsUnderTest, target: str, body: bytes, code: str
) -> None:
    status, answer = post(local_kms, target, body)
    assert status == 400 and answer["__type"] == code and isinstance(answer["message"], str)


def test_stale_signature_is_expired(local_kms: KmsUnderTest) -> None:
    """Signed correctly with our own signer, but an hour ago: AWS allows 15 minutes."""
    creds = local_kms.server.credentials
    parsed = urlparse(local_kms.server.endpoint)
    when = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "host": parsed.netloc,
        "x-amz-date": when,
        "x-amz-target": "TrentService.ListKeys",
        "content-type": "application/x-amz-json-1.1",
    }
    signed = sorted(headers)
    scope = f"{when[:8]}/us-east-1/kms/aws4_request"
    sig = signature(
        creds.secret_access_key,
        method="POST",
        path="/",
        query="",
        headers=headers,
        signed_headers=signed,
        body=b"{}",
        amz_date=when,
        scope=scope,
    )
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={creds.access_key_id}/{scope}, "
        f"SignedHeaders={';'.join(signed)}, Signature={sig}"
    )
    status, answer = send(local_kms.server.endpoint, headers, b"{}")
    assert status == 400 and answer["__type"] == "InvalidSignatureException"
    assert answer["message"].startswith("Signature expired")


def test_recipient_with_wrong_algorithm_is_validation(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    import base64

    body = json.dumps(
        {
            "CiphertextBlob": base64.b64encode(blob).decode(),
            "Recipient": {"KeyEncryptionAlgorithm": "RSA_PKCS1", "AttestationDocument": "AQI="},
        }
    )
    status, answer = post(local_kms, "TrentService.Decrypt", body.encode())
    assert (
        status == 400
        and answer["__type"] == "ValidationException"
        and "RSAES_OAEP_SHA_256" in answer["message"]
    )
