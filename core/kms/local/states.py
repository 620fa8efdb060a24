"""Key states and the errors AWS KMS gives for each (developer guide, "Key states of AWS KMS keys").

Cryptographic operations need an Enabled key: a Disabled one answers `DisabledException: <key ARN>
is disabled.`, one pending deletion `KMSInvalidStateException: <key ARN> is pending deletion.`.
Management operations (EnableKey, DisableKey, ScheduleKeyDeletion, TagResource, UntagResource,
CreateAlias, UpdateAlias, UpdateKeyDescription) refuse only a key pending deletion.
"""

from __future__ import annotations

from core.kms.local.errors import KmsError
from core.kms.local.keys import key_arn
from core.kms.local.store import DISABLED, ENABLED, PENDING_DELETION, KeyRecord

__all__ = ["DISABLED", "ENABLED", "PENDING_DELETION", "require_not_pending", "require_usable"]


def pending_deletion(region: str, record: KeyRecord) -> KmsError:
    return KmsError(
        "KMSInvalidStateException", f"{key_arn(region, record.key_id)} is pending deletion."
    )


def require_usable(region: str, record: KeyRecord) -> None:
    """Refuse a cryptographic operation on a key that is not Enabled."""
    if record.state == DISABLED:
        raise KmsError("DisabledException", f"{key_arn(region, record.key_id)} is disabled.")
    if record.state == PENDING_DELETION:
        raise pending_deletion(region, record)


def require_not_pending(region: str, record: KeyRecord) -> None:
    """Refuse a management operation on a key that is pending deletion."""
    if record.state == PENDING_DELETION:
        raise pending_deletion(region, record)
