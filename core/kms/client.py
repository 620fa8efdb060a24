"""The parent side of KMS's `Recipient` flow, step by step.

1. the enclave's agent makes an ephemeral RSA-2048 key and an attestation document carrying it;
2. KMS Decrypt with `Recipient` (RSAES_OAEP_SHA_256 + that document) → `CiphertextForRecipient`;
3. the agent decrypts inside the enclave and returns only the plaintext's length and, with the
   operator's proof key, HMAC-SHA256(proof key, plaintext): never a bare digest a guess could
   be checked against.
On AccessDeniedException the flow fetches the key policy (GetKeyPolicy, which may itself be
denied) and runs the policy explainer on the document and the caller's principal. Each step is
a `core.steps.Step` the command line prints and the app steps through. The plaintext never
reaches here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.agent.client import AgentClient, AgentError, DecryptProof
from core.errors import NitrodeckError
from core.kms.denial import DenialExplanation, explain_denial
from core.kms.errors import kms_error
from core.kms.explain_key import facts_from, state_cause
from core.steps import DENIED, FAILED, OK, SKIPPED, Step

KEY_ENCRYPTION_ALGORITHM = "RSAES_OAEP_SHA_256"
_RESOURCE = re.compile(r"on resource: (arn:aws[\w-]*:kms:[^\s]+)")
_KEY_ARN = re.compile(r"(arn:aws[\w-]*:kms:[^\s]+:key/[0-9a-f-]+)")
STATE_ERRORS = ("DisabledException", "KMSInvalidStateException")



@dataclass
class FlowResult:
    steps: list[Step] = field(default_factory=list)
    decrypted: DecryptProof | None = None
    key_id: str | None = None
    document: bytes | None = None
    explanation: DenialExplanation | None = None

    @property
    def ok(self) -> bool:
        return self.decrypted is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "key_id": self.key_id,
            "steps": [s.to_json() for s in self.steps],
            "plaintext": None if self.decrypted is None else _plaintext_json(self.decrypted),
            "explanation": None if self.explanation is None else self.explanation.to_json(),
        }


def _plaintext_json(decrypted: DecryptProof) -> dict[str, Any]:
    proof = decrypted.hmac_sha256
    return {"length": decrypted.length, "hmac_sha256": None if proof is None else proof.hex()}


def describe_proof(decrypted: DecryptProof) -> str:
    """One line about what came out of the enclave, for the step list and the result."""
    if decrypted.hmac_sha256 is not None:
        proof = decrypted.hmac_sha256.hex()
        return f"{decrypted.length} bytes, HMAC-SHA256 under your proof key {proof}"
    if decrypted.older_agent:
        return (
            f"{decrypted.length} bytes (the enclave's agent is older and sent the plaintext's "
            "SHA-256 out; it was dropped here: rebuild the image)"
        )
    return f"{decrypted.length} bytes (pass a proof key to check which secret arrived)"


def _code(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _message(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Message", error))
    return str(error)


def _endpoint(kms: Any) -> str:
    meta = getattr(kms, "meta", None)
    return str(getattr(meta, "endpoint_url", None) or "KMS")


class _Flow:
    def __init__(self, on_step: Callable[[Step], None] | None) -> None:
        self.result = FlowResult()
        self.on_step = on_step

    def step(self, name: str, status: str, detail: str) -> None:
        step = Step(name, status, detail)
        self.result.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)


def recipient_decrypt(
    agent: AgentClient,
    kms: Any,
    ciphertext_blob: bytes,
    *,
    principal: Callable[[], str],
    key_id: str | None = None,
    encryption_context: Mapping[str, str] | None = None,
    on_step: Callable[[Step], None] | None = None,
    proof_key: bytes | None = None,
) -> FlowResult:
    """Run the whole flow with a boto3 KMS client `kms`; never raises for a KMS denial.

    `proof_key` (the operator's, 16..64 bytes) makes the agent return HMAC-SHA256 of the
    plaintext under it; without one only the length comes out."""
    from botocore.exceptions import BotoCoreError, ClientError

    flow = _Flow(on_step)
    try:
        key = agent.recipient_key()
    except AgentError as error:
        flow.step("enclave key", FAILED, str(error))
        return flow.result
    flow.result.document = key.document
    flow.step(
        "enclave key",
        OK,
        f"RSA-2048 key made inside the enclave; attestation document {len(key.document)} bytes",
    )
    request: dict[str, Any] = {
        "CiphertextBlob": ciphertext_blob,
        "Recipient": {
            "KeyEncryptionAlgorithm": KEY_ENCRYPTION_ALGORITHM,
            "AttestationDocument": key.document,
        },
    }
    if key_id:
        request["KeyId"] = key_id
    if encryption_context:
        request["EncryptionContext"] = dict(encryption_context)
    try:
        response = kms.decrypt(**request)
    except ClientError as error:
        code, message = _code(error), _message(error)
        if code in STATE_ERRORS:
            flow.step("kms decrypt", FAILED, f"{code}: {message}")
            _state_step(flow, kms, key_id or _key_named(message))
            return flow.result
        if code != "AccessDeniedException":
            failed = kms_error(error, action="Decrypt", where=_endpoint(kms), key=key_id)
            flow.step("kms decrypt", FAILED, f"{failed.what}\nfix: {failed.fix}")
            return flow.result
        flow.step("kms decrypt", DENIED, f"AccessDeniedException: {message}")
        match = _RESOURCE.search(message)
        flow.result.key_id = match.group(1) if match else key_id
        _explain(flow, kms, key.document, principal, encryption_context)
        return flow.result
    except BotoCoreError as error:
        raise kms_error(error, action="Decrypt", where=_endpoint(kms), key=key_id) from None
    flow.result.key_id = str(response.get("KeyId") or key_id)
    blob = response.get("CiphertextForRecipient")
    if not blob:
        flow.step("kms decrypt", FAILED, "KMS answered without CiphertextForRecipient")
        return flow.result
    flow.step(
        "kms decrypt",
        OK,
        f"key {flow.result.key_id}: CiphertextForRecipient {len(blob)} bytes "
        "(CMS for the enclave's key; KMS returned no plaintext)",
    )
    try:
        decrypted = agent.recipient_decrypt(
            key.handle, bytes(blob), proof_key=proof_key, sealed_to=_document_key(key.document)
        )
    except AgentError as error:
        flow.step("enclave decrypt", FAILED, str(error))
        return flow.result
    flow.result.decrypted = decrypted
    flow.step("enclave decrypt", OK, f"decrypted inside the enclave: {describe_proof(decrypted)}")
    return flow.result


def _document_key(document: bytes) -> bytes | None:
    """The recipient key inside the document KMS accepted (None: it does not parse)."""
    from core.attestation import parse_document
    from core.attestation.errors import AttestationError

    try:
        return parse_document(document).public_key
    except AttestationError:
        return None


def _key_named(message: str) -> str | None:
    match = _KEY_ARN.search(message)
    return match.group(1) if match else None


def _state_step(flow: _Flow, kms: Any, key_id: str | None) -> None:
    """Name the key's state as the cause (DescribeKey), with the command that fixes it."""
    flow.result.key_id = key_id
    if not key_id:
        flow.step("key state", SKIPPED, "the error names no key; pass --key-id to look it up")
        return
    facts = facts_from(kms, key_id)
    cause = state_cause(facts, "kms:Decrypt")
    if cause is None:
        flow.step("key state", FAILED, f"the key is {facts.state}; KMS still refused it")
        return
    flow.step("key state", DENIED, f"{cause[0]}; fix: {cause[1]}")


def _explain(
    flow: _Flow,
    kms: Any,
    document: bytes,
    principal: Callable[[], str],
    encryption_context: Mapping[str, str] | None,
) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    key_id = flow.result.key_id
    if not key_id:
        flow.step("key policy", SKIPPED, "the denial names no key; pass --key-id to explain it")
        return
    try:
        if ":key/" not in key_id:  # an alias: GetKeyPolicy takes a key ID or key ARN only
            key_id = str(kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"])
        policy = str(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    except (ClientError, BotoCoreError) as error:
        flow.step(
            "key policy",
            FAILED,
            f"GetKeyPolicy was denied too ({_code(error) or error}): ask the key's owner for the "
            "policy and run `nitrodeck kms explain --policy FILE --enclave-name N`",
        )
        return
    flow.step("key policy", OK, f"fetched the key policy of {key_id} ({len(policy)} bytes)")
    try:
        who = principal()
        explanation = explain_denial(
            policy,
            document,
            who,
            resource=key_id,
            encryption_context=encryption_context,
            key=facts_from(kms, key_id),
        )
    except NitrodeckError as error:
        flow.step("explain", FAILED, str(error))
        return
    flow.result.explanation = explanation
    flow.step("explain", DENIED, explanation.summary)
