"""Benchmark: Decrypt with `Recipient` against plain Decrypt, on the local KMS, same run.

Starts `nitrodeck kms serve --port 0` as a real subprocess in a throw-away home, with a test
PKI (the simulated NSM's, created in a separate directory) trusted through `--anchor root.pem`.
Each measurement runs N boto3 clients (one per thread, each with its own client) for a fixed
time against one ciphertext and reports requests per second. Every Recipient request carries a
fresh attestation document, as each enclave decrypt brings one: the bench makes 1,500 distinct
documents (one enclave, so one certificate chain) and the clients cycle through them, far more
than the server remembers, so each request costs a document verification (the COSE signature
always; the chain is validated once and cached by its bytes), a policy evaluation on the PCRs
and an RSA-OAEP + AES-CBC CMS. The figure to read is the ratio to plain Decrypt measured in the
same run (target: at least 0.6). On a shared machine the load moves under the run, so the two
are measured in alternating short rounds and the ratio is of the sums.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.kms.inventory import local_client  # noqa: E402
from core.nsm.device import SimulatedNsm  # noqa: E402
from core.nsm.pki import SimPki  # noqa: E402
from enclave_agent.nsm_messages import Attestation, AttestationResponse, expect_response  # noqa: E402
from enclave_agent.recipient import EphemeralRecipient  # noqa: E402

PCR0 = bytes.fromhex("ab" * 48)


def start_server(home: Path, *options: str) -> tuple[subprocess.Popen[str], str]:
    """`nitrodeck kms serve` on a free loopback port for `home`, with `options`; its endpoint."""
    env = {**os.environ, "NITRODECK_HOME": str(home), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tui", "kms", "serve", "--port", "0", *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert process.stdout is not None
    match = re.search(r"(http://127\.0\.0\.1:\d+)", process.stdout.readline())
    if not match:
        process.kill()
        raise SystemExit("kms serve did not print its endpoint")
    return process, match.group(1)


def client(home: Path, endpoint: str) -> Any:
    config = Config(retries={"max_attempts": 1}, max_pool_connections=2)
    return local_client(endpoint, home / "kms" / "credentials", config)


DOCUMENTS = 1500


def documents_for(pki_home: Path, public_key: bytes, count: int = DOCUMENTS) -> list[bytes]:
    """`count` distinct documents from one simulated enclave (each with its own nonce)."""
    nsm = SimulatedNsm(
        SimPki.load_or_create(pki_home),
        measurements={0: PCR0, 1: bytes(48), 2: bytes([1]) * 48},
        debug=False,
        instance_id="i-0123456789abcdef0",
        role_arn=None,
        enclave_uid=1,
    )
    out = []
    for index in range(count):
        request = Attestation(public_key=public_key, nonce=index.to_bytes(4, "big"))
        out.append(expect_response(nsm.handle(request.to_cbor()), AttestationResponse).document)
    assert len(set(out)) == count
    return out


class Requests:
    """Decrypt requests: plain, or each with the next document of the cycle (thread-safe)."""

    def __init__(self, blob: bytes, documents: list[bytes] | None) -> None:
        self.blob = blob
        self.documents = documents
        self.next = itertools.count()

    def __call__(self) -> dict[str, Any]:
        if self.documents is None:
            return {"CiphertextBlob": self.blob}
        document = self.documents[next(self.next) % len(self.documents)]
        recipient = {
            "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
            "AttestationDocument": document,
        }
        return {"CiphertextBlob": self.blob, "Recipient": recipient}


def run(clients: list[Any], requests: Requests, seconds: float) -> float:
    """Requests per second of `len(clients)` threads calling Decrypt for `seconds`."""
    counts = [0] * len(clients)
    stop = threading.Event()

    def loop(index: int) -> None:
        kms = clients[index]
        kms.decrypt(**requests())  # warm the connection
        while not stop.is_set():
            kms.decrypt(**requests())
            counts[index] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(clients))]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=8, help="alternations per measurement")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nitrodeck-bench-kms-") as temp:
        home, pki_home = Path(temp) / "home", Path(temp) / "test-pki"
        enclave = EphemeralRecipient.generate()
        documents = documents_for(pki_home, enclave.public_key_der())
        process, endpoint = start_server(
            home, "--quiet", "--anchor", str(pki_home / "sim" / "pki" / "root.pem")
        )
        try:
            admin = client(home, endpoint)
            key_id = admin.create_key(Description="bench")["KeyMetadata"]["KeyId"]
            blob = admin.encrypt(KeyId=key_id, Plaintext=os.urandom(32))["CiphertextBlob"]
            plain, attested = Requests(blob, None), Requests(blob, documents)
            check = admin.decrypt(**attested())
            assert len(enclave.decrypt(check["CiphertextForRecipient"])) == 32
            results: dict[str, float] = {"documents": float(len(documents))}
            for n in (1, 4):
                pool = [client(home, endpoint) for _ in range(n)]
                share = args.seconds / args.rounds
                rates = [
                    (run(pool, plain, share), run(pool, attested, share))
                    for _ in range(args.rounds)
                ]
                results[f"plain_{n}"] = sum(p for p, _ in rates) / args.rounds
                results[f"recipient_{n}"] = sum(r for _, r in rates) / args.rounds
                results[f"ratio_{n}"] = results[f"recipient_{n}"] / results[f"plain_{n}"]
        finally:
            process.kill()
            process.wait()
    if args.json:
        print(json.dumps(results))
        return 0
    print(
        f"local KMS Decrypt, {args.seconds:g} s per measurement, {os.cpu_count()} CPUs, "
        f"{DOCUMENTS} distinct attestation documents"
    )
    for n in (1, 4):
        plain, attested = results[f"plain_{n}"], results[f"recipient_{n}"]
        print(
            f"  {n} client(s): plain Decrypt {plain:8.1f} req/s | with Recipient "
            f"{attested:8.1f} req/s | ratio {attested / plain:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
