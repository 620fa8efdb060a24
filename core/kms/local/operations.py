"""The operations added after the first release, by X-Amz-Target name (the server merges them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.kms.local import (
    ops_agree,
    ops_crypto,
    ops_grants,
    ops_mac,
    ops_manage,
    ops_pairs,
    ops_rotation,
    ops_sign,
    ops_states,
    ops_usage,
)
from core.kms.local.errors import KmsError
from core.kms.local.service import Service

Operation = Callable[[Service, dict[str, Any], str], dict[str, Any]]
MORE_OPERATIONS: dict[str, Operation] = {
    "EnableKey": ops_states.enable_key,
    "DisableKey": ops_states.disable_key,
    "ScheduleKeyDeletion": ops_states.schedule_key_deletion,
    "CancelKeyDeletion": ops_states.cancel_key_deletion,
    "GenerateDataKeyWithoutPlaintext": ops_crypto.generate_data_key_without_plaintext,
    "ReEncrypt": ops_pairs.re_encrypt,
    "GetPublicKey": ops_pairs.get_public_key,
    "GenerateDataKeyPair": ops_pairs.generate_data_key_pair,
    "GenerateDataKeyPairWithoutPlaintext": ops_pairs.generate_data_key_pair_without_plaintext,
    "TagResource": ops_manage.tag_resource,
    "UntagResource": ops_manage.untag_resource,
    "ListResourceTags": ops_manage.list_resource_tags,
    "UpdateAlias": ops_manage.update_alias,
    "DeleteAlias": ops_manage.delete_alias,
    "UpdateKeyDescription": ops_manage.update_key_description,
    "ListKeyPolicies": ops_manage.list_key_policies,
    "CreateGrant": ops_grants.create_grant,
    "ListGrants": ops_grants.list_grants,
    "ListRetirableGrants": ops_grants.list_retirable_grants,
    "RetireGrant": ops_grants.retire_grant,
    "RevokeGrant": ops_grants.revoke_grant,
    "Sign": ops_sign.sign,
    "Verify": ops_sign.verify,
    "GenerateMac": ops_mac.generate_mac,
    "VerifyMac": ops_mac.verify_mac,
    "DeriveSharedSecret": ops_agree.derive_shared_secret,
    "EnableKeyRotation": ops_rotation.enable_key_rotation,
    "DisableKeyRotation": ops_rotation.disable_key_rotation,
    "GetKeyRotationStatus": ops_rotation.get_key_rotation_status,
    "RotateKeyOnDemand": ops_rotation.rotate_key_on_demand,
    "ListKeyRotations": ops_rotation.list_key_rotations,
    "GetKeyLastUsage": ops_usage.get_key_last_usage,
}

# What the local KMS leaves out, and why: each answers UnsupportedOperationException.
NOT_IMPLEMENTED: dict[str, str] = {
    **dict.fromkeys(
        [
            "ConnectCustomKeyStore",
            "CreateCustomKeyStore",
            "DeleteCustomKeyStore",
            "DescribeCustomKeyStores",
            "DisconnectCustomKeyStore",
            "UpdateCustomKeyStore",
        ],
        "custom key stores (CloudHSM, external key stores) have no local equivalent",
    ),
    **dict.fromkeys(
        ["GetParametersForImport", "ImportKeyMaterial", "DeleteImportedKeyMaterial"],
        "keys with imported material (Origin EXTERNAL) are not supported",
    ),
    **dict.fromkeys(["ReplicateKey", "UpdatePrimaryRegion"], "multi-Region keys are not supported"),
    **dict.fromkeys(
        ["Encapsulate", "Decapsulate"], "ML-KEM keys (ENCAPSULATE_DECAPSULATE) are not supported"
    ),
}


def unsupported_operation(name: str) -> KmsError:
    """The answer to a model operation the local KMS does not implement, naming it and why."""
    why = NOT_IMPLEMENTED.get(name, "it is not implemented")
    return KmsError(
        "UnsupportedOperationException",
        f"{name} is not supported by the nitrodeck local KMS: {why}",
    )
