"""The README's parity table is generated here: it must equal `core.kms.local.parity.table()`.

Run with NITRODECK_WRITE_PARITY=1 to rewrite the block in README.md after a change.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kms_fixtures import KmsUnderTest, call

from core.kms.local import model, parity
from core.kms.local.operations import NOT_IMPLEMENTED
from core.kms.local.server import OPERATIONS

README = Path(__file__).resolve().parents[2] / "README.md"
KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
STORE = {"CustomKeyStoreId": "cks-1234567890abcdef0"}
# A request each unimplemented operation's model accepts.
VALID: dict[str, dict[str, Any]] = {
    "ConnectCustomKeyStore": STORE,
    "CreateCustomKeyStore": {"CustomKeyStoreName": "hsm"},
    "DeleteCustomKeyStore": STORE,
    "DescribeCustomKeyStores": {},
    "DisconnectCustomKeyStore": STORE,
    "UpdateCustomKeyStore": STORE,
    "GetParametersForImport": {
        "KeyId": KEY,
        "WrappingAlgorithm": "RSAES_OAEP_SHA_256",
        "WrappingKeySpec": "RSA_2048",
    },
    "ImportKeyMaterial": {"KeyId": KEY, "ImportToken": "eA==", "EncryptedKeyMaterial": "eA=="},
    "DeleteImportedKeyMaterial": {"KeyId": KEY},
    "ReplicateKey": {"KeyId": KEY, "ReplicaRegion": "us-west-2"},
    "UpdatePrimaryRegion": {"KeyId": KEY, "PrimaryRegion": "us-west-2"},
    "Encapsulate": {"KeyId": KEY, "EncapsulationAlgorithm": "ML_KEM"},
    "Decapsulate": {
        "KeyId": KEY,
        "SharedSecretCiphertextBlob": "eA==",
        "EncapsulationAlgorithm": "ML_KEM",
    },
}


def test_every_model_operation_is_implemented_or_refused_by_name(local_kms: KmsUnderTest) -> None:
    names = set(model.operation_names())
    assert set(OPERATIONS) <= names
    assert set(NOT_IMPLEMENTED) == names - set(OPERATIONS)
    assert len(set(OPERATIONS) & names) >= 42
    assert set(VALID) == set(NOT_IMPLEMENTED)
    for name, body in VALID.items():
        status, answer = call(local_kms, name, **body)
        assert (status, answer["__type"]) == (400, "UnsupportedOperationException"), answer
        assert answer["message"].startswith(f"{name} is not supported")
        if (model.input_shape(name) or {}).get("required"):  # the model first, as in AWS
            assert call(local_kms, name)[1]["__type"] == "ValidationException"


def test_readme_table_is_current() -> None:
    text = README.read_text()
    start, end = text.index(parity.BEGIN), text.index(parity.END) + len(parity.END)
    if os.environ.get("NITRODECK_WRITE_PARITY") == "1":
        README.write_text(text[:start] + parity.table() + text[end:])
        text = README.read_text()
        start, end = text.index(parity.BEGIN), text.index(parity.END) + len(parity.END)
    assert text[start:end] == parity.table(), "run with NITRODECK_WRITE_PARITY=1 to update"
