"""Pinning a key to an image from the KMS view: prompt, the policy change asked for, applied
(as the key administrator: the decrypting principal may not change the policy)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from screens2_fakes import FixedPlatform

from core.eif.format import SectionType
from core.eif.reader import measure_eif
from core.eif.writer import Section, write_eif
from core.home import Home
from core.kms.demo import DECRYPT_SID, demo_key_policy
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, ADMIN_PROFILE, PRINCIPAL_ARN
from core.kms.local.server import LocalKms
from core.kms.target import KmsTarget, boto3_client
from tui.engine.kms_access import KmsAccess
from tui.screens.confirm import ConfirmScreen
from tui.screens.kms import KmsScreen

OLD = "ab" * 48


@pytest.fixture
def server() -> Iterator[LocalKms]:
    with LocalKms(home=Home.resolve()) as kms:
        yield kms


def _image(path: Path) -> Path:
    metadata = {"ImageName": "n", "ImageVersion": "2", "BuildMetadata": {}, "DockerInfo": {}}
    sections = [
        Section(SectionType.KERNEL, b"kernel"),
        Section(SectionType.CMDLINE, b"console=ttyS0"),
        Section(SectionType.METADATA, json.dumps(metadata).encode()),
        Section(SectionType.RAMDISK, b"boot"),
        Section(SectionType.RAMDISK, b"app v2"),
    ]
    write_eif(path, sections)
    return path


def _decrypt_statement(kms: Any, key: str) -> dict[str, Any]:
    statements = json.loads(kms.get_key_policy(KeyId=key)["Policy"])["Statement"]
    return dict(next(s for s in statements if s["Sid"] == DECRYPT_SID))


async def _until(pilot: Any, wait: Any, done: Any) -> None:
    for _ in range(80):
        await wait(pilot)
        if done():
            return
    raise AssertionError("timed out")


@pytest.mark.parametrize("answer", ["y", "n"])
async def test_pin_from_the_kms_view(
    make_app: Any, wait: Any, server: LocalKms, tmp_path: Path, answer: str
) -> None:
    target = KmsTarget(server.endpoint, "us-east-1", server.credentials_path)
    kms = boto3_client(target, profile=ADMIN_PROFILE)  # the view pins as the administrator
    policy = demo_key_policy(OLD, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    key = kms.create_key(Policy=policy)["KeyMetadata"]["KeyId"]
    image = _image(tmp_path / "v2.eif")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = KmsScreen(kms=KmsAccess(target), platform=FixedPlatform())
        await app.push_screen(screen)
        await _until(pilot, wait, lambda: len(screen.table.all_rows) == 1)
        await pilot.press("p")
        await pilot.press(*str(image), "enter")
        await _until(pilot, wait, lambda: isinstance(app.screen, ConfirmScreen))
        assert measure_eif(image).pcr0 in app.screen.target  # type: ignore[attr-defined]
        await pilot.press(answer)
        pinned = _decrypt_statement(kms, key)
        expected = [OLD, measure_eif(image).pcr0] if answer == "y" else OLD

        def applied() -> bool:
            values = _decrypt_statement(kms, key)["Condition"]["StringEqualsIgnoreCase"]
            return bool(values["kms:RecipientAttestation:ImageSha384"] == expected)

        if answer == "y":
            await _until(pilot, wait, applied)
        else:
            note = screen.query_one("#kms-note")
            await _until(pilot, wait, lambda: "pin cancelled" in str(note.render()))
            assert applied()
        assert pinned["Principal"] == {"AWS": PRINCIPAL_ARN}
