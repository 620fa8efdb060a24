"""DeriveSharedSecret: ECDH between a KEY_AGREEMENT key and the caller's public key.

The secret is the raw ECDH output (what KMS returns); with a verified `Recipient` it leaves only
inside `CiphertextForRecipient`, and the key policy sees the document's PCRs
(`kms:RecipientAttestation:*`), as AWS does for this operation.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from core.kms.local.errors import validation
from core.kms.local.keys import resolve
from core.kms.local.ops_crypto import secret_out
from core.kms.local.service import Service, blob, dry_run
from core.kms.local.specs import AGREE, wrong_usage
from core.kms.local.states import require_usable

MAX_PUBLIC_KEY = 8192


def _peer(der: bytes, curve: ec.EllipticCurve) -> ec.EllipticCurvePublicKey:
    try:
        peer = serialization.load_der_public_key(der)
    except ValueError:
        raise validation("PublicKey is not a DER-encoded X.509 SubjectPublicKeyInfo") from None
    if not isinstance(peer, ec.EllipticCurvePublicKey) or peer.curve.name != curve.name:
        raise validation(f"PublicKey must be an EC public key on the KMS key's curve {curve.name}")
    return peer


def derive_shared_secret(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"))
    public = blob(body, "PublicKey", required=True, limit=MAX_PUBLIC_KEY)
    if record.key_usage != AGREE:
        raise wrong_usage(service.arn(record), record, "DeriveSharedSecret")
    recipient = service.recipient(body)
    service.authorize(
        record,
        "kms:DeriveSharedSecret",
        principal,
        recipient=recipient,
        body=body,
        conditions={"kms:KeyAgreementAlgorithm": "ECDH"},
    )
    require_usable(service.region, record)
    private = serialization.load_der_private_key(
        service.store.material(record.key_id), password=None
    )
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    peer = _peer(public, private.curve)
    dry_run(body)
    secret = private.exchange(ec.ECDH(), peer)
    return {
        "KeyId": service.arn(record),
        "KeyAgreementAlgorithm": "ECDH",
        "KeyOrigin": "AWS_KMS",
        **secret_out(secret, recipient, "SharedSecret"),
    }
