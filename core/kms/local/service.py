"""What every local KMS operation shares: request fields, the Recipient check, authorization.

Operations live in `ops_keys` (key and alias management) and `ops_crypto` (Encrypt, Decrypt,
GenerateDataKey, GenerateRandom); each takes the JSON request body and the caller and returns
the JSON response body, or raises `KmsError`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.kms.attested import RecipientDocumentError, RecipientVerifier, VerifiedRecipient
from core.kms.context import request_context
from core.kms.grants import allowing_grant, child_refusal
from core.kms.local import grant_store
from core.kms.local.errors import KmsError, access_denied, validation
from core.kms.local.keys import key_arn
from core.kms.local.last_usage import LastUsage
from core.kms.local.store import KeyRecord, KmsStore
from core.kms.policy import evaluate

MAX_DOCUMENT = 262144


@dataclass
class Service:
    store: KmsStore
    verifier: RecipientVerifier
    region: str
    last_usage: LastUsage | None = None

    def arn(self, record: KeyRecord) -> str:
        return key_arn(self.region, record.key_id)

    def authorize(
        self,
        record: KeyRecord,
        action: str,
        principal: str,
        *,
        recipient: VerifiedRecipient | None = None,
        encryption_context: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        child_grant: Mapping[str, Any] | None = None,
        conditions: Mapping[str, str] | None = None,
    ) -> None:
        """Evaluate the key policy, then the key's grants; AccessDeniedException if neither allows.

        An explicit Deny in the policy wins over any grant. `body` carries `GrantTokens`, which
        are checked for form only: this store is consistent at once, so no token is needed.
        `child_grant` is the grant a CreateGrant asks for: a grant-given CreateGrant must cover it
        (`core.kms.grants.child_fits`). `conditions` are the operation's own condition keys
        (e.g. `kms:SigningAlgorithm`).
        """
        grant_tokens(body or {})
        context = request_context(
            principal=principal,
            action=action,
            resource=self.arn(record),
            pcrs=recipient.pcrs if recipient else None,
            encryption_context=encryption_context,
            extra=conditions,
            grant=child_grant,
        )
        decision = evaluate(record.policy, context)
        why = None
        if not decision.allowed and not decision.explicit_deny:
            grants = grant_store.for_key(self.store, record.key_id)
            if allowing_grant(grants, principal, action, encryption_context, child_grant):
                return
            if child_grant is not None:
                why = child_refusal(grants, principal, child_grant)
        if not decision.allowed:
            raise access_denied(
                principal, action, self.arn(record), explicit=decision.explicit_deny, why=why
            )

    def recipient(self, body: Mapping[str, Any]) -> VerifiedRecipient | None:
        """The verified `Recipient`, if the request has one.

        Local choice (AWS documents no error for it): a document that does not verify, or has
        no RSA-2048 public key, is answered with ValidationException naming the reason.
        """
        raw = body.get("Recipient")
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise validation("Recipient must be an object")
        algorithm = raw.get("KeyEncryptionAlgorithm", "RSAES_OAEP_SHA_256")
        if algorithm != "RSAES_OAEP_SHA_256":
            raise validation(
                f"1 validation error detected: Value '{algorithm}' at "
                "'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: "
                "Member must satisfy enum value set: [RSAES_OAEP_SHA_256]"
            )
        document = blob(raw, "AttestationDocument", required=True, limit=MAX_DOCUMENT)
        try:
            return self.verifier(document)
        except RecipientDocumentError as error:
            raise validation(
                f"Recipient.AttestationDocument is not acceptable: {error.what} "
                "(nitrodeck local KMS; AWS does not document this error)"
            ) from None


def grant_tokens(body: Mapping[str, Any]) -> list[str]:
    tokens = body.get("GrantTokens") or []
    if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
        raise validation("GrantTokens must be a list of non-empty strings")
    if len(tokens) > 10:
        raise validation(
            "1 validation error detected: Value at 'grantTokens' failed to satisfy constraint: "
            "Member must have length less than or equal to 10"
        )
    return list(tokens)


def blob(body: Mapping[str, Any], name: str, *, required: bool, limit: int = 6144) -> bytes:
    """A base64 blob field, checked like KMS's model checks it."""
    value = body.get(name)
    if value is None:
        if required:
            raise validation(
                f"1 validation error detected: Value null at '{name[0].lower() + name[1:]}' "
                "failed to satisfy constraint: Member must not be null"
            )
        return b""
    if not isinstance(value, str):
        raise validation(f"{name} must be a base64 string")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KmsError("SerializationException", f"{name} is not valid base64") from None
    if not 1 <= len(data) <= limit:
        raise validation(
            f"1 validation error detected: Value at '{name[0].lower() + name[1:]}' failed to "
            f"satisfy constraint: Member must have length between 1 and {limit}"
        )
    return data


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def encryption_context(body: Mapping[str, Any]) -> dict[str, str]:
    value = body.get("EncryptionContext") or {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise validation("EncryptionContext must be a map of strings to strings")
    return dict(value)


def string(body: Mapping[str, Any], name: str, default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is not None and not isinstance(value, str):
        raise validation(f"{name} must be a string")
    return value


def dry_run(body: Mapping[str, Any]) -> None:
    """With `DryRun: true`, stop once every check has passed, changing nothing (AWS's 412)."""
    if body.get("DryRun") is True:
        raise KmsError(
            "DryRunOperationException",
            "The request would have succeeded, but the DryRun option is set.",
            status=412,
        )
