"""Screenshot steps for the attestation and KMS views, from frozen inputs so every run gives
the same pictures: a real AWS attestation document verified as of its own time (from
`tests/vectors`), and the frozen KMS of `core.kms.frozen` (fixed keys; decrypt outcomes
explained by the real policy engine). The screens are the real ones; only their data is fixed.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Step = Callable[[Any], Awaitable[None]]
VECTORS = Path(__file__).resolve().parents[1] / "tests" / "vectors"
DOCUMENT = "base_prod_2024-11-30.cose"
DOCUMENT_TIME = "2024-11-30T16:22:50Z"


def stage_document(where: Path) -> None:
    """Copy the AWS document into the working directory `where`: the screen shows its relative
    name, never the checkout's path."""
    source = VECTORS / DOCUMENT
    if not source.is_file():
        raise SystemExit(f"the test vectors are missing: expected {source} (git checkout)")
    shutil.copyfile(source, where / DOCUMENT)


async def _settle(pilot: Any, rounds: int = 1) -> None:
    from tui.pilot import settle

    for _ in range(rounds):
        await settle(pilot)


def attest(tab: str = "") -> Step:
    async def step(pilot: Any) -> None:
        from textual.widgets import TabbedContent

        from core.kms.frozen import FixedPlatform
        from tui.screens.attest import AttestScreen

        screen = AttestScreen(
            platform=FixedPlatform(),
            nonce_source=lambda n: bytes(range(n)),
            step_delay=0,
        )
        await pilot.app.push_screen(screen)
        await _settle(pilot)
        screen.field("source").value = DOCUMENT
        screen.field("trust").value = "aws"
        screen.field("at").value = DOCUMENT_TIME
        await screen.run_action("attest")
        await _settle(pilot, 5)
        if tab:
            screen.query_one(TabbedContent).active = tab
            await _settle(pilot)

    return step


def kms(*keys: str) -> Step:
    async def step(pilot: Any) -> None:
        from core.kms.frozen import FixedKms, FixedPlatform
        from tui.engine.kms_access import KmsAccess
        from tui.screens.kms import KmsScreen

        screen = KmsScreen(kms=KmsAccess(client=FixedKms()), platform=FixedPlatform())
        await pilot.app.push_screen(screen)
        await _settle(pilot, 2)
        if keys:
            await pilot.press(*keys)
            await _settle(pilot, 2)

    return step


def decrypt(outcome: str) -> Step:
    async def step(pilot: Any) -> None:
        from core.kms.frozen import OTHER_IMAGE, FixedKms, FixedPlatform, decrypted, denied
        from tui.engine.access import PlatformHolder
        from tui.engine.kms_access import KmsAccess
        from tui.screens.kms_decrypt import DecryptScreen

        screen = DecryptScreen(
            KmsAccess(client=FixedKms()),
            PlatformHolder.of(FixedPlatform()),
            enclave="payments",
            ciphertext="/srv/secrets/payments.enc",
        )
        await pilot.app.push_screen(screen)
        await _settle(pilot)
        result = decrypted() if outcome == "ok" else denied(OTHER_IMAGE)
        for flow_step in result.steps:
            screen._add_step(flow_step)
        screen._show_result(result)
        await _settle(pilot)

    return step


SHOTS: dict[str, list[Step]] = {
    "attest": [attest()],
    "attest-certificates": [attest("tab-certs")],
    "kms": [kms()],
    "kms-policy": [kms("enter")],
    "kms-decrypt": [decrypt("ok")],
    "kms-denied": [decrypt("other")],
}
