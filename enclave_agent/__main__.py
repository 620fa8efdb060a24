"""`python -m enclave_agent [--port 5005]`: the nitrodeck agent, the payload of an enclave.

It listens on a vsock port (real AF_VSOCK inside a Nitro Enclave, the simulator's emulation when
the simulator runs it) and answers the framed CBOR protocol of `enclave_agent.protocol`:
health, describe, attest, random, extend_pcr / lock_pcr (16-31), and the two halves of the KMS
`Recipient` flow (recipient_key, recipient_decrypt). A decrypted plaintext never leaves it.

Adding the agent to any image
-----------------------------
The agent needs Python 3.11+, and `cbor2`, `cryptography` and `asn1crypto`; nothing else.
1. Copy this package into the image, e.g. to `/app/enclave_agent`, and
   `pip install cbor2 cryptography asn1crypto`.
2. Start it beside your application: `PYTHONPATH=/app python3 -m enclave_agent --port 5005 &`
   (or as the image's CMD when the agent is the only payload; see `enclave_agent/Dockerfile`).
3. Build the EIF as usual (`nitro-cli build-enclave --docker-uri ...`), run it, and from the
   parent: `nitrodeck attest --enclave-name NAME` or `nitrodeck kms decrypt ...`.
Your own application can use `enclave_agent.recipient.EphemeralRecipient` directly for the same
KMS decrypt, without the agent.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from enclave_agent.ops import AgentOps
from enclave_agent.server import AgentServer, Limits, console

DEFAULT_PORT = 5005
VERSION = "0.1.0"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m enclave_agent", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="vsock port (5005)")
    parser.add_argument(
        "--max-connections", type=int, default=Limits.max_connections, help="concurrent clients"
    )
    parser.add_argument(
        "--key-ttl", type=float, default=120.0, help="seconds a recipient key waits for its use"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 0xFFFFFFFE:
        parser.error(f"--port {args.port} is not a vsock port")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import enclave_agent.transport as transport
    from enclave_agent.nsm import NsmClient, NsmError, NsmUnavailableError

    console(f"version {VERSION}, protocol 1")
    try:
        nsm = NsmClient.open()
        module_id = nsm.describe_nsm().module_id
        listener = transport.listen(args.port)
    except (NsmUnavailableError, NsmError, OSError) as error:
        console(f"cannot start: {error}")
        return 1
    console(f"NSM ready (module {module_id}); simulated vsock: {transport.is_simulated()}")
    server = AgentServer(
        listener,
        AgentOps(nsm, key_ttl=args.key_ttl, version=VERSION),
        Limits(max_connections=args.max_connections),
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        server.close()

    signal.signal(signal.SIGTERM, stop)
    console(f"listening on vsock port {args.port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.close()
    console("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
