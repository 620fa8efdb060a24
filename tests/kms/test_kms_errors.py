"""Every KMS failure says what it means and gives one fix, even when KMS itself says nothing."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoRegionError

from core.kms.errors import CLIENT_ERRORS, kms_error


def client_error(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Decrypt")


def test_invalid_ciphertext_without_text_still_explains() -> None:
    error = kms_error(client_error("InvalidCiphertextException"), action="Decrypt", where="kms")
    assert "cannot be decrypted here" in error.what and "KMS said" not in error.what
    assert error.fix is not None and "encryption-context" in error.fix


def test_a_missing_key_names_it_and_how_to_list_keys() -> None:
    error = kms_error(
        client_error("NotFoundException", "Key 'arn:…' does not exist"),
        action="Encrypt",
        where="local KMS at http://127.0.0.1:4599",
        key="alias/nope",
    )
    assert "alias/nope does not exist" in error.what and "KMS said: Key" in error.what
    assert error.fix is not None and "nitrodeck kms keys" in error.fix
    assert str(error).count("fix:") == 1


def test_botocore_errors_are_translated() -> None:
    region = kms_error(NoRegionError(), action="ListKeys", where="AWS KMS")
    assert "no AWS region" in region.what and region.fix and "AWS_REGION" in region.fix
    down = kms_error(
        EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), action="Decrypt", where="x"
    )
    assert down.fix is not None and "nitrodeck kms start" in down.fix


@pytest.mark.parametrize("code", sorted(CLIENT_ERRORS))
def test_every_known_code_has_a_fix(code: str) -> None:
    error = kms_error(client_error(code), action="Decrypt", where="kms", key="k")
    assert error.fix and code in error.what and "{key}" not in error.what + error.fix
