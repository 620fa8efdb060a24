"""`AgentClient`: typed calls to the enclave agent over one connected stream socket.

The socket comes from `Platform.connect_vsock` (real AF_VSOCK or the simulator's emulation);
`connect_agent` finds the enclave by name or id and opens it. Every call is one request frame
and one reply frame of `enclave_agent.protocol`; an error reply becomes `AgentError` carrying
the agent's error code, so callers can tell "PCR locked" from "agent unreachable".
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from core.errors import NitrodeckError
from enclave_agent import protocol
from enclave_agent.closing import Closing

if TYPE_CHECKING:
    from core.platform.base import EnclaveInfo, Platform

T = TypeVar("T")

DEFAULT_PORT = 5005
AGENT_WAIT = 10.0
"""Seconds to wait for a just-started enclave's agent to answer (commands and views)."""
DEFAULT_TIMEOUT = 30.0
LAUNCH_GRACE = 2.0  # seconds a just-launched enclave may take to be listed
NO_PUBLIC_KEY_NOTE = (
    "No public key is bound on request: a document with a key you chose would let you, not the "
    "enclave, open KMS's CiphertextForRecipient; the KMS recipient flow uses the agent's own key."
)


class AgentError(NitrodeckError):
    """The agent answered with an error, or could not be reached or understood.

    `agent_code` is the agent protocol's error code (`not_found`, `nsm_error`, …); `code`
    stays None: that field names nitro-cli errors only.
    """

    exit_code = 3

    def __init__(
        self, what: str, *, agent_code: str = "", where: str | None = None, fix: str | None = None
    ) -> None:
        super().__init__(what, where=where, fix=fix)
        self.agent_code = agent_code


@dataclass(frozen=True)
class AgentHealth:
    status: str
    version: str
    protocol: int
    uptime_s: float
    ops: tuple[str, ...]


@dataclass(frozen=True)
class PcrState:
    index: int
    locked: bool
    value: bytes


@dataclass(frozen=True)
class AgentDescription:
    """DescribeNSM's fields plus every PCR with its lock state."""

    module_id: str
    max_pcrs: int
    locked_pcrs: tuple[int, ...]
    digest: str
    version: str
    pcrs: tuple[PcrState, ...]


@dataclass(frozen=True)
class RecipientKey:
    """An ephemeral key held by the agent: its handle, SPKI and the document that carries it."""

    handle: str
    document: bytes
    public_key: bytes
    ttl_s: float


@dataclass(frozen=True)
class DecryptProof:
    """What leaves the enclave about a decrypted plaintext: its length and, when a proof key was
    passed, HMAC-SHA256(proof key, plaintext); nothing a guess can be checked against.

    `older_agent`: the agent predates proofs and sent a bare SHA-256, which was dropped here.
    """

    length: int
    hmac_sha256: bytes | None = None
    older_agent: bool = False


def _bytes(result: dict[str, Any], name: str) -> bytes:
    value = result.get(name)
    if not isinstance(value, bytes):
        raise AgentError(
            f"agent reply lacks the byte string {name!r}", agent_code=protocol.BAD_REQUEST
        )
    return value


class AgentClient(Closing):
    """One connection to the agent; thread-safe (calls are serialised)."""

    def __init__(
        self, sock: socket.socket, *, timeout: float = DEFAULT_TIMEOUT, where: str = "agent"
    ) -> None:
        self.sock = sock
        self.timeout = timeout
        self.where = where
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def call(self, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one request and return its `result`; raises `AgentError`.

        An `attest` asking the agent to bind a public key never leaves this process: the
        agent refuses it anyway, and a client that could send it would teach the mistake.
        """
        if op in ("attest", "recipient_key"):
            problem = protocol.attest_args_problem(args or {})
            if problem is not None:
                raise AgentError(
                    problem[1],
                    agent_code=problem[0],
                    where=self.where,
                    fix="attest with a nonce and user data only; for KMS use the recipient flow "
                    "(nitrodeck kms decrypt), whose key the agent makes and keeps",
                )
        with self._lock:
            request_id = next(self._ids)
            try:
                self.sock.settimeout(self.timeout)
                protocol.send_message(self.sock, protocol.make_request(request_id, op, args))
                message = protocol.recv_message(
                    self.sock, idle_timeout=self.timeout, frame_timeout=self.timeout
                )
            except protocol.ProtocolError as error:
                if error.fatal:
                    self.close()  # the stream is out of step; no later call may read it
                raise AgentError(error.message, agent_code=error.code, where=self.where) from None
            except OSError as error:
                self.close()
                raise AgentError(
                    f"connection to the agent failed during {op}: {error}",
                    where=self.where,
                    fix="check that the enclave is running and its agent listens on this port",
                ) from None
        if message is None:
            raise AgentError(f"the agent closed the connection during {op}", where=self.where)
        try:
            reply = protocol.parse_reply(message)
        except protocol.ProtocolError as error:
            raise AgentError(error.message, agent_code=error.code, where=self.where) from None
        if reply.id not in (request_id, 0):  # 0: an error about the frame, not a request
            self.close()
            raise AgentError(
                f"agent answered request {reply.id}, expected {request_id}", where=self.where
            )
        if not reply.ok:
            raise AgentError(
                f"agent refused {op}: {reply.error_message}",
                agent_code=reply.error_code,
                where=self.where,
            )
        return reply.result

    def _typed(self, op: str, args: dict[str, Any] | None, build: Callable[[Any], T]) -> T:
        """`call` then shape its result; a reply missing fields is an `AgentError`, not a crash."""
        result = self.call(op, args)
        try:
            return build(result)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise AgentError(
                f"malformed {op} reply from the agent ({type(error).__name__}: {error})",
                agent_code=protocol.BAD_REQUEST,
                where=self.where,
            ) from None

    def health(self) -> AgentHealth:
        return self._typed("health", None, _health)

    def describe(self) -> AgentDescription:
        return self._typed("describe", None, _description)

    def attest(self, *, nonce: bytes | None = None, user_data: bytes | None = None) -> bytes:
        """An attestation document (COSE_Sign1 bytes) binding a nonce and user data.

        There is no public key parameter on purpose: see `protocol.PUBLIC_KEY_REFUSED`.
        """
        return _bytes(self.call("attest", {"nonce": nonce, "user_data": user_data}), "document")

    def random(self, length: int = 32) -> bytes:
        return _bytes(self.call("random", {"length": length}), "random")

    def extend_pcr(self, index: int, data: bytes) -> bytes:
        """Extend user PCR `index` (16-31) with `data`; returns its new value."""
        return _bytes(self.call("extend_pcr", {"index": index, "data": data}), "value")

    def lock_pcr(self, index: int) -> None:
        self.call("lock_pcr", {"index": index})

    def recipient_key(self, *, nonce: bytes | None = None) -> RecipientKey:
        """A fresh single-use key in the agent, and the document that carries its public half."""
        return self._typed("recipient_key", {"nonce": nonce}, _recipient_key)

    def recipient_decrypt(
        self,
        handle: str,
        ciphertext_for_recipient: bytes,
        *,
        proof_key: bytes | None = None,
        sealed_to: bytes | None = None,
    ) -> DecryptProof:
        """Decrypt inside the enclave; only the length and the keyed proof come back.

        `proof_key` travels sealed to `sealed_to`, the recipient key's SPKI from the attestation
        document KMS accepted (not the reply's copy, which the parent relaying it could swap)."""
        args: dict[str, Any] = {"handle": handle, "ciphertext": ciphertext_for_recipient}
        if proof_key is not None:
            problem = protocol.proof_key_problem(proof_key)
            if problem is not None:
                raise AgentError(problem, agent_code=protocol.BAD_ARGS, where="--proof-key")
            if sealed_to is None:
                raise AgentError(
                    "a proof key must be sealed to the enclave's attested recipient key",
                    agent_code=protocol.BAD_ARGS,
                    where="--proof-key",
                )
            from enclave_agent.recipient import seal_to

            try:
                args["sealed_proof_key"] = seal_to(sealed_to, proof_key)
            except ValueError as error:  # RecipientError, or a key that does not load
                raise AgentError(
                    f"cannot seal the proof key: {error}", agent_code=protocol.BAD_ARGS
                ) from None
        proof = self._typed("recipient_decrypt", args, _decrypt_proof)
        if proof_key is not None and proof.hmac_sha256 is None:
            raise AgentError(
                "the enclave runs an older agent that ignores proof keys: nothing proves which "
                "secret arrived",
                agent_code=protocol.BAD_REQUEST,
                where=self.where,
                fix="rebuild the image with this nitrodeck's agent (nitrodeck eif build-demo, "
                "or enclave_agent/Dockerfile) and run it again",
            )
        return proof


def _health(r: dict[str, Any]) -> AgentHealth:
    return AgentHealth(
        str(r["status"]),
        str(r.get("version")),
        int(r.get("protocol", 0)),
        float(r.get("uptime_s", 0.0)),
        tuple(str(o) for o in r.get("ops", [])),
    )


def _description(r: dict[str, Any]) -> AgentDescription:
    nsm = r["nsm"]
    pcrs = tuple(PcrState(int(p["index"]), bool(p["locked"]), bytes(p["value"])) for p in r["pcrs"])
    version = ".".join(str(nsm.get(f"version_{part}", 0)) for part in ("major", "minor", "patch"))
    return AgentDescription(
        module_id=str(nsm.get("module_id", "")),
        max_pcrs=int(nsm.get("max_pcrs", len(pcrs))),
        locked_pcrs=tuple(int(i) for i in nsm.get("locked_pcrs", [])),
        digest=str(nsm.get("digest", "")),
        version=version,
        pcrs=pcrs,
    )


def _recipient_key(r: dict[str, Any]) -> RecipientKey:
    handle = r["handle"]
    if not isinstance(handle, str):
        raise TypeError("the key handle is not a string")
    return RecipientKey(
        handle, _bytes(r, "document"), _bytes(r, "public_key"), float(r.get("ttl_s", 0))
    )


def _decrypt_proof(r: dict[str, Any]) -> DecryptProof:
    """The reply as a `DecryptProof`; a bare digest from an older agent is never kept."""
    length = r["length"]
    if not isinstance(length, int) or isinstance(length, bool) or length < 0:
        raise ValueError("the plaintext length is not a count of bytes")
    if "proof" not in r:
        return DecryptProof(length, None, older_agent="sha256" in r)
    if r.get("proof_alg") != protocol.PROOF_ALG or len(_bytes(r, "proof")) != 32:
        raise ValueError(f"the proof is not {protocol.PROOF_ALG}")
    return DecryptProof(length, _bytes(r, "proof"))


def find_agent_enclave(platform: Platform, enclave: str) -> EnclaveInfo:
    """The running enclave named `enclave`, or whose id it is (names win, like nitro-cli's)."""
    if enclave.startswith("i-") and "-enc" in enclave:
        return platform.find_enclave(enclave_id=enclave)
    return platform.find_enclave(enclave_name=enclave)


def connect_agent(
    platform: Platform,
    enclave_name_or_id: str,
    port: int = DEFAULT_PORT,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    wait: float = 0.0,
) -> AgentClient:
    """Open the agent of a running enclave through `Platform.connect_vsock`.

    `wait` seconds of retrying cover an enclave that is still booting its agent.
    """
    start = time.monotonic()
    while True:
        try:
            return _connect_once(platform, enclave_name_or_id, port, timeout)
        except AgentError:  # the enclave is there but its agent does not answer yet
            if time.monotonic() - start >= wait:
                raise
        except NitrodeckError:  # no such enclave: allow only for one just being launched
            if time.monotonic() - start >= min(wait, LAUNCH_GRACE):
                raise
        time.sleep(0.1)


def _connect_once(platform: Platform, enclave: str, port: int, timeout: float) -> AgentClient:
    info = find_agent_enclave(platform, enclave)
    where = f"enclave {info.name or info.enclave_id} (CID {info.cid}) port {port}"
    try:
        sock = platform.connect_vsock(info.cid, port, min(timeout, 10.0))
    except OSError as error:
        raise AgentError(
            f"cannot connect to the agent: {error}",
            where=where,
            fix="the enclave must run the nitrodeck agent (nitrodeck eif build-demo, or add "
            "`python3 -m enclave_agent` to your image) and be past boot; check its console",
        ) from None
    return AgentClient(sock, timeout=timeout, where=where)
