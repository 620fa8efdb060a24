"""KeyMetadata as CreateKey and DescribeKey return it."""

from __future__ import annotations

from typing import Any

from core.kms.local.credentials import ACCOUNT_ID
from core.kms.local.service import Service
from core.kms.local.specs import algorithms
from core.kms.local.states import ENABLED, PENDING_DELETION
from core.kms.local.store import KeyRecord


def key_metadata(service: Service, record: KeyRecord) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "AWSAccountId": ACCOUNT_ID,
        "KeyId": record.key_id,
        "Arn": service.arn(record),
        "CreationDate": record.created,
        "Enabled": record.state == ENABLED,
        "Description": record.description,
        "KeyUsage": record.key_usage,
        "KeyState": record.state,
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": record.key_spec,
        "KeySpec": record.key_spec,
        **algorithms(record),
        "MultiRegion": False,
    }
    if record.state == PENDING_DELETION and record.deletion_date is not None:
        meta["DeletionDate"] = record.deletion_date
    return meta
