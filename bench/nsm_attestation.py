"""Benchmark: simulated attestation documents per second, against a baseline measured beside it.

Baseline: the irreducible work of one document, an ES384 signature over a Sig_structure of the
same size, with the payload encoded by cbor2. The ratio shows what the device adds on top
(request parsing, PCR map, leaf reuse, framing); run with `make bench` or directly.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from core.nsm.device import SimulatedNsm
from core.nsm.pki import SimPki
from enclave_agent.nsm_messages import Attestation

ROUNDS = 300


def rate(work: object) -> float:
    start = time.perf_counter()
    for _ in range(ROUNDS):
        work()  # type: ignore[operator]
    return ROUNDS / (time.perf_counter() - start)


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        device = SimulatedNsm(
            SimPki.load_or_create(Path(home)),
            measurements={i: hashlib.sha384(bytes([i])).digest() for i in (0, 1, 2)},
            debug=False,
            instance_id="i-0123456789abcdef0",
            role_arn=None,
            enclave_uid=0x0193685E7FEE7D85,
        )
        request = Attestation(nonce=bytes(32)).to_cbor()
        document = cbor2.loads(device.handle(request))["Attestation"]["document"]
        payload = cbor2.loads(document)[2]
        key = ec.generate_private_key(ec.SECP384R1())

        def baseline() -> None:
            body = cbor2.dumps(cbor2.loads(payload))
            key.sign(
                cbor2.dumps(["Signature1", b"\xa1\x01\x38\x22", b"", body]),
                ec.ECDSA(hashes.SHA384()),
            )

        base = rate(baseline)
        measured = rate(lambda: device.handle(request))
    ratio = measured / base
    print(f"nsm attestation: {measured:.0f} docs/s, baseline {base:.0f}/s, ratio {ratio:.2f}x")


if __name__ == "__main__":
    main()
