"""Screenshot steps for the attestation and KMS views, on the real simulator and local KMS.

`live_context()` runs the demo agent image as enclave `demo` and an in-process local KMS with a
demo key pinning its PCR0 and a key pinning another image; `SHOTS` then drives the real screens.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Step = Callable[[Any], Awaitable[None]]


@dataclass
class Live:
    platform: Any
    target: Any
    eif: Path
    demo_ciphertext: Path
    other_ciphertext: Path


LIVE: list[Live] = []


@contextlib.contextmanager
def live_context() -> Iterator[None]:
    from core.agent.demo import build_demo_image
    from core.kms.demo import create_demo_key, demo_key_policy
    from core.kms.local.credentials import PRINCIPAL_ARN
    from core.kms.local.server import LocalKms
    from core.kms.target import KmsTarget, boto3_client
    from core.platform.base import RunRequest
    from core.platform.sim.platform import SimPlatform

    scratch = Path(tempfile.mkdtemp(prefix="nitrodeck-shots-"))
    eif = scratch / "demo.eif"
    build_demo_image(eif)
    sim = SimPlatform()
    try:
        sim.run_enclave(RunRequest(eif_path=eif, memory_mib=512, cpu_count=2, enclave_name="demo"))
        with LocalKms() as server:
            target = KmsTarget(server.endpoint, "us-east-1", server.credentials_path)
            kms = boto3_client(target)
            demo = create_demo_key(
                kms, sim.find_enclave(enclave_name="demo"), principal=PRINCIPAL_ARN,
                alias="alias/demo",
            )  # fmt: skip
            other = kms.create_key(
                Policy=demo_key_policy(PRINCIPAL_ARN, "ab" * 48), Description="pins another image"
            )["KeyMetadata"]["KeyId"]
            other_blob = scratch / "other.enc"
            other_blob.write_bytes(kms.encrypt(KeyId=other, Plaintext=b"x" * 32)["CiphertextBlob"])
            LIVE.append(Live(sim, target, eif, demo.ciphertext_path, other_blob))
            yield
    finally:
        LIVE.clear()
        sim.terminate_enclave(all_enclaves=True)
        sim.close()


async def _settle(pilot: Any, rounds: int = 1) -> None:
    from tui.pilot import settle

    for _ in range(rounds):
        await settle(pilot)


def attest(tab: str = "") -> Step:
    async def step(pilot: Any) -> None:
        from textual.widgets import TabbedContent

        from tui.screens.attest import AttestScreen

        live = LIVE[0]
        screen = AttestScreen(platform=live.platform, nonce_source=lambda n: bytes(range(n)))
        await pilot.app.push_screen(screen)
        await _settle(pilot)
        screen.field("expect").value = str(live.eif)
        await screen.run_action("attest")
        await _settle(pilot, 12)  # the checks appear one by one
        if tab:
            screen.query_one(TabbedContent).active = tab
            await _settle(pilot)

    return step


def kms(*keys: str) -> Step:
    async def step(pilot: Any) -> None:
        from tui.screens.kms import KmsScreen

        live = LIVE[0]
        await pilot.app.push_screen(KmsScreen(platform=live.platform, target=live.target))
        await _settle(pilot, 2)
        if keys:
            await pilot.press(*keys)
            await _settle(pilot, 2)

    return step


def decrypt(which: str) -> Step:
    async def step(pilot: Any) -> None:
        from tui.engine.kms_access import KmsAccess
        from tui.screens.engine import PlatformAccess
        from tui.screens.kms_decrypt import DecryptScreen

        live = LIVE[0]
        blob = live.demo_ciphertext if which == "demo" else live.other_ciphertext
        screen = DecryptScreen(
            KmsAccess(live.target), PlatformAccess(live.platform), enclave="demo",
            ciphertext=str(blob),
        )  # fmt: skip
        await pilot.app.push_screen(screen)
        await _settle(pilot)
        await screen.run_action("decrypt")
        await _settle(pilot, 6)

    return step


SHOTS: dict[str, list[Step]] = {
    "attest": [attest()],
    "attest-certificates": [attest("tab-certs")],
    "kms": [kms()],
    "kms-policy": [kms("end", "enter")],
    "kms-decrypt": [decrypt("demo")],
    "kms-denied": [decrypt("other")],
}
