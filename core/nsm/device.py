"""The simulated NSM device of one enclave: answers raw CBOR requests like the real NSM.

It holds the enclave's 32 PCRs (0–15 measured and locked at boot), signs attestation documents
with a per-enclave leaf from the simulated Nitro PKI, and turns every bad request into the real
error reply instead of an exception, because enclave code is what decides the input.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping

from core.errors import NitrodeckError
from core.nsm.document import encode_payload, sign_document
from core.nsm.identity import check_region, module_id
from core.nsm.pcrs import ZERO_PCR, PcrBank, ReadOnlyPcr, pcr_from_string
from core.nsm.pki import IssuedLeaf, SimPki
from enclave_agent.nsm_messages import (
    ATTESTATION_FIELD_MAX,
    MAX_PCRS,
    NSM_REQUEST_MAX,
    PCR_LENGTH,
    Attestation,
    AttestationResponse,
    DescribeNSM,
    DescribeNSMResponse,
    DescribePCR,
    DescribePCRResponse,
    ErrorResponse,
    ExtendPCR,
    ExtendPCRResponse,
    GetRandom,
    GetRandomResponse,
    LockPCR,
    LockPCRResponse,
    LockPCRs,
    LockPCRsResponse,
    Message,
    MessageFormatError,
    Request,
    decode_request,
)

log = logging.getLogger(__name__)

NSM_VERSION = (1, 0, 0)  # real version numbers are not published (docs/attestation.md §3)
RANDOM_BYTES = 256  # GetRandom returns "up to 256 bytes" (nsm-lib)
LEAF_REUSE = dt.timedelta(hours=1)  # real leaves serve many documents; keep ≥ 2 h of validity
IMAGE_PCRS = (0, 1, 2, 8)  # measured from the EIF; zeroed in debug mode


def _boot_pcrs(
    measurements: Mapping[int, bytes], debug: bool, instance_id: str, role_arn: str | None
) -> dict[int, bytes]:
    unknown = sorted(set(measurements) - set(IMAGE_PCRS))
    missing = sorted({0, 1, 2} - set(measurements))
    short = sorted(i for i, v in measurements.items() if len(v) != PCR_LENGTH)
    if unknown or missing or short:
        raise NitrodeckError(
            "the simulated NSM needs the EIF measurements PCR0, PCR1, PCR2 (and optionally PCR8) "
            f"as 48-byte values; got unknown {unknown}, missing {missing}, wrong length {short}",
            where="simulated NSM",
            fix="pass the EIF's measurements as {index: 48-byte SHA-384 value}",
        )
    boot = {i: ZERO_PCR if debug else bytes(v) for i, v in measurements.items()}
    boot[3] = pcr_from_string(role_arn)
    boot[4] = pcr_from_string(instance_id)
    return boot


class SimulatedNsm:
    """One enclave's NSM. `handle(request) -> response` is all a transport needs."""

    def __init__(
        self,
        pki: SimPki,
        *,
        measurements: Mapping[int, bytes],
        debug: bool,
        instance_id: str,
        role_arn: str | None,
        enclave_uid: int,
        region: str = "us-east-1",
        clock: Callable[[], float] = time.time,
        indefinite_payload: bool = True,
    ) -> None:
        self.pki = pki
        self.debug = debug
        self.region = check_region(region)
        self.module_id = module_id(instance_id, enclave_uid)
        self._bank = PcrBank(_boot_pcrs(measurements, debug, instance_id, role_arn))
        self._clock = clock
        self._indefinite = indefinite_payload
        self._leaf: IssuedLeaf | None = None
        self._lock = threading.Lock()

    def pcr(self, index: int) -> bytes:
        """The current value of a PCR (for displays; enclave code asks with DescribePCR)."""
        with self._lock:
            return self._bank.value(index)

    def handle(self, request: bytes) -> bytes:
        """The CBOR reply to one CBOR request; never raises on bad input."""
        try:
            response = self._respond(request)
        except Exception:  # a bug here must not kill the enclave's NSM; the reply says so
            log.exception("simulated NSM failed on a %d-byte request", len(request))
            response = ErrorResponse("InternalError")
        return response.to_cbor()

    def _respond(self, request: bytes) -> Message:
        if len(request) > NSM_REQUEST_MAX:
            return ErrorResponse("InputTooLarge")
        try:
            message = decode_request(request)
        except MessageFormatError:
            return ErrorResponse("InvalidArgument")
        with self._lock:
            return self._dispatch(message)

    def _dispatch(self, message: Request) -> Message:
        match message:
            case DescribePCR(index=index) if index < MAX_PCRS:
                return DescribePCRResponse(self._bank.is_locked(index), self._bank.value(index))
            case ExtendPCR(index=index, data=data) if index < MAX_PCRS:
                try:
                    return ExtendPCRResponse(self._bank.extend(index, data))
                except ReadOnlyPcr:
                    return ErrorResponse("ReadOnlyIndex")
            case LockPCR(index=index) if index < MAX_PCRS:
                try:
                    self._bank.lock(index)
                except ReadOnlyPcr:
                    return ErrorResponse("ReadOnlyIndex")
                return LockPCRResponse()
            case LockPCRs(range_=count) if count <= MAX_PCRS:
                self._bank.lock_all(range(count))
                return LockPCRsResponse()
            case DescribeNSM():
                major, minor, patch = NSM_VERSION
                locked = tuple(self._bank.locked())
                return DescribeNSMResponse(
                    major, minor, patch, self.module_id, MAX_PCRS, locked, "SHA384"
                )
            case Attestation():
                return self._attest(message)
            case GetRandom():
                return GetRandomResponse(secrets.token_bytes(RANDOM_BYTES))
        return ErrorResponse("InvalidIndex")  # only the guarded index/range cases fall through

    def _attest(self, request: Attestation) -> Message:
        fields = (request.user_data, request.nonce, request.public_key)
        if any(value is not None and len(value) > ATTESTATION_FIELD_MAX for value in fields):
            return ErrorResponse("InputTooLarge")
        now_s = self._clock()
        leaf = self._current_leaf(dt.datetime.fromtimestamp(now_s, dt.UTC))
        payload = encode_payload(
            module_id=self.module_id,
            timestamp_ms=int(now_s * 1000),
            pcrs=self._bank.locked_values(),
            certificate=leaf.der,
            cabundle=list(leaf.cabundle),
            public_key=request.public_key,
            user_data=request.user_data,
            nonce=request.nonce,
            indefinite=self._indefinite,
        )
        return AttestationResponse(sign_document(payload, leaf.key))

    def _current_leaf(self, now: dt.datetime) -> IssuedLeaf:
        """Reuse the enclave's leaf for an hour, as the real NSM reuses its ~3 h leaf."""
        leaf = self._leaf
        if leaf is None or not (
            leaf.cert.not_valid_before_utc <= now < leaf.cert.not_valid_before_utc + LEAF_REUSE
        ):
            leaf = self.pki.issue_leaf_with_chain(self.module_id, self.region, now)
            self._leaf = leaf
        return leaf
