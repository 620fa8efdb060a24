"""The operations added after the first release, by X-Amz-Target name (the server merges them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.kms.local import ops_crypto, ops_grants, ops_manage, ops_pairs, ops_states
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
}
