"""What the agent can do: one function per protocol operation, over an NSM device.

Each handler takes the request's `args` map and returns the reply's `result` map, or raises
`OpError` with a protocol error code. The NSM object is anything with `NsmClient`'s methods
(the real `/dev/nsm`, the simulator's device socket, or a test double); its answers are
normalised here so the wire format never depends on how a client library shapes its types.
"""

from __future__ import annotations

import dataclasses
import hmac
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from enclave_agent import protocol
from enclave_agent.keys import KeyStore

PCR_COUNT = 32
FIRST_USER_PCR = 16
MAX_FIELD = 1024  # the NSM accepts up to 1024 bytes each of user_data, nonce and public_key
MAX_RANDOM = 1024
MAX_CIPHERTEXT = 6144  # botocore's CiphertextType bound for CiphertextForRecipient


class OpError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Nsm(Protocol):
    """The subset of `enclave_agent.nsm.NsmClient` the agent calls."""

    def describe_nsm(self) -> Any: ...
    def describe_pcr(self, index: int) -> Any: ...
    def extend_pcr(self, index: int, data: bytes) -> Any: ...
    def lock_pcr(self, index: int) -> Any: ...
    def attestation(
        self,
        user_data: bytes | None = None,
        nonce: bytes | None = None,
        public_key: bytes | None = None,
    ) -> bytes: ...
    def get_random(self) -> bytes: ...


class Recipient(Protocol):
    """The subset of `enclave_agent.recipient.EphemeralRecipient` the agent calls."""

    def public_key_der(self) -> bytes: ...
    def decrypt(self, ciphertext_for_recipient: bytes) -> bytes: ...
    def unseal(self, sealed: bytes) -> bytes: ...


def default_recipient() -> Recipient:
    from enclave_agent.recipient import EphemeralRecipient

    recipient: Recipient = EphemeralRecipient.generate()
    return recipient


def _fields(value: Any) -> dict[str, Any]:
    """A dataclass, mapping or plain object as a dict of its public fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return dict(value)
    return {k: v for k, v in vars(value).items() if not k.startswith("_")}


def _pcr_state(raw: Any) -> tuple[bool, bytes]:
    """(locked, value) from whatever shape the NSM client returns for DescribePCR."""
    if isinstance(raw, tuple) and len(raw) == 2:
        first, second = raw
        return (
            (bool(first), bytes(second))
            if isinstance(first, bool)
            else (bool(second), bytes(first))
        )
    fields = _fields(raw)
    locked = fields.get("lock", fields.get("locked"))
    value = fields.get("data", fields.get("value"))
    if not isinstance(locked, bool) or not isinstance(value, bytes | bytearray):
        raise OpError(protocol.NSM_ERROR, f"unexpected DescribePCR answer {type(raw).__name__}")
    return locked, bytes(value)


def _optional_bytes(args: Mapping[str, Any], name: str, limit: int = MAX_FIELD) -> bytes | None:
    value = args.get(name)
    if value is None:
        return None
    if not isinstance(value, bytes | bytearray):
        raise OpError(protocol.BAD_ARGS, f"'{name}' must be a byte string")
    if len(value) > limit:
        raise OpError(protocol.BAD_ARGS, f"'{name}' is {len(value)} bytes; the limit is {limit}")
    return bytes(value)


def _required_bytes(args: Mapping[str, Any], name: str, limit: int) -> bytes:
    value = _optional_bytes(args, name, limit)
    if not value:
        raise OpError(protocol.BAD_ARGS, f"'{name}' is required (a non-empty byte string)")
    return value


def _user_pcr(args: Mapping[str, Any]) -> int:
    index = args.get("index")
    if not isinstance(index, int) or isinstance(index, bool):
        raise OpError(protocol.BAD_ARGS, "'index' must be an integer PCR index")
    if not FIRST_USER_PCR <= index < PCR_COUNT:
        raise OpError(
            protocol.BAD_ARGS,
            f"PCR {index} cannot be changed: PCRs 0-15 are locked at boot; "
            f"use a user PCR in {FIRST_USER_PCR}..{PCR_COUNT - 1}",
        )
    return index


class AgentOps:
    """The operations table: `ops.handle(op, args) -> result`, safe to call from many threads."""

    def __init__(
        self,
        nsm: Nsm,
        *,
        key_ttl: float = 120.0,
        max_keys: int = 16,
        new_recipient: Callable[[], Recipient] = default_recipient,
        version: str = "0.1.0",
    ) -> None:
        self.nsm = nsm
        self.keys: KeyStore[Recipient] = KeyStore(key_ttl, max_keys)
        self.new_recipient = new_recipient
        self.version = version
        self.started = time.monotonic()
        self.table: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            "health": self.health,
            "describe": self.describe,
            "attest": self.attest,
            "random": self.random,
            "extend_pcr": self.extend_pcr,
            "lock_pcr": self.lock_pcr,
            "recipient_key": self.recipient_key,
            "recipient_decrypt": self.recipient_decrypt,
        }

    def handle(self, op: str, args: Mapping[str, Any]) -> dict[str, Any]:
        handler = self.table.get(op)
        if handler is None:
            known = ", ".join(sorted(self.table))
            raise OpError(protocol.UNKNOWN_OP, f"unknown operation {op!r}; known: {known}")
        return handler(args)

    def _nsm(self, what: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except OpError:
            raise
        except Exception as error:  # the NSM client's own error types vary by backend
            raise OpError(protocol.NSM_ERROR, f"NSM {what} failed: {error}") from error

    def _attest(
        self, user_data: bytes | None, nonce: bytes | None, public_key: bytes | None
    ) -> bytes:
        document = self._nsm(
            "Attestation",
            self.nsm.attestation,
            user_data=user_data,
            nonce=nonce,
            public_key=public_key,
        )
        return bytes(document)

    def health(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "status": "ok",
            "version": self.version,
            "protocol": protocol.VERSION,
            "uptime_s": round(time.monotonic() - self.started, 3),
            "ops": sorted(self.table),
        }

    def describe(self, args: Mapping[str, Any]) -> dict[str, Any]:
        nsm = _fields(self._nsm("DescribeNSM", self.nsm.describe_nsm))
        count = int(nsm.get("max_pcrs") or PCR_COUNT)
        pcrs = []
        for index in range(min(count, PCR_COUNT)):
            raw = self._nsm(f"DescribePCR {index}", self.nsm.describe_pcr, index)
            locked, value = _pcr_state(raw)
            pcrs.append({"index": index, "locked": locked, "value": value})
        nsm["locked_pcrs"] = sorted(int(i) for i in nsm.get("locked_pcrs", []))
        return {"nsm": nsm, "pcrs": pcrs}

    def attest(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """A document binding the caller's nonce and user data, and no public key at all."""
        problem = protocol.attest_args_problem(args)
        if problem is not None:
            raise OpError(*problem)
        nonce = _optional_bytes(args, "nonce")
        user_data = _optional_bytes(args, "user_data")
        return {"document": self._attest(user_data, nonce, None)}

    def random(self, args: Mapping[str, Any]) -> dict[str, Any]:
        length = args.get("length", 32)
        if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= MAX_RANDOM:
            raise OpError(protocol.BAD_ARGS, f"'length' must be an integer in 1..{MAX_RANDOM}")
        out = b""
        while len(out) < length:
            chunk = bytes(self._nsm("GetRandom", self.nsm.get_random))
            if not chunk:
                raise OpError(protocol.NSM_ERROR, "NSM GetRandom returned no bytes")
            out += chunk
        return {"random": out[:length]}

    def extend_pcr(self, args: Mapping[str, Any]) -> dict[str, Any]:
        index = _user_pcr(args)
        data = _required_bytes(args, "data", MAX_FIELD)
        value = self._nsm(f"ExtendPCR {index}", self.nsm.extend_pcr, index, data)
        if not isinstance(value, bytes | bytearray):
            value = _pcr_state(self._nsm("DescribePCR", self.nsm.describe_pcr, index))[1]
        return {"index": index, "value": bytes(value)}

    def lock_pcr(self, args: Mapping[str, Any]) -> dict[str, Any]:
        index = _user_pcr(args)
        self._nsm(f"LockPCR {index}", self.nsm.lock_pcr, index)
        return {"index": index, "locked": True}

    def recipient_key(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """A fresh key made here; only its public half goes into the document and the reply."""
        problem = protocol.attest_args_problem(args)
        if problem is not None:
            raise OpError(*problem)
        nonce = _optional_bytes(args, "nonce")
        user_data = _optional_bytes(args, "user_data")
        recipient = self.new_recipient()
        public_key = recipient.public_key_der()
        document = self._attest(user_data, nonce, public_key)
        handle = self.keys.put(recipient)
        return {
            "handle": handle,
            "document": document,
            "public_key": public_key,
            "ttl_s": self.keys.ttl,
        }

    def recipient_decrypt(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """Decrypt here; only the length (and, on request, a keyed proof) goes out.

        The proof key arrives sealed to the handle's key; a proof key in the clear is refused,
        since the parent that relayed it could then check guesses against the proof.
        """
        if "proof_key" in args:
            raise OpError(
                protocol.BAD_ARGS,
                "a proof key in the clear crosses the parent, which could then check guesses "
                "against the proof: send it as sealed_proof_key, sealed to the recipient key",
            )
        extra = sorted(str(name) for name in args if name not in protocol.DECRYPT_FIELDS)
        if extra:
            raise OpError(protocol.BAD_ARGS, f"recipient_decrypt does not take {extra}")
        sealed = args.get("sealed_proof_key")
        if sealed is not None:
            sealed = _required_bytes(args, "sealed_proof_key", protocol.SEALED_MAX)
        handle = args.get("handle")
        if not isinstance(handle, str) or not handle:
            raise OpError(protocol.BAD_ARGS, "'handle' must be the string from recipient_key")
        ciphertext = _required_bytes(args, "ciphertext", MAX_CIPHERTEXT)
        recipient = self.keys.take(handle)
        if recipient is None:
            raise OpError(
                protocol.NOT_FOUND,
                "no recipient key under that handle: keys are single-use and expire after "
                f"{self.keys.ttl:g} s; ask for a new one with recipient_key",
            )
        proof_key = None if sealed is None else self._proof_key(recipient, sealed)
        try:
            plaintext = recipient.decrypt(ciphertext)
        except Exception as error:  # RecipientError, or a primitive's ValueError
            raise OpError(
                protocol.DECRYPT_FAILED, f"CiphertextForRecipient did not decrypt: {error}"
            ) from None
        result: dict[str, Any] = {"length": len(plaintext)}
        if proof_key is not None:
            result["proof"] = hmac.new(bytes(proof_key), plaintext, "sha256").digest()
            result["proof_alg"] = protocol.PROOF_ALG
        del plaintext
        return result

    @staticmethod
    def _proof_key(recipient: Recipient, sealed: bytes) -> bytes:
        try:
            proof_key = recipient.unseal(sealed)
        except Exception as error:  # RecipientError, or a primitive's ValueError
            raise OpError(protocol.BAD_ARGS, f"sealed_proof_key: {error}") from None
        problem = protocol.proof_key_problem(proof_key)
        if problem is not None:
            raise OpError(protocol.BAD_ARGS, problem)
        return proof_key
